package org.jdnn.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST as plain Java arrays, the same for every system: pixels scaled to [0, 1], then
 * standardized with the training set's mean and (biased) standard deviation over all pixels, as
 * jdnn's W1 example does. Each system copies these arrays into its own tensors once, outside timing.
 */
public final class FashionData {
  public static final int PIXELS = 784;
  public final float[] trainX, testX;
  public final int[] trainY, testY;
  public final int trainN, testN;
  public final double mean, std;

  private FashionData(float[] trainX, int[] trainY, float[] testX, int[] testY, double mean, double std) {
    this.trainX = trainX;
    this.trainY = trainY;
    this.testX = testX;
    this.testY = testY;
    this.trainN = trainY.length;
    this.testN = testY.length;
    this.mean = mean;
    this.std = std;
  }

  /** Loads the four IDX files (gzip or plain) from {@code dir}; {@code limit} > 0 keeps the first training images only. */
  public static FashionData load(Path dir, int limit) throws IOException {
    float[] trX = images(dir, "train-images-idx3-ubyte");
    int[] trY = labels(dir, "train-labels-idx1-ubyte");
    float[] teX = images(dir, "t10k-images-idx3-ubyte");
    int[] teY = labels(dir, "t10k-labels-idx1-ubyte");
    if (limit > 0 && limit < trY.length) {
      trX = java.util.Arrays.copyOf(trX, limit * PIXELS);
      trY = java.util.Arrays.copyOf(trY, limit);
    }
    double sum = 0, sq = 0;
    for (float v : trX) {
      sum += v;
      sq += (double) v * v;
    }
    double mean = sum / trX.length;
    double std = Math.sqrt(Math.max(0, sq / trX.length - mean * mean));
    standardize(trX, mean, std);
    standardize(teX, mean, std);
    return new FashionData(trX, trY, teX, teY, mean, std);
  }

  private static void standardize(float[] x, double mean, double std) {
    for (int i = 0; i < x.length; i++) x[i] = (float) ((x[i] - mean) / std);
  }

  /**
   * The sample order of an epoch: the same Fisher-Yates permutation of (seed, epoch) that jdnn's
   * {@code BatchIterator} draws, so every system sees the same batches.
   */
  public static int[] order(int n, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Copies rows {@code idx} of {@code x} (row length {@code PIXELS}) into {@code dst}. */
  public static void gather(float[] x, int[] idx, int from, int to, float[] dst) {
    for (int i = from; i < to; i++) System.arraycopy(x, idx[i] * PIXELS, dst, (i - from) * PIXELS, PIXELS);
  }

  private static InputStream open(Path dir, String base) throws IOException {
    Path gz = dir.resolve(base + ".gz");
    if (Files.isRegularFile(gz)) return new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
    Path plain = dir.resolve(base);
    if (Files.isRegularFile(plain)) return Files.newInputStream(plain);
    throw new IOException("Fashion-MNIST file " + base + "[.gz] not found in " + dir
        + " (apt-get install dataset-fashion-mnist, or pass --data DIR)");
  }

  private static float[] images(Path dir, String base) throws IOException {
    try (DataInputStream in = new DataInputStream(open(dir, base))) {
      int magic = in.readInt();
      if (magic != 0x803) throw new IOException(base + ": not an IDX ubyte 3-d file (magic " + Integer.toHexString(magic) + ")");
      int n = in.readInt(), h = in.readInt(), w = in.readInt();
      if (h != 28 || w != 28) throw new IOException(base + ": expected 28x28 images, got " + h + "x" + w);
      byte[] raw = new byte[n * PIXELS];
      in.readFully(raw);
      float[] x = new float[raw.length];
      for (int i = 0; i < raw.length; i++) x[i] = (raw[i] & 0xff) / 255f;
      return x;
    }
  }

  private static int[] labels(Path dir, String base) throws IOException {
    try (DataInputStream in = new DataInputStream(open(dir, base))) {
      int magic = in.readInt();
      if (magic != 0x801) throw new IOException(base + ": not an IDX ubyte 1-d file (magic " + Integer.toHexString(magic) + ")");
      int n = in.readInt();
      byte[] raw = new byte[n];
      in.readFully(raw);
      int[] y = new int[n];
      for (int i = 0; i < n; i++) y[i] = raw[i] & 0xff;
      return y;
    }
  }
}
