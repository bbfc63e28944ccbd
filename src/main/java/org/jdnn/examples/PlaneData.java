package org.jdnn.examples;

import java.util.SplittableRandom;
import org.jdnn.data.ArrayDataset;
import org.jdnn.tensor.Tensor;

/**
 * Synthetic labelled points of the plane for the demonstrations: two interleaved spirals, a task
 * no line and no single bump can separate.
 */
final class PlaneData {
  final float[] xy;
  final int[] labels;

  private PlaneData(float[] xy, int[] labels) {
    this.xy = xy;
    this.labels = labels;
  }

  /**
   * {@code perClass} points on each of two spirals (class 0 and class 1, the second the first turned
   * half a turn), {@code turns} turns each, radius 0.1 to 1, with Gaussian noise of {@code noise}
   * added to each coordinate; the same seed gives the same points.
   */
  static PlaneData spirals(int perClass, double turns, double noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] xy = new float[4 * perClass];
    int[] labels = new int[2 * perClass];
    for (int i = 0; i < perClass; i++) {
      double t = (double) i / perClass;
      double r = 0.1 + 0.9 * t;
      double angle = 2 * Math.PI * turns * t;
      for (int c = 0; c < 2; c++) {
        int k = 2 * i + c;  // classes alternate, so any prefix is balanced
        double a = angle + Math.PI * c;
        xy[2 * k] = (float) (r * Math.cos(a) + noise * random.nextGaussian());
        xy[2 * k + 1] = (float) (r * Math.sin(a) + noise * random.nextGaussian());
        labels[k] = c;
      }
    }
    return new PlaneData(xy, labels);
  }

  int size() {
    return labels.length;
  }

  /** (N, 2) float32 coordinates. */
  Tensor points() {
    return Tensor.of(xy, size(), 2);
  }

  /** (N) int32 classes. */
  Tensor classes() {
    return Tensor.ofInts(labels, size());
  }

  /** The points and classes as a dataset for Trainer.fit, on the thread's default device. */
  ArrayDataset dataset() {
    return ArrayDataset.withLabels(xy, new long[] {2}, labels);
  }

  /** (N, 1) float32 targets 0 or 1, for a logit output. */
  Tensor targets() {
    float[] t = new float[size()];
    for (int i = 0; i < t.length; i++) t[i] = labels[i];
    return Tensor.of(t, size(), 1);
  }
}
