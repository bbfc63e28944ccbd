package org.jdnn.train;

import java.util.SplittableRandom;
import org.jdnn.data.ArrayDataset;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;

/** Small seeded classification data and model shared by the trainer tests. */
final class TrainerTestData {
  private TrainerTestData() {}

  /** n points in 4-D, 3 classes by the sign pattern of two coordinates, with an offset so a normalizer matters. */
  static ArrayDataset blobs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * 4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (r.nextGaussian() * 2 + 5);
      y[i] = x[i * 4] > 5 ? (x[i * 4 + 1] > 5 ? 2 : 1) : 0;
    }
    return ArrayDataset.withLabels(x, new long[] {4}, y);
  }

  static Layer mlp() {
    return new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
  }
}
