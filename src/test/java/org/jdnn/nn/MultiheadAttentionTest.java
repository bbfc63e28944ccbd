package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MultiheadAttention against AttentionRef.mha, a float64 reference written from nn.MultiheadAttention's
 * definition (stacked in-projection, heads of E / H features, scale 1 / sqrt(E / H), out-projection; masks
 * true = masked; weights averaged over heads), in both layouts, with masks, gradient checks, parity,
 * PyTorch's initialization and error messages; and PyTorch's options kdim / vdim (separate q, k and v
 * projection weights), add_bias_kv (a learned key and value position after the projections) and
 * add_zero_attn (a zero key and value position after the head split), with the masks' open column for
 * each appended position, on every test device.
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

  // ---- kdim / vdim, add_bias_kv, add_zero_attn ----

  private static final int KD = 4, VD = 5;

  /** The reference for a layer with any options, on batch-first arrays; add and masked cover the S' positions. */
  private static double[][] refFull(MultiheadAttention m, double[] q, double[] k, double[] v, int l, int s, double[] add,
      boolean[] masked) {
    double[] qW, kW, vW;
    if (m.kdim() == E && m.vdim() == E) {
      double[] in = p(m, "in_proj_weight");
      qW = Arrays.copyOfRange(in, 0, E * E);
      kW = Arrays.copyOfRange(in, E * E, 2 * E * E);
      vW = Arrays.copyOfRange(in, 2 * E * E, 3 * E * E);
    } else {
      qW = p(m, "q_proj_weight");
      kW = p(m, "k_proj_weight");
      vW = p(m, "v_proj_weight");
    }
    return AttentionRef.mha(q, k, v, N, l, s, E, H, m.kdim(), m.vdim(), qW, kW, vW, p(m, "in_proj_bias"), p(m, "bias_k"),
        p(m, "bias_v"), m.addsZeroAttn(), p(m, "out_proj.weight"), p(m, "out_proj.bias"), add, masked);
  }

  /** Each option alone and all together; the last also without biases, sequence first. */
  private static final List<Supplier<MultiheadAttention>> OPTION_LAYERS = List.of(
      () -> MultiheadAttention.builder(E, H).kdim(KD).vdim(VD).batchFirst(true).build(),
      () -> MultiheadAttention.builder(E, H).addBiasKv(true).batchFirst(true).build(),
      () -> MultiheadAttention.builder(E, H).addZeroAttn(true).build(),
      () -> MultiheadAttention.builder(E, H).kdim(KD).vdim(VD).addBiasKv(true).addZeroAttn(true).build(),
      () -> MultiheadAttention.builder(E, H).kdim(KD).addBiasKv(true).addZeroAttn(true).bias(false).build());

  /** A batch-first (n, len, c) array given to the layer in its layout, on {@code dev}. */
  private static Tensor laidOut(MultiheadAttention m, double[] x, int len, int c, Device dev) {
    Tensor t = m.isBatchFirst() ? Tensor.of(x, N, len, c) : Tensor.of(AttentionRef.swap01(x, N, len, c), len, N, c);
    return t.to(dev);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void optionsMatchTheDefinitionWithPaddedMasks(TestDevice testDevice) {
    Device dev = testDevice.device();
    for (int c = 0; c < OPTION_LAYERS.size(); c++) {
      try (MultiheadAttention m = OPTION_LAYERS.get(c).get(); TensorScope scope = new TensorScope()) {
        m.to(DType.FLOAT64);
        LayerChecks.randomizeParameters(m, 20 + c);
        m.to(dev);
        m.eval();
        int extra = (m.addsBiasKv() ? 1 : 0) + (m.addsZeroAttn() ? 1 : 0), s2 = S + extra;
        double[] q = LayerChecks.values(1, N * L * E), k = LayerChecks.values(2, N * S * m.kdim()),
            v = LayerChecks.values(3, N * S * m.vdim());
        Tensor qt = laidOut(m, q, L, E, dev), kt = laidOut(m, k, S, m.kdim(), dev), vt = laidOut(m, v, S, m.vdim(), dev);
        String where = m.describe() + " on " + dev;

        MultiheadAttention.Output plain = m.forward(qt, kt, vt, null, null, true, false);
        double[][] want = refFull(m, q, k, v, L, S, null, null);
        assertAllClose(m.isBatchFirst() ? want[0] : AttentionRef.swap01(want[0], N, L, E), LayerChecks.host(plain.output()),
            1e-12, 1e-12, where + ": output without masks");
        assertArrayEquals(new long[] {N, H, L, s2}, plain.weights().shape(), where + ": weights cover the appended positions");
        assertAllClose(want[1], LayerChecks.host(plain.weights()), 1e-12, 1e-12, where + ": weights without masks");

        // sample 1 pads every one of its S keys: only the appended positions (never masked) remain for it
        byte[] padding = {0, 1, 0, 0, 1, 1, 1, 1};
        double[] attn = LayerChecks.values(5, L * S);  // float (L, S), added
        boolean[] masked = new boolean[N * H * L * s2];
        double[] add = new double[N * H * L * s2];
        for (int b = 0; b < N; b++) {
          for (int h = 0; h < H; h++) {
            for (int i = 0; i < L; i++) {
              for (int j = 0; j < S; j++) {  // columns S.. stay open: 0 added, not masked
                int at = ((b * H + h) * L + i) * s2 + j;
                masked[at] = padding[b * S + j] != 0;
                add[at] = attn[i * S + j];
              }
            }
          }
        }
        MultiheadAttention.Output out = m.forward(qt, kt, vt, Tensor.ofBytes(padding, N, S).to(dev), Tensor.of(attn, L, S)
            .to(dev), true, false);
        want = refFull(m, q, k, v, L, S, add, masked);
        assertAllClose(m.isBatchFirst() ? want[0] : AttentionRef.swap01(want[0], N, L, E), LayerChecks.host(out.output()),
            1e-12, 1e-12, where + ": output with masks");
        assertAllClose(want[1], LayerChecks.host(out.weights()), 1e-12, 1e-12, where + ": weights with masks");
        if (extra > 0) {
          // the padded sample's weight sits entirely on the appended columns
          double[] w = LayerChecks.host(out.weights());
          for (int h = 0; h < H; h++) {
            for (int i = 0; i < L; i++) {
              double open = 0;
              for (int j = S; j < s2; j++) open += w[((H + h) * L + i) * s2 + j];
              assertEquals(1.0, open, 1e-12, where + ": sample 1, head " + h + ", query " + i + " attends to the appended keys");
            }
          }
        }

        // an (N num_heads, L, S) boolean mask, padded the same way
        byte[] perHead = new byte[N * H * L * S];
        boolean[] perHeadMasked = new boolean[N * H * L * s2];
        for (int i = 0; i < perHead.length; i++) {
          perHead[i] = (byte) ((i * 7 + i / 5) % 3 == 0 ? 1 : 0);
          perHeadMasked[(i / S) * s2 + i % S] = perHead[i] != 0;
        }
        Tensor y = m.forward(qt, kt, vt, null, Tensor.ofBytes(perHead, N * H, L, S).to(dev), false, true).output();
        want = refFull(m, q, k, v, L, S, null, perHeadMasked);
        assertAllClose(m.isBatchFirst() ? want[0] : AttentionRef.swap01(want[0], N, L, E), LayerChecks.host(y), 1e-12, 1e-12,
            where + ": output with an (N H, L, S) mask");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void optionGradientsByFiniteDifferences(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (MultiheadAttention m = MultiheadAttention.builder(4, 2).kdim(3).vdim(5).addBiasKv(true).addZeroAttn(true)
        .batchFirst(true).build(); TensorScope s = new TensorScope()) {
      m.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(m, 8);
      m.to(dev);
      Tensor q = LayerChecks.input(1, 2, 3, 4).to(dev), k = LayerChecks.input(2, 2, 2, 3).to(dev),
          v = LayerChecks.input(3, 2, 2, 5).to(dev);
      Tensor padding = Tensor.ofBytes(new byte[] {0, 1, 1, 1}, 2, 2).to(dev);
      Tensor attn = LayerChecks.input(4, 3, 2).to(dev);
      // every parameter reaches the output: q, k, v projections, in_proj_bias, bias_k, bias_v, out_proj
      assertEquals(Arrays.asList("q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
          "out_proj.weight", "out_proj.bias"), new java.util.ArrayList<>(m.namedParameters().keySet()));
      GradCheck.check(in -> m.forward(in[0], in[1], in[2], padding, attn, false, true).output(), m.parameters(), 1e-6, q, k, v)
          .assertWithin(1e-7, 1e-6);
    }
    if (dev == Device.cpu()) {
      // self-attention through the one-argument forward, with the packed in_proj_weight
      try (MultiheadAttention m = MultiheadAttention.builder(4, 2).addBiasKv(true).addZeroAttn(true).build()) {
        LayerChecks.gradCheck(m, LayerChecks.input(5, 3, 2, 4));
      }
    }
  }

  @Test
  void optionsMatchOnCudaDevices() {
    LayerChecks.parity(() -> MultiheadAttention.builder(E, H).addBiasKv(true).addZeroAttn(true).batchFirst(true).build(), N, L, E);
    LayerChecks.parity(() -> MultiheadAttention.builder(E, 3).addBiasKv(true).bias(false).build(), L, N, E);
  }

  @Test
  void optionInitializationIsPyTorchs() {
    int e = 512, kd = 64, vd = 96;
    Generator.manualSeed(21);
    try (MultiheadAttention m = MultiheadAttention.builder(e, 4).kdim(kd).vdim(vd).addBiasKv(true).build();
        TensorScope s = new TensorScope()) {
      // xavier_uniform_ on each projection: bound sqrt(6 / (fan_in + fan_out)), fan_out = E
      String[] names = {"q_proj_weight", "k_proj_weight", "v_proj_weight"};
      int[] fanIn = {e, kd, vd};
      for (int i = 0; i < 3; i++) {
        double bound = Math.sqrt(6.0 / (fanIn[i] + e)), max = 0;
        for (double w : p(m, names[i])) max = Math.max(max, Math.abs(w));
        assertTrue(max <= bound && max > 0.99 * bound, names[i] + " within the Xavier bound " + bound + ", max " + max);
      }
      assertNull(m.namedParameters().get("in_proj_weight"), "no in_proj_weight when kdim, vdim differ from E");
      for (double b : p(m, "in_proj_bias")) assertEquals(0.0, b);
      // xavier_normal_ on (1, 1, E): fan_in = fan_out = E, std sqrt(2 / (2 E)); 512 draws each
      for (String b : new String[] {"bias_k", "bias_v"}) {
        double sq = 0, sum = 0;
        double[] vals = p(m, b);
        for (double x : vals) {
          sq += x * x;
          sum += x;
        }
        double std = Math.sqrt(sq / vals.length), want = Math.sqrt(1.0 / e);
        assertEquals(want, std, 0.1 * want, b + ": std of xavier_normal_");
        assertEquals(0, sum / vals.length, 4 * want / Math.sqrt(vals.length), b + ": mean 0");
      }
    }
  }

  @Test
  void optionSettingsAreReportedAndOldConstructorsKeepTheirMeaning() {
    try (MultiheadAttention m = MultiheadAttention.builder(8, 2).dropout(0.25).bias(false).batchFirst(true).kdim(3).vdim(5)
        .addBiasKv(true).addZeroAttn(true).build(); MultiheadAttention d = new MultiheadAttention(8, 2)) {
      assertEquals("MultiheadAttention(embed_dim=8, num_heads=2, kdim=3, vdim=5, add_bias_kv=true, add_zero_attn=true)",
          m.describe());
      assertEquals(3, m.kdim());
      assertEquals(5, m.vdim());
      assertTrue(m.addsBiasKv() && m.addsZeroAttn() && m.isBatchFirst() && !m.hasBias());
      assertEquals(0.25, m.dropout());
      assertEquals("MultiheadAttention(embed_dim=8, num_heads=2)", d.describe());
      assertEquals(8, d.kdim());
      assertEquals(8, d.vdim());
      assertTrue(!d.addsBiasKv() && !d.addsZeroAttn() && !d.isBatchFirst() && d.hasBias());
      // self-attention FLOPs of one (L = 10, E = 8) sample: projections E (2E + kdim + vdim) per position, products
      // over L + 2 keys
      assertEquals(2L * 8 * (16 + 3 + 5) * 10 + 4L * 10 * 12 * 8, m.flops(new long[] {10, 8}, new long[] {10, 8}));
      assertEquals(2L * 4 * 8 * 8 * 10 + 4L * 10 * 10 * 8, d.flops(new long[] {10, 8}, new long[] {10, 8}));
    }
    // the same generator state gives the default layer the same weights through the builder and the constructor
    Generator.manualSeed(4);
    try (MultiheadAttention a = new MultiheadAttention(E, H, 0.0, true, true); TensorScope s = new TensorScope()) {
      Generator.manualSeed(4);
      try (MultiheadAttention b = MultiheadAttention.builder(E, H).batchFirst(true).build()) {
        assertArrayEquals(p(a, "in_proj_weight"), p(b, "in_proj_weight"));
        assertArrayEquals(p(a, "out_proj.weight"), p(b, "out_proj.weight"));
      }
    }
  }

  @Test
  void optionRefusalsNameTheLayerAndTheFix() {
    assertMessage(() -> MultiheadAttention.builder(6, 2).kdim(0).build(), "MultiheadAttention(embed_dim=6, num_heads=2, kdim=0):"
        + " kdim and vdim must be positive", "got 0 and 6", "leave them unset for E = 6");
    assertMessage(() -> MultiheadAttention.builder(6, 2).generator(null), "MultiheadAttention: generator must not be null");
    assertMessage(() -> MultiheadAttention.builder(6, 2).dropout(1.0).addBiasKv(true).build(),
        "MultiheadAttention(embed_dim=6, num_heads=2, add_bias_kv=true): dropout must be in [0, 1), got 1.0");
    try (MultiheadAttention m = MultiheadAttention.builder(E, H).kdim(KD).vdim(VD).addBiasKv(true).build();
        TensorScope s = new TensorScope()) {
      String name = "MultiheadAttention(embed_dim=6, num_heads=2, kdim=4, vdim=5, add_bias_kv=true): ";
      Tensor q = Tensor.zeros(L, N, E), k = Tensor.zeros(S, N, KD), v = Tensor.zeros(S, N, VD);
      assertMessage(() -> m.forward(q, Tensor.zeros(S, N, E), v), name + "expected key (S, N, kdim) with kdim = 4", "[4, 2, 6]",
          "build the layer with kdim(6)");
      assertMessage(() -> m.forward(q, k, Tensor.zeros(S, N, KD)), name + "expected value (S, N, vdim) with vdim = 5",
          "[4, 2, 4]", "vdim(4)");
      assertMessage(() -> m.forward(q), name + "expected key (S, N, kdim) with kdim = 4", "[3, 2, 6]");
      assertMessage(() -> m.forward(Tensor.zeros(L, N, KD), k, v), name + "expected query (L, N, E) with E = 6", "[3, 2, 4]");
      // masks are for the S keys passed in: one sized for S + 1 is refused with a word about the appended column
      assertMessage(() -> m.forward(q, k, v, null, Tensor.zeros(DType.FLOAT32, L, S + 1), false, true), name
          + "attn_mask must be (L, S) = [3, 4]", "[3, 5]", "the layer adds the open column for bias_k itself");
      assertMessage(() -> m.forward(q, k, v, Tensor.ofBytes(new byte[N * (S + 1)], N, S + 1), null, false, true), name
          + "key_padding_mask must be (N, S) = [2, 4]", "[2, 5]", "open column for bias_k");
      assertMessage(() -> m.forward(q, k.to(DType.FLOAT64), v), name + "expected float32 input", "float64");
    }
  }
}
