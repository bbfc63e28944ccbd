package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST's four files, written small: errors name the file at fault and how to restore it. */
class FashionMnistFilesTest {
  private static final String REINSTALL = "; reinstall with: sudo apt-get install --reinstall dataset-fashion-mnist (Debian),"
      + " or copy the four Fashion-MNIST files again into ";

  @TempDir Path dir;

  private Path images(int n) throws IOException {
    byte[] pixels = new byte[n * 784];
    for (int i = 0; i < n; i++) pixels[i * 784] = (byte) (10 * i);
    return IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFiles.ubytes(new int[] {n, 28, 28}, pixels), false);
  }

  private Path labels(byte... y) throws IOException {
    return IdxFiles.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxFiles.ubytes(new int[] {y.length}, y), true);
  }

  @Test
  void smallFilesLoad() throws IOException {
    images(3);
    labels((byte) 9, (byte) 0, (byte) 4);
    try (ArrayDataset d = FashionMnist.load(dir, false, 0)) {
      assertArrayEquals(new int[] {9, 0, 4}, d.targets().toIntArray());
      assertEquals(20f / 255, d.features().toFloatArray()[2 * 784], 1e-7);
    }
  }

  @Test
  void labelsAndImagesThatDoNotMatchNameBothFiles() throws IOException {
    Path images = images(3);
    Path labels = labels((byte) 1, (byte) 2);
    IOException e = assertThrows(IOException.class, () -> FashionMnist.load(dir, false, 0));
    assertEquals("Fashion-MNIST t10k: " + labels + " holds 2 labels but " + images + " holds 3 images; the two files must"
        + " come from the same copy" + REINSTALL + dir, e.getMessage());
  }

  @Test
  void aTruncatedGzipFileIsNamedWithHowToReinstall() throws IOException {
    images(2);
    Path labels = labels((byte) 1, (byte) 2);
    byte[] gz = Files.readAllBytes(labels);
    Files.write(labels, Arrays.copyOf(gz, 5));
    IOException e = assertThrows(IOException.class, () -> FashionMnist.load(dir, false, 0));
    assertEquals("IDX file " + labels + " is truncated or corrupt: the gzip data ends early; download or copy the file again"
        + REINSTALL + dir, e.getMessage());
  }

  @Test
  void wrongImageShapeAndLabelOutOfRangeNameTheirFile() throws IOException {
    Path images = IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFiles.ubytes(new int[] {1, 784}, new byte[784]),
        false);
    labels((byte) 1);
    IOException e = assertThrows(IOException.class, () -> FashionMnist.load(dir, false, 0));
    assertEquals("Fashion-MNIST t10k: " + images + " holds images of [1, 784], expected [N, 28, 28]" + REINSTALL + dir,
        e.getMessage());
    images(2);
    Path labels = labels((byte) 3, (byte) 10);
    e = assertThrows(IOException.class, () -> FashionMnist.load(dir, false, 0));
    assertEquals("Fashion-MNIST t10k: " + labels + " holds label 10 at index 1, outside [0, 10)" + REINSTALL + dir,
        e.getMessage());
  }
}
