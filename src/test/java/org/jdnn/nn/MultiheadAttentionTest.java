package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * MultiheadAttention against AttentionRef.mha, a float64 reference written from nn.MultiheadAttention's
 * definition (stacked in-projection, heads of E / H features, scale 1 / sqrt(E / H), out-projection; masks
 * true = masked; weights averaged over heads), in both layouts, with masks, gradient checks, parity,
 * PyTorch's initialization and error messages.
 */
class MultiheadAttentionTest {
  private static final int N = 2, L = 3, S = 4, E = 6, H = 2;

  private static double[] p(MultiheadAttention m, String name) {
    Tensor t = m.namedParameters().get(name);
    return t == null ? null : LayerChecks.host(t);
  }

  private static double[][] ref(MultiheadAttention m, double[] q, double[] k, double[] v, int l, int s, double[] add,
      boolean[] masked) {
    return AttentionRef.mha(q, k, v, N, l, s, E, H, p(m, "in_proj_weight"), p(m, "in_proj_bias"), p(m, "out_proj.weight"),
        p(m, "out_proj.bias"), add, masked);
  }

  @Test
  void selfAttentionBatchFirstMatchesTheDefinition() {
    try (MultiheadAttention m = new MultiheadAttention(E, H, 0.0, true, true); TensorScope s = new TensorScope()) {
      m.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(m, 3);
      Tensor x = LayerChecks.input(1, N, L, E);
      Tensor y = m.forward(x);
      assertArrayEquals(new long[] {N, L, E}, y.shape());
      double[] xv = x.toDoubleArray();
      assertAllClose(ref(m, xv, xv, xv, L, L, null, null)[0], y.toDoubleArray(), 1e-12, 1e-12, "self-attention");
    }
  }

  @Test
  void sequenceFirstCrossAttentionWithMasksAndWeights() {
    try (MultiheadAttention m = new MultiheadAttention(E, H); TensorScope s = new TensorScope()) {
      m.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(m, 4);
      m.eval();
      // batch-first values, given to the layer sequence first
      double[] q = LayerChecks.values(1, N * L * E), k = LayerChecks.values(2, N * S * E), v = LayerChecks.values(3, N * S * E);
      Tensor qt = Tensor.of(AttentionRef.swap01(q, N, L, E), L, N, E);
      Tensor kt = Tensor.of(AttentionRef.swap01(k, N, S, E), S, N, E);
      Tensor vt = Tensor.of(AttentionRef.swap01(v, N, S, E), S, N, E);
      byte[] padding = {0, 0, 1, 0, 0, 1, 1, 1};  // (N, S): sample 1 keeps only key 0
      double[] attn = LayerChecks.values(5, L * S);  // float (L, S), added
      boolean[] masked = new boolean[N * H * L * S];
      double[] add = new double[N * H * L * S];
      for (int b = 0; b < N; b++) {
        for (int h = 0; h < H; h++) {
          for (int i = 0; i < L; i++) {
            for (int j = 0; j < S; j++) {
              int at = ((b * H + h) * L + i) * S + j;
              masked[at] = padding[b * S + j] != 0;
              add[at] = attn[i * S + j];
            }
          }
        }
      }
      MultiheadAttention.Output out = m.forward(qt, kt, vt, Tensor.ofBytes(padding, N, S), Tensor.of(attn, L, S), true, true);
      double[][] want = ref(m, q, k, v, L, S, add, masked);
      assertArrayEquals(new long[] {L, N, E}, out.output().shape());
      assertAllClose(AttentionRef.swap01(want[0], N, L, E), out.output().toDoubleArray(), 1e-12, 1e-12, "output");
      double[] avg = new double[N * L * S];
      for (int b = 0; b < N; b++) {
        for (int i = 0; i < L * S; i++) {
          for (int h = 0; h < H; h++) avg[b * L * S + i] += want[1][(b * H + h) * L * S + i] / H;
        }
      }
      assertArrayEquals(new long[] {N, L, S}, out.weights().shape());
      assertAllClose(avg, out.weights().toDoubleArray(), 1e-12, 1e-12, "head-averaged weights");
      MultiheadAttention.Output perHead = m.forward(qt, kt, vt, Tensor.ofBytes(padding, N, S), Tensor.of(attn, L, S), true,
          false);
      assertArrayEquals(new long[] {N, H, L, S}, perHead.weights().shape());
      assertAllClose(want[1], perHead.weights().toDoubleArray(), 1e-12, 1e-12, "weights per head");
      assertNull(m.forward(qt, kt, vt, null, null, false, true).weights());
    }
  }

  @Test
  void aPerHeadBooleanMaskIndexesBatchTimesHeads() {
    try (MultiheadAttention m = new MultiheadAttention(E, H, 0.0, true, true); TensorScope s = new TensorScope()) {
      m.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(m, 5);
      Tensor x = LayerChecks.input(1, N, L, E);
      byte[] mb = new byte[N * H * L * L];
      boolean[] masked = new boolean[mb.length];
      for (int i = 0; i < mb.length; i++) {
        mb[i] = (byte) ((i * 5 + i / 7) % 3 == 0 ? 1 : 0);
        masked[i] = mb[i] != 0;  // row b H + h of the (N H, L, L) mask is batch b, head h, as PyTorch
      }
      double[] xv = x.toDoubleArray();
      Tensor y = m.forward(x, x, x, null, Tensor.ofBytes(mb, N * H, L, L), false, true).output();
      assertAllClose(ref(m, xv, xv, xv, L, L, null, masked)[0], y.toDoubleArray(), 1e-12, 1e-12, "(N H, L, L) mask");
    }
  }

  @Test
  void gradientsReachTheInputsAndEveryParameter() {
    try (MultiheadAttention m = new MultiheadAttention(4, 2, 0.0, true, true); TensorScope s = new TensorScope()) {
      m.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(m, 6);
      Tensor q = LayerChecks.input(1, 2, 3, 4), k = LayerChecks.input(2, 2, 2, 4), v = LayerChecks.input(3, 2, 2, 4);
      Tensor padding = Tensor.ofBytes(new byte[] {0, 1, 0, 0}, 2, 2);
      GradCheck.check(in -> m.forward(in[0], in[1], in[2], padding, null, false, true).output(), m.parameters(), 1e-6, q, k, v)
          .assertWithin(1e-7, 1e-6);
      LayerChecks.gradCheck(m, LayerChecks.input(4, 2, 3, 4));
    }
  }

  @Test
  void matchesOnCudaDevices() {
    LayerChecks.parity(() -> new MultiheadAttention(E, H, 0.0, true, true), N, L, E);
    LayerChecks.parity(() -> new MultiheadAttention(E, 3, 0.0, false, false), L, N, E);
  }

  @Test
  void initializationIsPyTorchs() {
    try (MultiheadAttention m = new MultiheadAttention(16, 4); TensorScope s = new TensorScope()) {
      // xavier_uniform_ on (3E, E): bound sqrt(6 / (E + 3E)); biases constant 0
      double bound = Math.sqrt(6.0 / (16 + 48)), max = 0;
      for (double w : p(m, "in_proj_weight")) max = Math.max(max, Math.abs(w));
      assertTrue(max <= bound && max > 0.9 * bound, "in_proj_weight within the Xavier bound " + bound + ", max " + max);
      for (double b : p(m, "in_proj_bias")) assertEquals(0.0, b);
      for (double b : p(m, "out_proj.bias")) assertEquals(0.0, b);
    }
  }

  @Test
  void dropoutActsOnlyInTraining() {
    try (MultiheadAttention m = new MultiheadAttention(E, H, 0.5, true, true); TensorScope s = new TensorScope()) {
      Tensor x = LayerChecks.input(1, N, L, E).to(DType.FLOAT32);
      m.eval();
      float[] a = m.forward(x).toFloatArray(), b = m.forward(x).toFloatArray();
      assertArrayEquals(a, b, "eval: no dropout");
      m.train();
      float[] c = m.forward(x).toFloatArray();
      assertTrue(!java.util.Arrays.equals(a, c), "training: attention weights dropped out");
    }
  }

  @Test
  void refusesInputsAndMasksThatDoNotFit() {
    assertMessage(() -> new MultiheadAttention(6, 4), "MultiheadAttention(embed_dim=6, num_heads=4): embed_dim (6) must be"
        + " divisible by num_heads (4)", "choose");
    try (MultiheadAttention m = new MultiheadAttention(E, H); TensorScope s = new TensorScope()) {
      String name = "MultiheadAttention(embed_dim=6, num_heads=2): ";
      assertMessage(() -> m.forward(Tensor.zeros(L, N, 5)), name + "expected (L, N, E) inputs with E = 6", "batch_first",
          "[3, 2, 5]");
      assertMessage(() -> m.forward(Tensor.zeros(L, N, E), Tensor.zeros(S, 3, E), Tensor.zeros(S, 3, E)), name
          + "query, key and value must share the batch size N");
      Tensor x = Tensor.zeros(L, N, E);
      assertMessage(() -> m.forward(x, x, x, Tensor.ofBytes(new byte[6], 3, 2), null, false, true), name
          + "key_padding_mask must be (N, S) = [2, 3]", "[3, 2]");
      assertMessage(() -> m.forward(x, x, x, null, Tensor.ofBytes(new byte[9], 1, 3, 3), false, true), name
          + "attn_mask must be (L, S) = [3, 3] or (N num_heads, L, S) = [4, 3, 3]", "[1, 3, 3]");
      assertMessage(() -> m.forward(x, x, x, null, Tensor.ofInts(new int[9], 3, 3), false, true), name
          + "attn_mask must be uint8 (a boolean mask) or float32", "int32");
    }
  }
}
