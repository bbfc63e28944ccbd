package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import org.jdnn.nn.Linear;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Matrix products and Linear beyond the op database's rows (LinalgRows: forward against naive loops,
 * gradients and refusals for every transpose, with and without bias): exact small products, empty
 * dimensions, determinism, stale memory, exact gradients, and nn.Linear.
 */
@EveryDevice
class LinalgOpsTest {

  // ---- helpers ---------------------------------------------------------------------------------

  /** Relative tolerance per unit of sum |a_ip b_pj| (the natural scale of a dot product's rounding). */
  static double rel(DType dt) {
    return dt == DType.FLOAT64 ? 1e-13 : 1e-5;
  }

  /**
   * Naive C = op(A) op(B) in double, plus the magnitude sum_p |op(A)_ip op(B)_pj| of each entry.
   * A is stored (m, k), or (k, m) when transposed; B is (k, n), or (n, k) when transposed.
   */
  static double[][] matmulRef(double[] a, double[] b, int m, int k, int n, boolean ta, boolean tb) {
    double[] c = new double[m * n], mag = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0, sa = 0;
        for (int p = 0; p < k; p++) {
          double av = ta ? a[p * m + i] : a[i * k + p];
          double bv = tb ? b[j * k + p] : b[p * n + j];
          s += av * bv;
          sa += Math.abs(av * bv);
        }
        c[i * n + j] = s;
        mag[i * n + j] = sa;
      }
    }
    return new double[][] {c, mag};
  }

  static void assertMatrixClose(double[][] ref, double[] actual, double rel, String what) {
    double[] c = ref[0], mag = ref[1];
    assertEquals(c.length, actual.length, what + ": element count");
    for (int i = 0; i < c.length; i++) {
      double tol = rel * mag[i] + 1e-300;
      if (!(Math.abs(actual[i] - c[i]) <= tol)) {
        fail(what + ": element " + i + " expected " + c[i] + " but was " + actual[i] + " (tolerance " + tol + ")");
      }
    }
  }

  // ---- matmul ------------------------------------------------------------------------------------

  @Test
  void matmulOfSmallIntegersIsExact() {
    // [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = make(new double[] {1, 2, 3, 4, 5, 6}, dt, 2, 3);
        Tensor b = make(new double[] {7, 8, 9, 10, 11, 12}, dt, 3, 2);
        assertArrayEquals(new double[] {58, 64, 139, 154}, values(a.matmul(b)), 0.0);
        // A^T A (3x3) and A A^T (2x2) from the same storage
        assertArrayEquals(new double[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, values(a.matmul(a, true, false)), 0.0);
        assertArrayEquals(new double[] {14, 32, 32, 77}, values(a.matmul(a, false, true)), 0.0);
        // (B^T A^T) = (A B)^T
        assertArrayEquals(new double[] {58, 139, 64, 154}, values(b.matmul(a, true, true)), 0.0);
      }
    }
  }

  @Test
  void emptyInnerDimensionGivesZeros() {
    // PyTorch: (m, 0) @ (0, n) is an (m, n) matrix of zeros (an empty sum), and linear adds the bias.
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor c = Tensor.zeros(dt, 3, 0).matmul(Tensor.zeros(dt, 0, 4));
        assertArrayEquals(new long[] {3, 4}, c.shape());
        assertArrayEquals(new double[12], values(c), 0.0, "matmul with k = 0 " + dt);
        Tensor y = Linalg.linear(Tensor.zeros(dt, 2, 0), Tensor.zeros(dt, 3, 0), make(new double[] {1, 2, 3}, dt, 3), "test");
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3}, values(y), 0.0, "linear with 0 input features " + dt);
      }
    }
  }

  @Test
  void emptyOuterDimensionsGiveEmptyResults() {
    try (TensorScope s = new TensorScope()) {
      assertArrayEquals(new long[] {0, 2}, Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 2)).shape());
      assertArrayEquals(new long[] {3, 0}, Tensor.zeros(3, 2).matmul(Tensor.zeros(2, 0)).shape());
      assertArrayEquals(new long[] {0, 4}, Linalg.linear(Tensor.zeros(0, 3), Tensor.zeros(4, 3), Tensor.zeros(4), "t").shape());
    }
  }

  @Test
  void repeatedMatmulIsDeterministic() {
    Random r = new Random(3);
    try (TensorScope s = new TensorScope()) {
      Tensor a = make(uniform(r, 129 * 65, -1, 1), DType.FLOAT32, 129, 65);
      Tensor b = make(uniform(r, 65 * 33, -1, 1), DType.FLOAT32, 65, 33);
      float[] first = a.matmul(b).toFloatArray();
      for (int i = 0; i < 3; i++) assertArrayEquals(first, a.matmul(b).toFloatArray(), 0f);
    }
  }

  @Test
  void matmulGradientOnlyForOperandsThatRequireIt() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {1, 0, 0, 1, 1, 1}, 3, 2);
      a.matmul(b).sum().backward();
      // d/dA sum(A B) = ones(2,2) B^T: each row is the row sums of B
      assertArrayEquals(new double[] {1, 1, 2, 1, 1, 2}, a.grad().toDoubleArray(), 0.0);
      assertNull(b.grad());
    }
  }

  // ---- linear --------------------------------------------------------------------------------------

  /** Reference y = x W^T + b in double, with magnitudes for the tolerance. */
  static double[][] linearRef(double[] x, double[] w, double[] b, int n, int in, int out) {
    double[][] ref = matmulRef(x, w, n, in, out, false, true);
    if (b != null) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < out; j++) {
          ref[0][i * out + j] += b[j];
          ref[1][i * out + j] += Math.abs(b[j]);
        }
      }
    }
    return ref;
  }

  @Test
  void linearOutputDoesNotReuseStaleMemoryWithoutBias() {
    // Without a bias the GEMM must overwrite (beta = 0), whatever the fresh output buffer held.
    Random r = new Random(4);
    try (TensorScope s = new TensorScope()) {
      double[] x = uniform(r, 12, -1, 1), w = uniform(r, 6, -1, 1);
      Tensor xt = Tensor.of(x, 6, 2), wt = Tensor.of(w, 3, 2);
      for (int i = 0; i < 5; i++) {
        Tensor garbage = Tensor.full(1e30, DType.FLOAT64, 6, 3);
        garbage.close(); // freed memory that the next allocation may reuse
        Tensor y = Linalg.linear(xt, wt, null, "test");
        assertMatrixClose(linearRef(x, w, null, 6, 2, 3), y.toDoubleArray(), 1e-13, "no-bias linear, round " + i);
      }
    }
  }

  @Test
  void linearBiasGradientIsColumnSum() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2).requiresGrad(true);
      Tensor w = Tensor.of(new double[] {1, -1}, 1, 2).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {0.5}).requiresGrad(true);
      Linalg.linear(x, w, b, "test").sum().backward();
      assertArrayEquals(new double[] {3}, b.grad().toDoubleArray(), 0.0);
      assertArrayEquals(new double[] {9, 12}, w.grad().toDoubleArray(), 0.0); // column sums of x
      assertArrayEquals(new double[] {1, -1, 1, -1, 1, -1}, x.grad().toDoubleArray(), 0.0);
    }
  }

  // ---- nn.Linear ---------------------------------------------------------------------------------

  @Test
  void nnLinearForwardMatchesReference() {
    Random r = new Random(21);
    for (int[] sz : new int[][] {{1, 1, 1}, {5, 7, 3}, {129, 33, 17}}) {
      int n = sz[0], in = sz[1], out = sz[2];
      for (boolean bias : new boolean[] {true, false}) {
        try (TensorScope s = new TensorScope(); Linear lin = new Linear(in, out, bias, new Generator(99))) {
          assertEquals(in, lin.inFeatures());
          assertEquals(out, lin.outFeatures());
          assertArrayEquals(new long[] {out, in}, lin.weight().shape());
          assertEquals(bias ? (long) out * in + out : (long) out * in, lin.parameterCount());
          double[] w = values(lin.weight());
          double[] b = bias ? values(lin.bias()) : null;
          if (!bias) assertNull(lin.bias());
          double bound = 1.0 / Math.sqrt(in);
          for (double v : w) assertTrue(v >= -bound && v <= bound, "weight " + v + " outside +-" + bound);
          if (bias) for (double v : b) assertTrue(v >= -bound && v <= bound, "bias " + v + " outside +-" + bound);
          double[] x = representable(uniform(r, n * in, -2, 2), DType.FLOAT32);
          Tensor y = lin.forward(make(x, DType.FLOAT32, n, in));
          assertArrayEquals(new long[] {n, out}, y.shape());
          assertMatrixClose(linearRef(x, w, b, n, in, out), values(y), rel(DType.FLOAT32), lin.describe());
        }
      }
    }
  }

  @Test
  void nnLinearFloat64ForwardAndGradients() {
    Random r = new Random(22);
    for (boolean bias : new boolean[] {true, false}) {
      try (TensorScope s = new TensorScope(); Linear lin = new Linear(4, 3, bias, new Generator(5))) {
        lin.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, lin.weight().dtype());
        double[] x = uniform(r, 8, -1, 1);
        double[] w = lin.weight().toDoubleArray();
        double[] b = bias ? lin.bias().toDoubleArray() : null;
        Tensor xt = Tensor.of(x, 2, 4);
        assertMatrixClose(linearRef(x, w, b, 2, 4, 3), lin.forward(xt).toDoubleArray(), 1e-13, lin.describe());
        List<Tensor> params = lin.parameters();
        assertEquals(bias ? 2 : 1, params.size());
        GradCheck.Result res = GradCheck.check(in -> lin.forward(in[0]), params, 1e-6, xt);
        assertTrue(res.within(1e-6, 1e-5), lin.describe() + ": " + res);
        assertEquals(8 + 12 + (bias ? 3 : 0), res.elementsChecked);
      }
    }
  }

  @Test
  void nnLinearAccumulatesParameterGradients() {
    try (TensorScope s = new TensorScope(); Linear lin = new Linear(2, 1, true, new Generator(1))) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      lin.forward(x).sum().backward();
      assertArrayEquals(new float[] {4, 6}, lin.weight().grad().toFloatArray(), 0f);
      assertArrayEquals(new float[] {2}, lin.bias().grad().toFloatArray(), 0f);
      lin.forward(x).sum().backward(); // accumulates until zeroed
      assertArrayEquals(new float[] {8, 12}, lin.weight().grad().toFloatArray(), 0f);
      lin.zeroGrad();
      assertArrayEquals(new float[] {0, 0}, lin.weight().grad().toFloatArray(), 0f);
    }
  }

  @Test
  void nnLinearRejectsBadInput() {
    try (TensorScope s = new TensorScope(); Linear lin = new Linear(3, 2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(4, 5)));
      assertTrue(e.getMessage().contains("Linear(3 -> 2)") && e.getMessage().contains("[4, 5]"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(3)));
      assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(DType.FLOAT64, 4, 3)));
      assertThrows(IllegalArgumentException.class, () -> new Linear(0, 2));
    }
  }
}
