package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;

/**
 * Attention.scaledDotProduct against the float64 reference of AttentionRef (PyTorch's
 * scaled_dot_product_attention: softmax(q k^T scale + mask) v; boolean masks true = attend; is_causal =
 * tril; fully masked rows give zeros), with gradient checks, cpu vs CUDA parity and error messages.
 */
class AttentionTest {
  // (2, 3) leading dimensions, L = 4 queries, S = 5 keys, E = 6, Ev = 3
  private static final int N = 2, H = 3, L = 4, S = 5, E = 6, EV = 3, B = N * H;

  private static boolean[] fromBytes(byte[] mask, boolean trueAttends) {
    // broadcast an (L, S) mask over the B batches
    boolean[] m = new boolean[B * L * S];
    for (int i = 0; i < m.length; i++) m[i] = (mask[i % (L * S)] != 0) != trueAttends;
    return m;
  }

  private static byte[] someMask() {
    byte[] m = new byte[L * S];
    for (int i = 0; i < m.length; i++) m[i] = (byte) ((i * 7 % 5) < 3 ? 1 : 0);
    for (int j = 0; j < S; j++) m[2 * S + j] = 0;  // query 2 attends to nothing
    return m;
  }

  @Test
  void unmaskedAttentionMatchesTheDefinitionWithTheDefaultScale() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, N, H, L, E), k = LayerChecks.input(2, N, H, S, E), v = LayerChecks.input(3, N, H, S, EV);
      Tensor y = Attention.scaledDotProduct(q, k, v);
      assertArrayEquals(new long[] {N, H, L, EV}, y.shape());
      double[][] want = AttentionRef.sdpa(q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), B, L, S, E, EV,
          1 / Math.sqrt(E), null, null);
      assertAllClose(want[0], y.toDoubleArray(), 1e-13, 1e-13, "attention, scale 1/sqrt(E)");
      Tensor y2 = Attention.scaledDotProduct(q, k, v, null, false, 0.25);
      double[][] want2 = AttentionRef.sdpa(q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), B, L, S, E, EV, 0.25,
          null, null);
      assertAllClose(want2[0], y2.toDoubleArray(), 1e-13, 1e-13, "attention, scale 0.25");
    }
  }

  @Test
  void booleanMasksAttendWhereTrueAndFullyMaskedRowsGiveZeros() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, N, H, L, E), k = LayerChecks.input(2, N, H, S, E), v = LayerChecks.input(3, N, H, S, EV);
      byte[] mb = someMask();
      Tensor mask = Tensor.ofBytes(mb, L, S);
      double[] y = Attention.scaledDotProduct(q, k, v, mask, false).toDoubleArray();
      double[][] want = AttentionRef.sdpa(q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), B, L, S, E, EV,
          1 / Math.sqrt(E), null, fromBytes(mb, true));
      assertAllClose(want[0], y, 1e-13, 1e-13, "boolean (L, S) mask");
      for (int b = 0; b < B; b++) for (int c = 0; c < EV; c++) assertEquals(0.0, Math.abs(y[(b * L + 2) * EV + c]), "fully masked row");
      for (double value : y) assertFalse(Double.isNaN(value));
    }
  }

  @Test
  void floatMasksAreAddedAndMinusInfinityMasks() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, N, H, L, E), k = LayerChecks.input(2, N, H, S, E), v = LayerChecks.input(3, N, H, S, EV);
      // (N, 1, L, S): broadcast over the heads; some entries -inf, one query row all -inf
      double[] add = LayerChecks.values(9, N * L * S);
      for (int i = 0; i < add.length; i += 4) add[i] = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < S; j++) add[(1 * L + 3) * S + j] = Double.NEGATIVE_INFINITY;
      Tensor mask = Tensor.of(add, N, 1, L, S);
      double[] full = new double[B * L * S];
      for (int b = 0; b < B; b++) System.arraycopy(add, (b / H) * L * S, full, b * L * S, L * S);
      double[][] want = AttentionRef.sdpa(q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), B, L, S, E, EV,
          1 / Math.sqrt(E), full, null);
      assertAllClose(want[0], Attention.scaledDotProduct(q, k, v, mask, false).toDoubleArray(), 1e-13, 1e-13,
          "float (N, 1, L, S) mask");
    }
  }

  @Test
  void causalMasksLaterKeys() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, B, L, E), k = LayerChecks.input(2, B, S, E), v = LayerChecks.input(3, B, S, EV);
      boolean[] masked = new boolean[B * L * S];
      for (int b = 0; b < B; b++) for (int i = 0; i < L; i++) for (int j = i + 1; j < S; j++) masked[(b * L + i) * S + j] = true;
      double[][] want = AttentionRef.sdpa(q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), B, L, S, E, EV,
          1 / Math.sqrt(E), null, masked);
      assertAllClose(want[0], Attention.scaledDotProduct(q, k, v, null, true).toDoubleArray(), 1e-13, 1e-13, "is_causal");
    }
  }

  @Test
  void gradientsReachQueryKeyValueAndAFloatMask() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, 2, 3, 4), k = LayerChecks.input(2, 2, 5, 4), v = LayerChecks.input(3, 2, 5, 2);
      Tensor bias = LayerChecks.input(4, 3, 5);
      GradCheck.check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], in[3], false), q, k, v, bias)
          .assertWithin(1e-7, 1e-6);
      byte[] mb = new byte[15];
      for (int i = 0; i < mb.length; i++) mb[i] = (byte) (i % 3 == 0 || i >= 10 ? 0 : 1);  // query 2 fully masked
      Tensor mask = Tensor.ofBytes(mb, 3, 5);
      GradCheck.check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], mask, false), q, k, v).assertWithin(1e-7, 1e-6);
      GradCheck.check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], null, true), q, k, v).assertWithin(1e-7, 1e-6);
      // the fully masked query gets a zero gradient, not NaN
      Tensor q2 = LayerChecks.input(1, 2, 3, 4).requiresGrad(true);
      Attention.scaledDotProduct(q2, k, v, mask, false).sum().backward();
      double[] gq = q2.grad().toDoubleArray();
      for (int b = 0; b < 2; b++) for (int c = 0; c < 4; c++) assertEquals(0.0, Math.abs(gq[(b * 3 + 2) * 4 + c]));
    }
  }

  @Test
  void matchesOnCudaDevices() {
    for (Device dev : TestDevice.usableAccelerators()) {
      try (TensorScope s = new TensorScope()) {
        Tensor[] cpu = {LayerChecks.input(1, N, H, L, E), LayerChecks.input(2, N, H, S, E), LayerChecks.input(3, N, H, S, EV)};
        byte[] mb = someMask();
        for (boolean causal : new boolean[] {false, true}) {
          Tensor[] c32 = new Tensor[3], d32 = new Tensor[3];
          for (int i = 0; i < 3; i++) {
            c32[i] = cpu[i].to(DType.FLOAT32).requiresGrad(true);
            d32[i] = cpu[i].to(DType.FLOAT32).to(dev).requiresGrad(true);
          }
          Tensor cm = causal ? null : Tensor.ofBytes(mb, L, S), dm = causal ? null : cm.to(dev);
          Tensor yc = Attention.scaledDotProduct(c32[0], c32[1], c32[2], cm, causal);
          Tensor yd = Attention.scaledDotProduct(d32[0], d32[1], d32[2], dm, causal);
          Tensor wc = LayerChecks.input(5, yc.shape()).to(DType.FLOAT32);
          yc.mul(wc).sum().backward();
          yd.mul(wc.to(dev)).sum().backward();
          double tol = dev == Device.cudaEmulated() ? 2e-5 : 1e-4;
          assertAllClose(LayerChecks.host(yc), LayerChecks.host(yd), tol, tol, "attention on " + dev);
          for (int i = 0; i < 3; i++) {
            assertAllClose(LayerChecks.host(c32[i].grad()), LayerChecks.host(d32[i].grad()), tol, tol, "gradient " + i + " on " + dev);
          }
        }
      }
    }
  }

  @Test
  void refusesOperandsAndMasksThatDoNotFit() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = Tensor.zeros(2, 4, 6), k = Tensor.zeros(2, 5, 6), v = Tensor.zeros(2, 5, 3);
      String op = "scaled_dot_product_attention: ";
      assertMessage(() -> Attention.scaledDotProduct(q, Tensor.zeros(2, 5, 7), v), op + "key's last dimension must be query's E = 6",
          "[2, 5, 7]");
      assertMessage(() -> Attention.scaledDotProduct(q, k, Tensor.zeros(2, 4, 3)), op + "value must have key's S = 5 rows",
          "[2, 4, 3]");
      assertMessage(() -> Attention.scaledDotProduct(q, Tensor.zeros(3, 5, 6), Tensor.zeros(3, 5, 3)), op
          + "query, key and value must have the same leading dimensions", "[3, 5, 6]");
      assertMessage(() -> Attention.scaledDotProduct(q, k, v, Tensor.ofBytes(new byte[12], 3, 4), false), op
          + "attn_mask", "[3, 4]", "does not broadcast to [2, 4, 5]");
      assertMessage(() -> Attention.scaledDotProduct(q, k, v, Tensor.ofBytes(new byte[20], 4, 5), true), op
          + "an explicit attn_mask cannot be combined with is_causal=true");
      assertMessage(() -> Attention.scaledDotProduct(q, k, v, Tensor.zeros(DType.FLOAT64, 4, 5), false), op
          + "attn_mask must be uint8 (a boolean mask) or float32", "float64");
      assertMessage(() -> Attention.scaledDotProduct(q, k.to(DType.FLOAT64), v), op + "query, key and value must share a dtype");
      assertMessage(() -> Attention.scaledDotProduct(Tensor.zeros(6), Tensor.zeros(6), Tensor.zeros(6)), op
          + "expected query (*, L, E)");
    }
  }

  @Test
  void moreDimensionsThanTheFusedOpsStridesGiveTheSameAttention() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, 2, 4, 6), k = LayerChecks.input(2, 2, 5, 6), v = LayerChecks.input(3, 2, 5, 3);
      Tensor mask = Tensor.ofBytes(new byte[] {1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 4, 5);
      Tensor[] masks = {null, null, mask};
      for (int c = 0; c < 3; c++) {
        boolean causal = c == 1;
        double[] want = Attention.scaledDotProduct(q, k, v, masks[c], causal).toDoubleArray();
        Tensor y = Attention.scaledDotProduct(q.reshape(1, 1, 1, 1, 1, 1, 2, 4, 6), k.reshape(1, 1, 1, 1, 1, 1, 2, 5, 6),
            v.reshape(1, 1, 1, 1, 1, 1, 2, 5, 3), masks[c], causal);
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 2, 4, 3}, y.shape());
        assertAllClose(want, y.toDoubleArray(), 0, 0, "rank 9, " + (c == 0 ? "no mask" : c == 1 ? "causal" : "a boolean mask"));
      }
    }
  }

  @Test
  void unusedForwardTemporariesAreFreedWithoutGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor q = LayerChecks.input(1, 2, 4, 6), k = LayerChecks.input(2, 2, 5, 6), v = LayerChecks.input(3, 2, 5, 3);
      Tensor mask = Tensor.ofBytes(someMask(), L, S);
      int before = s.size();
      try (org.jdnn.tensor.GradMode.Guard g = org.jdnn.tensor.GradMode.disable()) {
        Attention.scaledDotProduct(q, k, v, mask, false);
      }
      assertEquals(before + 1, s.size(), "only the output stays in the caller's scope");
      List.of(q, k, v).forEach(t -> assertFalse(t.isClosed()));
    }
  }
}
