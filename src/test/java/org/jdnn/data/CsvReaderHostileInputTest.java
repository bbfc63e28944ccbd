package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small files that must not cost large memory or time, and bytes that are not valid UTF-8. */
class CsvReaderHostileInputTest {
  // a limit must refuse its input long before the reader could have read or allocated much
  private static final Duration QUICKLY = Duration.ofSeconds(3);

  @TempDir Path dir;

  private Path file(byte[] content) throws IOException {
    Path p = dir.resolve("hostile.csv");
    Files.write(p, content);
    return p;
  }

  private Path file(String text) throws IOException {
    return file(text.getBytes(StandardCharsets.UTF_8));
  }

  private IOException refused(CsvReader reader, Path p) {
    return assertTimeoutPreemptively(QUICKLY, () -> assertThrows(IOException.class, () -> reader.read(p)));
  }

  @Test
  void aHugeIntegerLabelIsOneClassNotAListUpToIt() throws IOException {
    Path p = file("a,y\n1,999999999\n2,5\n3,2000000\n4,5\n");
    CsvReader.Table t = assertTimeoutPreemptively(QUICKLY, () -> CsvReader.labelColumn("y").read(p));
    assertEquals(List.of("5", "2000000", "999999999"), t.classNames, "distinct labels in numeric order");
    assertArrayEquals(new int[] {2, 0, 1, 0}, t.labels);
  }

  @Test
  void tooManyDistinctLabelsAreRefusedAtTheirLine() throws IOException {
    StringBuilder s = new StringBuilder("a,y\n");
    for (int i = 0; i <= CsvReader.DEFAULT_MAX_CLASSES; i++) s.append(i).append(',').append(i * 0.5).append('\n');
    Path p = file(s.toString());
    IOException e = refused(CsvReader.labelColumn("y"), p);
    int line = CsvReader.DEFAULT_MAX_CLASSES + 2;
    assertEquals(p + " line " + line + ", column 'y': more than " + CsvReader.DEFAULT_MAX_CLASSES
        + " distinct class labels; for a numeric target use regression(true), or raise the limit with maxClasses(n)",
        e.getMessage());
    assertEquals(CsvReader.DEFAULT_MAX_CLASSES + 1, CsvReader.labelColumn("y").maxClasses(20_000).read(p).classNames.size());
    IOException small = refused(CsvReader.labelColumn("y").maxClasses(2), file("a,y\n1,x\n2,y\n3,x\n4,z\n"));
    assertEquals(dir.resolve("hostile.csv") + " line 5, column 'y': more than 2 distinct class labels; for a numeric target"
        + " use regression(true), or raise the limit with maxClasses(n)", small.getMessage());
  }

  @Test
  void aTenMegabyteFieldIsRefusedWithTheLimit() throws IOException {
    byte[] big = new byte[10 << 20];
    java.util.Arrays.fill(big, (byte) '7');
    Path p = file(concat("a,label\n1,0\n".getBytes(StandardCharsets.US_ASCII), big, ",1\n".getBytes(StandardCharsets.US_ASCII)));
    IOException e = refused(CsvReader.labelColumn("label"), p);
    assertEquals(p + " line 3, field 1: longer than " + CsvReader.DEFAULT_MAX_FIELD_CHARS
        + " characters (the limit; raise it with maxFieldChars(n))", e.getMessage());
    Path q = file("a,label\n1234567,0\n");
    e = refused(CsvReader.labelColumn("label").maxFieldChars(6), q);
    assertEquals(q + " line 2, field 1: longer than 6 characters (the limit; raise it with maxFieldChars(n))", e.getMessage());
    assertEquals(1234567f, CsvReader.labelColumn("label").maxFieldChars(7).read(q).features[0]);
  }

  @Test
  void aLineOfTwoHundredThousandColumnsIsRefusedWithTheLimit() throws IOException {
    String wide = "0,".repeat(200_000 - 1) + "0\n";
    Path header = file(wide + wide);
    IOException e = refused(CsvReader.labelColumn(0), header);
    assertEquals(header + " line 1: more than " + CsvReader.DEFAULT_MAX_COLUMNS
        + " fields (the limit; raise it with maxColumns(n))", e.getMessage());
    Path row = file("a,label\n" + wide);
    e = refused(CsvReader.labelColumn(0), row);
    assertEquals(row + " line 2: more than " + CsvReader.DEFAULT_MAX_COLUMNS + " fields (the limit; raise it with maxColumns(n))",
        e.getMessage());
    Path three = file("a,b,label\n1,2,3\n");
    assertEquals(three + " line 1: more than 2 fields (the limit; raise it with maxColumns(n))",
        refused(CsvReader.labelColumn(0).maxColumns(2), three).getMessage());
  }

  @Test
  void invalidUtf8NamesFileLineAndByte() throws IOException {
    byte[] bad = concat("a,label\n1,0\n2,".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff},
        "\n".getBytes(StandardCharsets.US_ASCII));
    Path p = file(bad);
    IOException e = refused(CsvReader.labelColumn("label"), p);
    assertEquals(p + " line 3: invalid UTF-8 (byte 0xff at byte offset 14); save the file as UTF-8", e.getMessage());

    // far past the decoder's first buffer, and a multi-byte sequence cut off by the end of the file
    StringBuilder s = new StringBuilder("a,label\n");
    for (int i = 0; i < 20_000; i++) s.append(i).append(",é\n");
    byte[] head = s.toString().getBytes(StandardCharsets.UTF_8);
    Path far = file(concat(head, "7,".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc3}));
    e = refused(CsvReader.labelColumn("label"), far);
    assertEquals(far + " line 20002: invalid UTF-8 (byte 0xc3 at byte offset " + (head.length + 2) + "); save the file as UTF-8",
        e.getMessage());
  }

  @Test
  void aUtf8ByteOrderMarkIsAccepted() throws IOException {
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    Path p = file(concat(bom, "y,a\n1,2.5\n0,3\n".getBytes(StandardCharsets.US_ASCII)));
    CsvReader.Table t = CsvReader.labelColumn("y").read(p);
    assertEquals(List.of("a"), t.featureNames);
    assertArrayEquals(new float[] {2.5f, 3}, t.features);
    assertArrayEquals(new int[] {1, 0}, t.labels);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] b : parts) n += b.length;
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] b : parts) {
      System.arraycopy(b, 0, out, at, b.length);
      at += b.length;
    }
    return out;
  }
}
