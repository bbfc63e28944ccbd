package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * TransformerEncoderLayer against a float64 reference composed from AttentionRef's pieces as
 * nn.TransformerEncoderLayer defines the block (post-norm: x = norm1(x + sa(x)), x = norm2(x + ff(x));
 * norm_first: x = x + sa(norm1(x)), x = x + ff(norm2(x)); ff = linear2(act(linear1(x)))), in eval mode
 * (dropout off), with relu and gelu, a gradient check, parity and error messages.
 */
class TransformerEncoderLayerTest {
  private static final int N = 2, L = 3, D = 4, H = 2, FF = 5;

  private static double[] p(Layer m, String name) {
    return m.namedParameters().get(name).toDoubleArray();
  }

  /** The block on batch-first (N, L, D) values. */
  private static double[] ref(TransformerEncoderLayer t, double[] x, boolean normFirst, boolean gelu, boolean[] masked) {
    int rows = N * L;
    java.util.function.UnaryOperator<double[]> sa = in -> AttentionRef.mha(in, in, in, N, L, L, D, H, p(t, "self_attn.in_proj_weight"),
        p(t, "self_attn.in_proj_bias"), p(t, "self_attn.out_proj.weight"), p(t, "self_attn.out_proj.bias"), null, masked)[0];
    java.util.function.UnaryOperator<double[]> ff = in -> {
      double[] h = AttentionRef.linear(in, rows, D, p(t, "linear1.weight"), 0, FF, p(t, "linear1.bias"), 0);
      for (int i = 0; i < h.length; i++) h[i] = gelu ? AttentionRef.gelu(h[i]) : Math.max(0, h[i]);
      return AttentionRef.linear(h, rows, FF, p(t, "linear2.weight"), 0, D, p(t, "linear2.bias"), 0);
    };
    java.util.function.UnaryOperator<double[]> n1 = in -> AttentionRef.layerNorm(in, D, 1e-5, p(t, "norm1.weight"), p(t, "norm1.bias"));
    java.util.function.UnaryOperator<double[]> n2 = in -> AttentionRef.layerNorm(in, D, 1e-5, p(t, "norm2.weight"), p(t, "norm2.bias"));
    if (normFirst) {
      double[] y = add(x, sa.apply(n1.apply(x)));
      return add(y, ff.apply(n2.apply(y)));
    }
    double[] y = n1.apply(add(x, sa.apply(x)));
    return n2.apply(add(y, ff.apply(y)));
  }

  private static double[] add(double[] a, double[] b) {
    double[] c = new double[a.length];
    for (int i = 0; i < a.length; i++) c[i] = a[i] + b[i];
    return c;
  }

  @Test
  void everyVariantMatchesTheDefinitionInEval() {
    for (boolean normFirst : new boolean[] {false, true}) {
      for (String act : List.of("relu", "gelu")) {
        for (boolean batchFirst : new boolean[] {false, true}) {
          try (TransformerEncoderLayer t = new TransformerEncoderLayer(D, H, FF, 0.1, act, 1e-5, batchFirst, normFirst, true);
              TensorScope s = new TensorScope()) {
            t.to(DType.FLOAT64);
            LayerChecks.randomizeParameters(t, 7);
            t.eval();
            double[] x = LayerChecks.values(3, N * L * D);
            Tensor in = batchFirst ? Tensor.of(x, N, L, D) : Tensor.of(AttentionRef.swap01(x, N, L, D), L, N, D);
            double[] y = t.forward(in).toDoubleArray();
            double[] want = ref(t, x, normFirst, act.equals("gelu"), null);
            assertAllClose(batchFirst ? want : AttentionRef.swap01(want, N, L, D), y, 1e-11, 1e-11, t.describe()
                + (batchFirst ? " batch first" : " sequence first"));
          }
        }
      }
    }
  }

  @Test
  void masksReachTheSelfAttention() {
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(D, H, FF, 0.0, "relu", 1e-5, true, false, true);
        TensorScope s = new TensorScope()) {
      t.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(t, 8);
      double[] x = LayerChecks.values(4, N * L * D);
      byte[] padding = {0, 0, 1, 0, 1, 1};
      byte[] causal = {0, 1, 1, 0, 0, 1, 0, 0, 0};
      boolean[] masked = new boolean[N * H * L * L];
      for (int b = 0; b < N; b++) {
        for (int h = 0; h < H; h++) {
          for (int i = 0; i < L; i++) {
            for (int j = 0; j < L; j++) masked[((b * H + h) * L + i) * L + j] = padding[b * L + j] != 0 || causal[i * L + j] != 0;
          }
        }
      }
      double[] y = t.forward(Tensor.of(x, N, L, D), Tensor.ofBytes(causal, L, L), Tensor.ofBytes(padding, N, L)).toDoubleArray();
      assertAllClose(ref(t, x, false, false, masked), y, 1e-11, 1e-11, "masked block");
    }
  }

  @Test
  void gradientsAndParity() {
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(D, H, FF, 0.0, "gelu", 1e-5, true, true, true);
        TensorScope s = new TensorScope()) {
      LayerChecks.gradCheck(t, LayerChecks.input(2, N, L, D));
    }
    LayerChecks.parity(() -> new TransformerEncoderLayer(D, H, FF, 0.0, "relu", 1e-5, false, false, true), L, N, D);
    LayerChecks.parity(() -> new TransformerEncoderLayer(D, H, FF, 0.0, "gelu", 1e-5, true, true, true), N, L, D);
  }

  @Test
  void defaultsAreThoseOfPyTorch() {
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(8, 2); TensorScope s = new TensorScope()) {
      assertArrayEquals(new long[] {2048, 8}, t.namedParameters().get("linear1.weight").shape());
      assertEquals(0.1, ((Dropout) t.children().get("dropout")).p());
      assertEquals(0.1, ((MultiheadAttention) t.children().get("self_attn")).dropout());
      assertEquals(1e-5, ((LayerNorm) t.children().get("norm1")).eps());
      assertEquals("relu", t.activation());
      assertEquals(false, t.isBatchFirst());
      assertEquals(false, t.isNormFirst());
    }
  }

  @Test
  void hooksOnTheSelfAttentionRun() {
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(D, H, FF, 0.0, "relu", 1e-5, true, false, true);
        TensorScope s = new TensorScope()) {
      t.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(t, 9);
      MultiheadAttention sa = (MultiheadAttention) t.children().get("self_attn");
      Tensor x = Tensor.of(LayerChecks.values(4, N * L * D), N, L, D).requiresGrad(true);
      double[] plain = t.forward(x).toDoubleArray();
      double[] expectedAttention = sa.forward(x).toDoubleArray();
      List<double[]> seenInputs = new java.util.ArrayList<>();
      List<double[]> seenOutputs = new java.util.ArrayList<>();
      List<long[]> seenGradients = new java.util.ArrayList<>();
      try (HookHandle pre = sa.registerForwardPreHook((layer, in) -> {
            seenInputs.add(in.toDoubleArray());
            return null;
          });
          HookHandle fwd = sa.registerForwardHook((layer, in, out) -> {
            seenOutputs.add(out.toDoubleArray());
            return null;
          });
          HookHandle bwd = sa.registerBackwardHook((layer, g) -> {
            seenGradients.add(g.shape());
            return null;
          })) {
        Tensor y = t.forward(x);
        assertAllClose(plain, y.toDoubleArray(), 0, 0, "hooks that replace nothing change nothing");
        y.sum().backward();
      }
      assertEquals(1, seenInputs.size(), "the pre-hook runs once per forward of the block");
      assertAllClose(x.toDoubleArray(), seenInputs.get(0), 0, 0, "post-norm: the attention's input is x");
      assertEquals(1, seenOutputs.size(), "the forward hook runs once per forward of the block");
      assertAllClose(expectedAttention, seenOutputs.get(0), 0, 0, "the forward hook sees the attention's output");
      assertEquals(1, seenGradients.size(), "the backward hook runs once per backward");
      assertArrayEquals(new long[] {N, L, D}, seenGradients.get(0));

      // a forward hook's replacement is what the block adds: zeros give the block with out_proj zeroed
      double[] replaced;
      try (HookHandle zero = sa.registerForwardHook((layer, in, out) -> out.mul(0.0))) {
        replaced = t.forward(x).toDoubleArray();
      }
      try (GradMode.Guard off = GradMode.disable()) {
        for (String name : List.of("out_proj.weight", "out_proj.bias")) {
          Tensor w = sa.namedParameters().get(name);
          w.copyFrom(Tensor.zeros(DType.FLOAT64, w.shape()));
        }
      }
      assertAllClose(t.forward(x).toDoubleArray(), replaced, 1e-15, 1e-15, "a replaced attention output");
    }
  }

  @Test
  void refusesBadSettingsAndInputs() {
    assertMessage(() -> new TransformerEncoderLayer(D, H, FF, 0.1, "tanh", 1e-5, true, false, true),
        "TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=5, tanh): activation must be \"relu\" or \"gelu\"", "tanh");
    assertMessage(() -> new TransformerEncoderLayer(6, 4), "TransformerEncoderLayer(d_model=6, nhead=4, dim_feedforward=2048,"
        + " relu): d_model (6) must be a positive multiple of nhead (4)", "choose");
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(D, H, FF, 0.1, "relu", 1e-5, true, false, true);
        TensorScope s = new TensorScope()) {
      assertMessage(() -> t.forward(Tensor.zeros(N, L, 5)), "TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=5,"
          + " relu): expected input of shape (N, L, 4)", "[2, 3, 5]");
    }
  }
}
