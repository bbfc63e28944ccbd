package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;

/**
 * Embedding (nn.Embedding: rows of weight by index, N(0, 1) init, padding_idx row zero and without
 * gradient) against direct lookups, with a gradient check, parity and error messages.
 */
class EmbeddingTest {
  @Test
  void embeddingLooksUpRowsForIndicesOfAnyShape() {
    try (Embedding emb = new Embedding(7, 3); TensorScope s = new TensorScope()) {
      double[] w = LayerChecks.host(emb.weight());
      long[] idx = {6, 0, 2, 2, 5, 1};
      Tensor y = emb.forward(Tensor.ofLongs(idx, 2, 3));
      assertArrayEquals(new long[] {2, 3, 3}, y.shape());
      double[] yv = LayerChecks.host(y);
      for (int i = 0; i < idx.length; i++) for (int c = 0; c < 3; c++) assertEquals(w[(int) idx[i] * 3 + c], yv[i * 3 + c]);
      Tensor y32 = emb.forward(Tensor.ofInts(new int[] {4}, 1));
      assertArrayEquals(new long[] {1, 3}, y32.shape());
      // N(0, 1) initialization: a large table's moments
      try (Embedding big = new Embedding(1000, 100)) {
        double sum = 0, sq = 0;
        for (double v : LayerChecks.host(big.weight())) {
          sum += v;
          sq += v * v;
        }
        assertEquals(0, sum / 1e5, 0.02);
        assertEquals(1, sq / 1e5, 0.02);
      }
    }
  }

  @Test
  void thePaddingRowStartsAtZeroAndGetsNoGradient() {
    try (Embedding emb = new Embedding(5, 2, -1); TensorScope s = new TensorScope()) {
      assertEquals(4, emb.paddingIdx());
      assertArrayEquals(new float[] {0, 0}, java.util.Arrays.copyOfRange(emb.weight().toFloatArray(), 8, 10));
      emb.weight().write(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});  // a padding row that is not zero is still read
      Tensor y = emb.forward(Tensor.ofLongs(new long[] {4, 1, 4, 1, 0}, 5));
      assertArrayEquals(new float[] {9, 10, 3, 4, 9, 10, 3, 4, 1, 2}, y.toFloatArray());
      y.mul(Tensor.of(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 2, 3}, 5, 2)).sum().backward();
      // row 1 twice (gradients add), row 0 once with weights (2, 3), the padding row 4 nothing
      assertArrayEquals(new float[] {2, 3, 2, 2, 0, 0, 0, 0, 0, 0}, emb.weight().grad().toFloatArray());
    }
  }

  @Test
  void embeddingGradientCheckAndParity() {
    // the padding row (4) is left out of the indices: reading it while its gradient is dropped is the layer's
    // contract, which a finite difference would flag; the where() path still runs
    try (Embedding emb = new Embedding(6, 3, 4); TensorScope s = new TensorScope()) {
      emb.to(DType.FLOAT64);
      Tensor idx = Tensor.ofLongs(new long[] {0, 2, 5, 5, 1, 2}, 3, 2);
      GradCheck.check(in -> emb.forward(idx), emb.parameters(), 1e-6).assertWithin(1e-8, 1e-7);
    }
    for (Device dev : TestDevice.usableAccelerators()) {
      try (Embedding cpu = new Embedding(9, 4, 3); Embedding other = new Embedding(9, 4, 3); TensorScope s = new TensorScope()) {
        other.weight().copyFrom(cpu.weight());
        other.to(dev);
        long[] idx = {3, 8, 0, 3, 3, 7, 1};
        Tensor g = LayerChecks.input(2, 7, 4).to(DType.FLOAT32);
        cpu.forward(Tensor.ofLongs(idx, 7)).mul(g).sum().backward();
        Tensor yd = other.forward(Tensor.ofLongs(idx, 7).to(dev));
        assertAllClose(LayerChecks.host(cpu.forward(Tensor.ofLongs(idx, 7))), LayerChecks.host(yd), 0, 0, "rows on " + dev);
        yd.mul(g.to(dev)).sum().backward();
        assertAllClose(LayerChecks.host(cpu.weight().grad()), LayerChecks.host(other.weight().grad()), 1e-6, 1e-6,
            "weight gradient on " + dev);
      }
    }
  }

  @Test
  void embeddingRefusesBadSettingsAndIndices() {
    assertMessage(() -> new Embedding(5, 2, 5), "Embedding(5, 2, padding_idx=5): padding_idx must be within num_embeddings",
        "[-5, 5)", "5");
    assertMessage(() -> new Embedding(0, 2), "Embedding(0, 2): num_embeddings and embedding_dim must be positive");
    try (Embedding emb = new Embedding(5, 2); TensorScope s = new TensorScope()) {
      assertMessage(() -> emb.forward(Tensor.zeros(3)), "Embedding(5, 2): expected int32 or int64 indices", "float32",
          ".to(DType.INT64)");
      RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
          () -> emb.forward(Tensor.ofLongs(new long[] {1, 5}, 2)));
      org.jdnn.testing.OpTestSupport.assertMentions(e, "5");
    }
  }
}
