package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Embedding (nn.Embedding: rows of weight by index, N(0, 1) init, padding_idx row zero and without
 * gradient) against direct lookups, with a gradient check, parity and error messages; max_norm against a
 * float64 reference of PyTorch's embedding_renorm_ (the looked-up rows whose p-norm exceeds max_norm scaled
 * by max_norm / (norm + 1e-7) in the weight, then looked up; the gradient the plain lookup's) on every device.
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

  // ---- max_norm / norm_type ----

  private static final int ROWS = 7, DIM = 3;

  /** Rows of assorted norms: row r is (r - 3, 0.5 r, -1.25), above 1.5 in every p-norm used, except row 3, far below. */
  private static double[] table() {
    double[] w = new double[ROWS * DIM];
    for (int r = 0; r < ROWS; r++) {
      w[r * DIM] = r - 3;
      w[r * DIM + 1] = 0.5 * r;
      w[r * DIM + 2] = -1.25;
    }
    w[3 * DIM] = 0.05;
    w[3 * DIM + 1] = -0.1;
    w[3 * DIM + 2] = 0.08;
    return w;
  }

  private static double pNorm(double[] w, int row, double p) {
    double acc = 0;
    for (int c = 0; c < DIM; c++) acc += Math.pow(Math.abs(w[row * DIM + c]), p);
    return Math.pow(acc, 1 / p);
  }

  /** The reference: the table after embedding_renorm_ of the looked-up rows. */
  private static double[] renormed(double[] w, long[] idx, double maxNorm, double p) {
    double[] out = w.clone();
    boolean[] seen = new boolean[ROWS];
    for (long i : idx) {
      int r = (int) i;
      if (seen[r]) continue;
      seen[r] = true;
      double norm = pNorm(w, r, p);
      if (norm > maxNorm) for (int c = 0; c < DIM; c++) out[r * DIM + c] = w[r * DIM + c] * (maxNorm / (norm + 1e-7));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void maxNormRenormalizesTheLookedUpRowsInPlace(TestDevice testDevice) {
    Device dev = testDevice.device();
    long[] idx = {5, 0, 5, 3, 1, 6, 5};  // row 2 (norm above max_norm) and row 4 are not looked up; 5 three times
    double maxNorm = 1.5;
    for (double p : new double[] {2.0, 1.0, 3.0, 0.5}) {
      try (Embedding emb = Embedding.builder(ROWS, DIM).maxNorm(maxNorm).normType(p).paddingIdx(6).build();
          TensorScope s = new TensorScope()) {
        emb.to(DType.FLOAT64);
        double[] w = table();
        emb.weight().write(w);
        emb.to(dev);
        double[] want = renormed(w, idx, maxNorm, p);
        assertTrue(pNorm(w, 2, p) > maxNorm && pNorm(w, 3, p) < maxNorm, "the table has rows on both sides of max_norm");
        Tensor y = emb.forward(Tensor.ofLongs(idx, 7).to(dev));
        String where = emb.describe() + " on " + dev;
        double[] after = LayerChecks.host(emb.weight());
        assertAllClose(want, after, 1e-14, 1e-14, where + ": weight after forward");
        for (int r = 0; r < ROWS; r++) {
          double n = pNorm(want, r, p);
          final int row = r;
          boolean lookedUp = java.util.Arrays.stream(idx).anyMatch(i -> i == row);
          assertTrue(!lookedUp || n <= maxNorm, where + ": row " + r + " norm " + n);
        }
        double[] rows = new double[idx.length * DIM];
        for (int i = 0; i < idx.length; i++) System.arraycopy(want, (int) idx[i] * DIM, rows, i * DIM, DIM);
        assertArrayEquals(new long[] {7, DIM}, y.shape());
        assertAllClose(rows, LayerChecks.host(y), 1e-14, 1e-14, where + ": output rows");
        // the gradient is the plain lookup's: g summed into each row looked up, none for the padding row 6
        double[] g = LayerChecks.values(9, idx.length * DIM);
        y.mul(Tensor.of(g, 7, DIM).to(dev)).sum().backward();
        double[] wantGrad = new double[ROWS * DIM];
        for (int i = 0; i < idx.length; i++) {
          if (idx[i] == 6) continue;
          for (int c = 0; c < DIM; c++) wantGrad[(int) idx[i] * DIM + c] += g[i * DIM + c];
        }
        assertAllClose(wantGrad, LayerChecks.host(emb.weight().grad()), 1e-14, 1e-14, where + ": weight gradient");
        // a second forward leaves the renormalized rows (now at most max_norm) as they are
        emb.forward(Tensor.ofLongs(idx, 7).to(dev));
        assertArrayEquals(after, LayerChecks.host(emb.weight()), where + ": weight after a second forward");
      }
    }
  }

  @Test
  void maxNormInFloat32AndUnderNoGrad() {
    long[] idx = {2, 4, 2};
    try (Embedding emb = Embedding.builder(ROWS, DIM).maxNorm(1.0).build(); TensorScope s = new TensorScope()) {
      double[] w = table();
      float[] wf = new float[w.length];
      for (int i = 0; i < w.length; i++) wf[i] = (float) w[i];
      emb.weight().write(wf);
      double[] start = LayerChecks.host(emb.weight());
      emb.eval();
      try (GradMode.Guard off = GradMode.disable()) {
        emb.forward(Tensor.ofInts(new int[] {2, 4, 2}, 3));
      }
      // eval and no-grad renormalize too, as PyTorch's
      assertAllClose(renormed(start, idx, 1.0, 2.0), LayerChecks.host(emb.weight()), 1e-6, 1e-6, "float32 weight");
    }
  }

  @Test
  void maxNormSettingsAndRefusals() {
    try (Embedding plain = new Embedding(5, 2); Embedding m = Embedding.builder(5, 2).paddingIdx(1).maxNorm(0.5).normType(3)
        .build()) {
      assertNull(plain.maxNorm());
      assertEquals(2.0, plain.normType());
      assertEquals("Embedding(5, 2)", plain.describe());
      assertEquals(0.5, m.maxNorm());
      assertEquals(3.0, m.normType());
      assertEquals(1, m.paddingIdx());
      assertEquals("Embedding(5, 2, padding_idx=1, max_norm=0.5, norm_type=3.0)", m.describe());
    }
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertMessage(() -> Embedding.builder(5, 2).maxNorm(bad).build(), "Embedding(5, 2, max_norm=" + bad
          + "): max_norm must be a finite number > 0, got " + bad, "leave it unset");
      assertMessage(() -> Embedding.builder(5, 2).maxNorm(1).normType(bad).build(), "Embedding(5, 2, max_norm=1.0, norm_type="
          + bad + "): norm_type must be a finite number > 0", "got " + bad, "2 (the default)");
    }
    assertMessage(() -> Embedding.builder(5, 2).generator(null), "Embedding: generator must not be null");
    try (Embedding emb = Embedding.builder(5, 2).maxNorm(1).build(); TensorScope s = new TensorScope()) {
      RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
          () -> emb.forward(Tensor.ofLongs(new long[] {1, 7}, 2)));
      org.jdnn.testing.OpTestSupport.assertMentions(e, "7");
      assertMessage(() -> emb.forward(Tensor.zeros(3)), "Embedding(5, 2, max_norm=1.0): expected int32 or int64 indices");
    }
  }
}
