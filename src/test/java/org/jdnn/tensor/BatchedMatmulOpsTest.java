package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertNativeError;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batched matrix product beyond the op database's rows (LinalgRows: Tensor.bmm forward, gradients
 * and refusals for every transpose and edge size): the native op_bmm with transposes and
 * alpha/beta, exact small batches, gradients against per-entry matmul, the native checks.
 */
@EveryDevice
class BatchedMatmulOpsTest {

  static double rel(DType dt) {
    return dt == DType.FLOAT64 ? 1e-13 : 1e-5;
  }

  /**
   * c[i] = alpha op(a[i]) op(b[i]) + beta c[i] in double, and sum |alpha op(a)op(b)| + |beta c| per
   * element as the tolerance scale. a[i] is (m, k), or (k, m) when ta; b[i] is (k, n), or (n, k) when tb.
   */
  static double[][] reference(double[] a, double[] b, double[] c, int batch, int m, int k, int n, boolean ta,
      boolean tb, double alpha, double beta) {
    double[] out = new double[batch * m * n], mag = new double[batch * m * n];
    for (int bi = 0; bi < batch; bi++) {
      int oa = bi * m * k, ob = bi * k * n, oc = bi * m * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0, sa = 0;
          for (int p = 0; p < k; p++) {
            double av = ta ? a[oa + p * m + i] : a[oa + i * k + p];
            double bv = tb ? b[ob + j * k + p] : b[ob + p * n + j];
            s += av * bv;
            sa += Math.abs(av * bv);
          }
          double cv = beta == 0 ? 0 : beta * c[oc + i * n + j];
          out[oc + i * n + j] = alpha * s + cv;
          mag[oc + i * n + j] = Math.abs(alpha) * sa + Math.abs(cv);
        }
      }
    }
    return new double[][] {out, mag};
  }

  static void assertClose(double[][] ref, double[] actual, double rel, String what) {
    assertEquals(ref[0].length, actual.length, what + ": element count");
    for (int i = 0; i < actual.length; i++) {
      double tol = rel * ref[1][i] + 1e-300;
      if (!(Math.abs(actual[i] - ref[0][i]) <= tol)) {
        fail(what + ": element " + i + " expected " + ref[0][i] + " but was " + actual[i] + " (tolerance " + tol + ")");
      }
    }
  }

  static long[] shapeA(int batch, int m, int k, boolean ta) {
    return ta ? new long[] {batch, k, m} : new long[] {batch, m, k};
  }

  static long[] shapeB(int batch, int k, int n, boolean tb) {
    return tb ? new long[] {batch, n, k} : new long[] {batch, k, n};
  }

  // (batch, m, k, n): batch 1, 1x1 matrices, odd sizes, many small products (spread over threads),
  // few large ones (each GEMM threaded when the batch is smaller than the pool), empty inner size
  static final int[][] SIZES = {
      {1, 1, 1, 1}, {1, 5, 3, 7}, {3, 1, 1, 1}, {2, 1, 6, 1}, {4, 7, 13, 5}, {5, 17, 9, 1}, {37, 6, 5, 4},
      {64, 3, 8, 3}, {2, 65, 129, 33}, {3, 130, 70, 90}, {2, 130, 129, 131}, {3, 4, 0, 5}};

  static Stream<Arguments> nativeCases() {
    double[][] alphaBeta = {{1, 0}, {-0.5, 0.75}, {2, 1}};
    Stream.Builder<Arguments> b = Stream.builder();
    for (int[] s : SIZES) {
      for (int t = 0; t < 4; t++) {
        for (double[] ab : alphaBeta) b.add(Arguments.of(s[0], s[1], s[2], s[3], (t & 1) != 0, (t & 2) != 0, ab[0], ab[1]));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "batch {0}: {1}x{2}x{3}, transA={4}, transB={5}, alpha={6}, beta={7}")
  @MethodSource("nativeCases")
  void nativeOpTransposesAndScales(int batch, int m, int k, int n, boolean ta, boolean tb, double alpha, double beta) {
    Random r = new Random(batch * 7919L + m * 131L + k * 17L + n + (ta ? 3 : 0) + (tb ? 5 : 0));
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] a = representable(uniform(r, batch * m * k, -1, 1), dt);
        double[] b = representable(uniform(r, batch * k * n, -1, 1), dt);
        double[] c = representable(uniform(r, batch * m * n, -1, 1), dt);
        Tensor ct = make(c, dt, batch, m, n);
        NativeCalls.check(JdnnNative.op_bmm(make(a, dt, shapeA(batch, m, k, ta)).h(), make(b, dt, shapeB(batch, k, n, tb)).h(), ct.h(),
            ta, tb, alpha, beta));
        String what = "op_bmm " + batch + "x" + m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb + " alpha=" + alpha
            + " beta=" + beta + " " + dt;
        assertClose(reference(a, b, c, batch, m, k, n, ta, tb, alpha, beta), values(ct), rel(dt), what);
      }
    }
  }

  @Test
  void smallIntegerBatchIsExactAndEntriesDoNotMix() {
    // Entry 0 is [[1,2],[3,4]] x I, entry 1 is [[1,0],[0,2]] x [[5,6],[7,8]].
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = make(new double[] {1, 2, 3, 4, 1, 0, 0, 2}, dt, 2, 2, 2);
        Tensor b = make(new double[] {1, 0, 0, 1, 5, 6, 7, 8}, dt, 2, 2, 2);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 14, 16}, values(a.bmm(b)), 0.0, dt.toString());
      }
    }
  }

  @Test
  void betaZeroIgnoresNanInTheOutput() {
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor a = make(new double[] {1, 2, 3, 4}, dt, 2, 1, 2);
        Tensor b = make(new double[] {1, 1, 2, -1}, dt, 2, 2, 1);
        Tensor c = Tensor.full(Double.NaN, dt, 2, 1, 1);
        NativeCalls.check(JdnnNative.op_bmm(a.h(), b.h(), c.h(), false, false, 2, 0));
        assertArrayEquals(new double[] {6, 4}, values(c), 0.0, dt + " beta=0 over NaN");
      }
    }
  }

  @Test
  void gradientsAgreeWithPerEntryMatmul() {
    Random r = new Random(31);
    int batch = 3, m = 4, k = 3, n = 5;
    try (TensorScope s = new TensorScope()) {
      double[] av = uniform(r, batch * m * k, -1, 1), bv = uniform(r, batch * k * n, -1, 1);
      double[] gv = uniform(r, batch * m * n, -1, 1);
      Tensor a = Tensor.of(av, batch, m, k).requiresGrad(true);
      Tensor b = Tensor.of(bv, batch, k, n).requiresGrad(true);
      a.bmm(b).backward(Tensor.of(gv, batch, m, n));
      double[] da = a.grad().toDoubleArray(), db = b.grad().toDoubleArray();
      for (int i = 0; i < batch; i++) {
        Tensor ai = Tensor.of(Arrays.copyOfRange(av, i * m * k, (i + 1) * m * k), m, k).requiresGrad(true);
        Tensor bi = Tensor.of(Arrays.copyOfRange(bv, i * k * n, (i + 1) * k * n), k, n).requiresGrad(true);
        ai.matmul(bi).backward(Tensor.of(Arrays.copyOfRange(gv, i * m * n, (i + 1) * m * n), m, n));
        assertArrayEquals(ai.grad().toDoubleArray(), Arrays.copyOfRange(da, i * m * k, (i + 1) * m * k), 1e-14,
            "dA entry " + i);
        assertArrayEquals(bi.grad().toDoubleArray(), Arrays.copyOfRange(db, i * k * n, (i + 1) * k * n), 1e-14,
            "dB entry " + i);
      }
    }
  }

  @Test
  void gradientOnlyForOperandsThatRequireIt() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 1, 2).requiresGrad(true);
      Tensor b = Tensor.of(new double[] {1, 0, 2, 3}, 2, 2, 1);
      a.bmm(b).sum().backward();
      // d/dA[i] sum(A[i] B[i]) = ones B[i]^T
      assertArrayEquals(new double[] {1, 0, 2, 3}, a.grad().toDoubleArray(), 0.0);
      assertNull(b.grad());
    }
  }

  @Test
  void nativeOpRejectsBadOutputs() {
    // Past the Java checks, the native facade validates too (errors arrive as RuntimeExceptions).
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(2, 3, 4), b = Tensor.zeros(2, 4, 5);
      assertNativeError(() -> NativeCalls.check(JdnnNative.op_bmm(a.h(), b.h(), Tensor.zeros(2, 3, 6).h(), false, false, 1, 0)),
          "bmm", "[2, 3, 5]");
      assertNativeError(() -> NativeCalls.check(JdnnNative.op_bmm(a.h(), b.h(), Tensor.zeros(3, 3, 5).h(), false, false, 1, 0)),
          "bmm", "batch sizes differ");
      assertNativeError(() -> NativeCalls.check(JdnnNative.op_bmm(a.h(), b.h(), Tensor.zeros(DType.FLOAT64, 2, 3, 5).h(), false, false,
          1, 0)), "bmm", "float64");
      assertNativeError(() -> NativeCalls.check(JdnnNative.op_bmm(a.h(), Tensor.zeros(2, 5, 4).h(), Tensor.zeros(2, 3, 5).h(), false,
          false, 1, 0)), "bmm", "inner dimensions differ");
      assertNativeError(() -> NativeCalls.check(JdnnNative.op_bmm(a.h(), b.h(), Tensor.zeros(6, 5).h(), false, false, 1, 0)),
          "bmm", "3-D");
    }
  }
}
