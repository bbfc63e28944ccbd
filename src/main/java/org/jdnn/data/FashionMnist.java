package org.jdnn.data;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Fashion-MNIST (28x28 grayscale, 10 classes) from its four IDX files. Pixels are scaled to
 * [0, 1]. The directory defaults to $JDNN_FASHION_MNIST, else /usr/share/datasets/fashion-mnist
 * (where Debian's dataset-fashion-mnist package installs it).
 */
public final class FashionMnist {
  /** Where Debian's dataset-fashion-mnist package installs the files. */
  public static final Path DEFAULT_DIR = Paths.get("/usr/share/datasets/fashion-mnist");
  /** The number of classes. */
  public static final int CLASSES = 10;
  /** The classes' names, indexed by label (an array: do not change it). */
  public static final String[] CLASS_NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };

  private FashionMnist() {}

  /**
   * The data directory to use.
   *
   * @return $JDNN_FASHION_MNIST if set and not empty, else {@link #DEFAULT_DIR}
   */
  public static Path defaultDir() {
    String env = System.getenv("JDNN_FASHION_MNIST");
    return env != null && !env.isEmpty() ? Paths.get(env) : DEFAULT_DIR;
  }

  /**
   * Whether the data set is installed in {@code dir}; the files are not opened.
   *
   * @param dir the directory to look in
   * @return true when all four files are present, each plain or gzipped
   */
  public static boolean isAvailable(Path dir) {
    for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"}) {
      if (find(dir, f) == null) return false;
    }
    return true;
  }

  /**
   * Images flattened to 784 features, scaled to [0, 1], and labels in [0, 10), for an MLP.
   *
   * @param dir the directory holding the four IDX files, plain or gzipped
   * @param train true for the 60,000 training images, false for the 10,000 test images
   * @param limit how many images to keep from the start of the file; all when 0 or less
   * @return a new dataset (float32 (N, 784), int32 labels) on the thread's default device, which
   *     the caller closes
   * @throws IOException when a file is missing, unreadable or damaged; the message says how to
   *     install or reinstall the data set
   */
  public static ArrayDataset load(Path dir, boolean train, int limit) throws IOException {
    return load(dir, train, limit, new long[] {784});
  }

  /**
   * Images scaled to [0, 1] with per-sample shape {@code sampleShape} ({784} for an MLP, {1, 28, 28}
   * for a CNN), the first {@code limit} images (all when limit is 0 or less), and labels in
   * [0, 10).
   *
   * @param dir the directory holding the four IDX files, plain or gzipped
   * @param train true for the 60,000 training images, false for the 10,000 test images
   * @param limit how many images to keep from the start of the file; all when 0 or less
   * @param sampleShape one image's shape, holding 784 values
   * @return a new dataset (float32 features, int32 labels) on the thread's default device, which
   *     the caller closes
   * @throws IOException when a file is missing, unreadable or damaged; the message says how to
   *     install or reinstall the data set
   * @throws IllegalArgumentException when {@code sampleShape} does not hold 784 values
   */
  public static ArrayDataset load(Path dir, boolean train, int limit, long[] sampleShape) throws IOException {

    long per = 1;
    for (long d : sampleShape) per *= d;
    if (per != 784) {
      throw new IllegalArgumentException("Fashion-MNIST sample shape must hold 784 pixels, got " + Arrays.toString(sampleShape));
    }
    String prefix = train ? "train" : "t10k";
    Path imageFile = require(dir, prefix + "-images-idx3-ubyte");
    Path labelFile = require(dir, prefix + "-labels-idx1-ubyte");
    IdxArray images = read(imageFile, dir);
    IdxArray labels = read(labelFile, dir);
    String where = "Fashion-MNIST " + prefix + ": ";
    int[] d = images.dims();
    if (d.length != 3 || d[1] != 28 || d[2] != 28) {
      throw new IOException(where + imageFile + " holds images of " + Arrays.toString(d) + ", expected [N, 28, 28]"
          + reinstall(dir));
    }
    if (labels.dims().length != 1 || labels.count() != images.count()) {
      throw new IOException(where + labelFile + " holds " + labels.count() + " labels but " + imageFile + " holds "
          + images.count() + " images; the two files must come from the same copy" + reinstall(dir));
    }
    int n = limit > 0 ? Math.min(limit, images.count()) : images.count();
    float[] pixels = Arrays.copyOf(images.toFloats(1.0 / 255), n * 784);
    int[] y = Arrays.copyOf(labels.toInts(), n);
    for (int i = 0; i < n; i++) {
      if (y[i] < 0 || y[i] >= CLASSES) {
        throw new IOException(where + labelFile + " holds label " + y[i] + " at index " + i + ", outside [0, 10)" + reinstall(dir));
      }
    }
    return ArrayDataset.withLabels(pixels, sampleShape, y);
  }

  private static Path require(Path dir, String base) throws IOException {
    Path p = find(dir, base);
    if (p == null) {
      throw new IOException("Fashion-MNIST file " + base + "[.gz] not found in " + dir
          + ". Install it with: sudo apt-get install dataset-fashion-mnist (Debian), or set JDNN_FASHION_MNIST to a "
          + "directory holding the four IDX files");
    }
    return p;
  }

  // A damaged file (truncated, corrupt, not IDX) is replaced by reinstalling; a file system error is reported as is.
  private static IdxArray read(Path file, Path dir) throws IOException {
    try {
      return IdxReader.read(file);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(e.getMessage() + reinstall(dir), e);
    }
  }

  private static String reinstall(Path dir) {
    return "; reinstall with: sudo apt-get install --reinstall dataset-fashion-mnist (Debian), or copy the four Fashion-MNIST"
        + " files again into " + dir;
  }

  private static Path find(Path dir, String base) {
    for (String name : new String[] {base + ".gz", base}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) return p;
    }
    return null;
  }
}
