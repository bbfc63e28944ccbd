package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  // 2 images of 2x3 ubyte pixels
  private static byte[] idx() {
    return new byte[] {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50, (byte) 255};
  }

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    return IdxFiles.write(dir.resolve(name), content, gzip);
  }

  @Test
  void readsPlainAndGzipFilesAlike() throws IOException {
    for (boolean gzip : new boolean[] {false, true}) {
      IdxArray a = IdxReader.read(write("a" + gzip, idx(), gzip));
      assertEquals(IdxArray.Type.UBYTE, a.type());
      assertArrayEquals(new int[] {2, 2, 3}, a.dims());
      assertEquals(2, a.count());
      assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 255}, a.toInts());
      assertEquals(1.0f, a.toFloats(1.0 / 255)[11], 1e-7);
    }
  }

  @Test
  void readsBigEndianIntegers() throws IOException {
    byte[] b = {0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};
    assertArrayEquals(new int[] {256, -2}, IdxReader.read(write("ints", b, false)).toInts());
  }

  @Test
  void truncatedDataIsReportedWithSizes() throws IOException {
    for (boolean gzip : new boolean[] {false, true}) {
      byte[] cut = Arrays.copyOf(idx(), idx().length - 5);
      IOException e = assertThrows(IOException.class, () -> IdxReader.read(write("cut" + gzip, cut, gzip)));
      assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("need 12 data bytes, found 7"),
          e.getMessage());
    }
  }

  @Test
  void truncatedHeaderAndBadMagicAndTrailingBytesAreReported() throws IOException {
    IOException e = assertThrows(IOException.class, () -> IdxReader.read(write("h", Arrays.copyOf(idx(), 9), false)));
    assertTrue(e.getMessage().contains("truncated inside its header"), e.getMessage());
    byte[] magic = idx();
    magic[0] = 7;
    e = assertThrows(IOException.class, () -> IdxReader.read(write("m", magic, false)));
    assertTrue(e.getMessage().contains("bad magic number 0x07000803"), e.getMessage());
    byte[] type = idx();
    type[2] = 0x05;
    e = assertThrows(IOException.class, () -> IdxReader.read(write("t", type, false)));
    assertTrue(e.getMessage().contains("unknown element type 0x05"), e.getMessage());
    byte[] extra = Arrays.copyOf(idx(), idx().length + 1);
    e = assertThrows(IOException.class, () -> IdxReader.read(write("x", extra, false)));
    assertTrue(e.getMessage().contains("data after"), e.getMessage());
  }

  @Test
  void aHugeDeclaredSizeDoesNotAllocateItUpFront() throws IOException {
    // dims 65535 x 65535 x 1 ubytes = 4 GiB declared, 3 bytes present
    byte[] b = {0, 0, 0x08, 2, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, (byte) 0xff, (byte) 0xff, 1, 2, 3};
    IOException e = assertThrows(IOException.class, () -> IdxReader.read(write("huge", b, false)));
    assertTrue(e.getMessage().contains("more than one array can hold"), e.getMessage());
    byte[] c = {0, 0, 0x08, 1, 0x10, 0, 0, 0, 1, 2, 3}; // 256 MiB declared, 3 bytes present
    e = assertThrows(IOException.class, () -> IdxReader.read(write("big", c, false)));
    assertTrue(e.getMessage().contains("found 3"), e.getMessage());
  }

  @Test
  void corruptOrTruncatedGzipNamesTheFileAndTheFix() throws IOException {
    byte[] gz = Files.readAllBytes(write("g", idx(), true));
    for (int keep : new int[] {5, gz.length / 2, gz.length - 3}) {
      Path cut = write("gcut" + keep, Arrays.copyOf(gz, keep), false);
      IOException e = assertThrows(IOException.class, () -> IdxReader.read(cut));
      assertTrue(e.getMessage().startsWith("IDX file " + cut + " is truncated or corrupt: "), e.getMessage());
      assertTrue(e.getMessage().endsWith("; download or copy the file again"), e.getMessage());
      assertFalse(e.getMessage().contains("null"), e.getMessage());
    }
    byte[] flipped = gz.clone();
    flipped[gz.length - 6] ^= 0x40; // inside the CRC-32 of the trailer
    Path bad = write("gcrc", flipped, false);
    IOException e = assertThrows(IOException.class, () -> IdxReader.read(bad));
    assertEquals("IDX file " + bad + " is truncated or corrupt: Corrupt GZIP trailer; download or copy the file again",
        e.getMessage());
  }

  @Test
  void headersWhoseSizeOverflowsAreRejectedNamingTheFile() throws IOException {
    int[][] overflowing = {
      {65536, 65536, 65536, 65536}, // 2^64 elements: wraps to 0
      {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, // wraps to a negative size
      {1 << 16, 1 << 16, 1 << 16, 1 << 16, 1 << 16},
    };
    for (boolean gzip : new boolean[] {false, true}) {
      for (int[] dims : overflowing) {
        Path p = write("overflow" + gzip, IdxFiles.ubytes(dims, new byte[0]), gzip);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(p), Arrays.toString(dims));
        String bytes = Arrays.stream(dims).mapToObj(java.math.BigInteger::valueOf)
            .reduce(java.math.BigInteger.ONE, java.math.BigInteger::multiply).toString();
        assertEquals("IDX file " + p + ": dimensions " + Arrays.toString(dims) + " of UBYTE declare " + bytes
            + " bytes, more than one array can hold (" + (Integer.MAX_VALUE - 16) + ")", e.getMessage());
      }
    }
  }

  @Test
  void zeroAndNegativeDimensionsAreRejectedNamingTheFile() throws IOException {
    Path zero = write("zero", IdxFiles.ubytes(new int[] {0, 28, 28}, new byte[0]), false);
    IOException e = assertThrows(IOException.class, () -> IdxReader.read(zero));
    assertEquals("IDX file " + zero + ": dimension 0 is 0 in [0, 28, 28]; an IDX array holds at least one element",
        e.getMessage());
    Path negative = write("negative", IdxFiles.ubytes(new int[] {2, -1}, new byte[0]), false);
    e = assertThrows(IOException.class, () -> IdxReader.read(negative));
    assertEquals("IDX file " + negative + ": dimension 1 is negative (-1)", e.getMessage());
  }
}
