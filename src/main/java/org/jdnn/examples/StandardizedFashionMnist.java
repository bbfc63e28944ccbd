package org.jdnn.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.FashionMnist;

/**
 * Fashion-MNIST's training and test images, both standardized with the training images' pixel
 * mean and std: the inputs benchmark workloads W1 and W2 train and test on. Closing it frees both
 * datasets.
 */
public final class StandardizedFashionMnist implements AutoCloseable {
  /** The training images kept, standardized. */
  public final ArrayDataset train;
  /** The test images kept, standardized with the training images' mean and std. */
  public final ArrayDataset test;

  private StandardizedFashionMnist(ArrayDataset train, ArrayDataset test) {
    this.train = train;
    this.test = test;
  }

  /**
   * Loads and standardizes both sets.
   *
   * @param dir the directory holding the four IDX files, plain or gzipped
   * @param trainLimit how many training images to keep from the start; all when 0 or less
   * @param testLimit how many test images to keep from the start; all when 0 or less
   * @param sampleShape one image's shape, holding 784 values ({784} for an MLP, {1, 28, 28} for a CNN)
   * @return both sets on the thread's default device, which the caller closes
   * @throws IOException when a file is missing, unreadable or damaged (see {@link FashionMnist#load})
   */
  public static StandardizedFashionMnist load(Path dir, int trainLimit, int testLimit, long[] sampleShape)
      throws IOException {
    try (ArrayDataset rawTrain = FashionMnist.load(dir, true, trainLimit, sampleShape);
        ArrayDataset rawTest = FashionMnist.load(dir, false, testLimit, sampleShape)) {
      double[] ms = rawTrain.featureMeanStd();
      ArrayDataset train = rawTrain.standardized(ms[0], ms[1]);
      try {
        return new StandardizedFashionMnist(train, rawTest.standardized(ms[0], ms[1]));
      } catch (RuntimeException | Error e) {
        train.close();
        throw e;
      }
    }
  }

  @Override
  public void close() {
    try {
      test.close();
    } finally {
      train.close();
    }
  }
}
