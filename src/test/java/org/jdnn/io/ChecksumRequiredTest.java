package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jdnn's loaders require the checksum every jdnn file carries, so damage to the checksum's own key
 * cannot switch the check off; files without one (written by other programs) are read only when
 * the caller asks for it.
 */
class ChecksumRequiredTest {
  @TempDir Path dir;

  private static int indexOf(byte[] haystack, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) if (haystack[i + j] != n[j]) continue outer;
      return i;
    }
    return -1;
  }

  private static void assertMessage(IOException e, Path p, String... mentions) {
    assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
    for (String m : mentions) assertTrue(e.getMessage().contains(m), e.getMessage() + " should mention " + m);
  }

  @Test
  void aChecksumKeyDamagedByOneBitDoesNotSwitchTheCheckOff() throws IOException {
    Path good = dir.resolve("good.safetensors");
    Path bad = dir.resolve("bad.safetensors");
    try (Layer saved = new Sequential(new Linear(3, 2, true, new Generator(1)));
        Layer into = new Sequential(new Linear(3, 2, true, new Generator(2)))) {
      ModelFile.save(good, saved);
      byte[] original = Files.readAllBytes(good);
      int key = indexOf(original, "\"" + SafeTensors.CRC_KEY + "\"") + 1;
      float[] before = into.parameters().get(0).toFloatArray();
      int tried = 0;
      for (int at = key; at < key + SafeTensors.CRC_KEY.length(); at++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] b = original.clone();
          b[at] ^= (byte) (1 << bit);
          b[b.length - 1] ^= 0x40; // and the data is corrupt: only the checksum can tell
          Files.write(bad, b);
          String what = "bit " + bit + " of key byte " + (at - key);
          IOException e = assertThrows(IOException.class, () -> ModelFile.loadWeights(bad, into), what);
          assertTrue(e.getMessage().startsWith(bad + ": "), what + ": " + e.getMessage());
          assertThrows(IOException.class, () -> ModelFile.load(bad).close(), what);
          assertThrows(IOException.class, () -> ModelFile.loadForeignWeights(bad, into), what + " (foreign)");
          assertArrayEquals(before, into.parameters().get(0).toFloatArray(), what + ": weights untouched");
          tried++;
        }
      }
      assertEquals(80, tried);
      // the message of the plain case says what happened and what to do
      byte[] b = original.clone();
      b[key + "jdnn.".length()] ^= 0x01; // "jdnn.brc32"
      Files.write(bad, b);
      IOException e = assertThrows(IOException.class, () -> ModelFile.loadWeights(bad, into));
      assertMessage(e, bad, "no " + SafeTensors.CRC_KEY + " checksum", "loadForeignWeights");
      e = assertThrows(IOException.class, () -> ModelFile.loadForeignWeights(bad, into));
      assertMessage(e, bad, "jdnn metadata", "no " + SafeTensors.CRC_KEY);
    }
  }

  @Test
  void aFileWrittenByAnotherProgramLoadsOnlyWhenAskedFor() throws IOException {
    Path p = dir.resolve("torch.safetensors");
    float[] weight = {1, 2, 3, 4, 5, 6};
    float[] bias = {-1, -2};
    float[] data = {1, 2, 3, 4, 5, 6, -1, -2};
    ForeignFiles.write(p, ForeignFiles.f32("0.weight", new long[] {2, 3}, 0) + "," + ForeignFiles.f32("0.bias", new long[] {2}, 24),
        data);
    try (Layer into = new Sequential(new Linear(3, 2, true, new Generator(2)))) {
      IOException e = assertThrows(IOException.class, () -> ModelFile.loadWeights(p, into));
      assertMessage(e, p, "no " + SafeTensors.CRC_KEY + " checksum", "ModelFile.loadForeignWeights");
      e = assertThrows(IOException.class, () -> SafeTensorsFile.open(p).close());
      assertMessage(e, p, "SafeTensorsFile.openForeign");
      ModelFile.loadForeignWeights(p, into);
      assertArrayEquals(weight, into.parameters().get(0).toFloatArray());
      assertArrayEquals(bias, into.parameters().get(1).toFloatArray());
      try (SafeTensorsFile f = SafeTensorsFile.openForeign(p)) {
        assertTrue(!f.isChecksummed());
        assertEquals("pt", f.metadata().get("format"));
      }
    }
  }

  @Test
  void openForeignStillVerifiesAChecksumWhenThereIsOne() throws IOException {
    Path p = dir.resolve("w.safetensors");
    try (Layer m = new Sequential(new Linear(3, 2, true, new Generator(1)))) {
      ModelFile.saveWeights(p, m);
      try (SafeTensorsFile f = SafeTensorsFile.openForeign(p)) {
        assertTrue(f.isChecksummed());
      }
      byte[] b = Files.readAllBytes(p);
      b[b.length - 1] ^= 0x40;
      Files.write(p, b);
      IOException e = assertThrows(IOException.class, () -> ModelFile.loadForeignWeights(p, m));
      assertMessage(e, p, "checksum mismatch");
    }
  }

  @Test
  void filesOfOtherKindsAreNamedAsSuch() throws IOException {
    Path png = dir.resolve("photo.safetensors");
    byte[] b = new byte[300];
    byte[] magic = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    System.arraycopy(magic, 0, b, 0, magic.length);
    Files.write(png, b);
    IOException e = assertThrows(IOException.class, () -> ModelFile.load(png).close());
    assertMessage(e, png, "not a safetensors file", "PNG image");
    Path zip = dir.resolve("model.pt");
    Files.write(zip, new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    e = assertThrows(IOException.class, () -> ModelFile.load(zip).close());
    assertMessage(e, zip, "not a safetensors file", "ZIP archive", "torch.save");
  }
}
