package org.jdnn.bench;

import org.jdnn.nn.Layer;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** Test-set accuracy of a jdnn classifier as both jdnn harnesses (JdnnBench, GpuBench) measure it. */
final class TestAccuracy {
  private TestAccuracy() {}

  /**
   * The fraction of {@code labels} the model's argmax predicts, in eval mode without gradients,
   * over the first {@code labels.length} rows of {@code x} in batches of 1,000.
   */
  static double of(Layer model, Tensor x, int[] labels) {
    model.eval();
    long correct = 0;
    int n = labels.length;
    try (GradMode.Guard g = GradMode.disable()) {
      for (int from = 0; from < n; from += 1000) {
        int to = Math.min(n, from + 1000);
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) rows[i] = from + i;
        try (TensorScope s = new TensorScope()) {
          long[] predicted = model.forward(MemoryOps.gatherRows(x, Tensor.ofInts(rows))).argmax().toLongArray();
          for (int i = 0; i < rows.length; i++) if (predicted[i] == labels[from + i]) correct++;
        }
      }
    }
    return (double) correct / n;
  }
}
