package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The composed layers under autocast, as PyTorch's autocast runs them: LayerNorm and GroupNorm normalize a 16-bit input
 * in float32 (layer_norm and group_norm are on its float32 list), attention takes the projections' 16-bit outputs, and a
 * float32 parameter or residual added to a 16-bit output gives float32 (type promotion). Before promotion and these
 * rules, every one of these forwards failed with "dtypes differ" or "expected float32 input".
 */
class AutocastLayersTest {

  /** LayerNorm and GroupNorm of a 16-bit input under autocast: float32, bit for bit the norm of the widened input. */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void normsOfASixteenBitInputAreFloat32(TestDevice device, DType low) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope();
        LayerNorm ln = new LayerNorm(6); GroupNorm gn = new GroupNorm(2, 4)) {
      Generator g = new Generator(5);
      for (Tensor p : ln.parameters()) g.normal(p, 1, 0.5);
      for (Tensor p : gn.parameters()) g.normal(p, 1, 0.5);
      Tensor x = Tensor.empty(DType.FLOAT32, 3, 4, 6);
      g.normal(x, 0, 2);
      Tensor low16 = x.to(low), wide = low16.to(DType.FLOAT32);
      float[] lnWant = ln.call(wide).toFloatArray(), gnWant = gn.call(wide).toFloatArray();
      try (Autocast.Scope a = Autocast.enable(low)) {
        Tensor lnGot = ln.call(low16), gnGot = gn.call(low16);
        assertSame(DType.FLOAT32, lnGot.dtype());
        assertSame(DType.FLOAT32, gnGot.dtype());
        assertArrayEquals(lnWant, lnGot.toFloatArray(), 0f);
        assertArrayEquals(gnWant, gnGot.toFloatArray(), 0f);
      }
    }
  }

  /**
   * A transformer encoder layer (post-norm and pre-norm) with a key padding mask under autocast: float32 output and
   * float32 parameter gradients, close to the float32 run and not equal to it. The tolerances: each product rounds its
   * operands to the 16-bit type (relative 2^-9 for bfloat16, 2^-12 for float16) and its result once more; through
   * the two projections, the attention's two products, the feed-forward's two and the norms, the output moves by a
   * few such roundings of its scale. Measured worst (2026-12-05, cpu and cuda-emu): 1.7e-2 relative for bfloat16 (a
   * layer norm's bias gradient; outputs 5e-3), 1.2e-3 for float16; the bounds are 3.5x and 8x above.
   */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void anEncoderLayerRunsUnderAutocastCloseToFloat32(TestDevice device, DType low) {
    double tol = low == DType.BFLOAT16 ? 6e-2 : 1e-2;
    for (boolean normFirst : new boolean[] {false, true}) {
      try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope();
          TransformerEncoderLayer layer = new TransformerEncoderLayer(16, 4, 32, 0.0, "gelu", 1e-5, true, normFirst, true)) {
        Generator g = new Generator(11);
        Tensor x = Tensor.empty(DType.FLOAT32, 3, 5, 16);
        g.normal(x, 0, 1);
        Tensor weights = Tensor.empty(DType.FLOAT32, 3, 5, 16);  // a loss that weighs every output differently
        g.normal(weights, 0, 1);
        Tensor padding = Tensor.ofBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0}, 3, 5);

        Tensor want = layer.call(x, null, padding);
        want.mul(weights).sum().backward();
        Map<String, float[]> wantGrads = gradients(layer);
        layer.zeroGrad();
        Tensor got;
        try (Autocast.Scope a = Autocast.enable(low)) {
          got = layer.call(x, null, padding);
          got.mul(weights).sum().backward();
        }
        String what = (normFirst ? "pre-norm" : "post-norm") + " " + low + " on " + device;
        assertSame(DType.FLOAT32, got.dtype(), what);
        assertClose(want.toFloatArray(), got.toFloatArray(), tol, what + " output");
        assertNotEquals(java.util.Arrays.toString(want.toFloatArray()), java.util.Arrays.toString(got.toFloatArray()),
            what + ": the products did not run in the 16-bit type");
        for (Map.Entry<String, Tensor> p : layer.namedParameters().entrySet()) {
          assertSame(DType.FLOAT32, p.getValue().grad().dtype(), what + " " + p.getKey());
          assertClose(wantGrads.get(p.getKey()), p.getValue().grad().toFloatArray(), tol, what + " grad " + p.getKey());
        }
      }
    }
  }

  /** MultiheadAttention with a boolean padding mask and a float32 additive mask, under autocast, against float32. */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void attentionTakesSixteenBitProjectionsAndFloat32Masks(TestDevice device, DType low) {
    double tol = low == DType.BFLOAT16 ? 6e-2 : 1e-2;
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope();
        MultiheadAttention mha = new MultiheadAttention(8, 2, 0.0, true, true)) {
      Generator g = new Generator(3);
      Tensor q = Tensor.empty(DType.FLOAT32, 2, 3, 8), kv = Tensor.empty(DType.FLOAT32, 2, 4, 8);
      g.normal(q, 0, 1);
      g.normal(kv, 0, 1);
      Tensor padding = Tensor.ofBytes(new byte[] {0, 0, 0, 1, 0, 1, 0, 0}, 2, 4);
      Tensor additive = Tensor.empty(DType.FLOAT32, 3, 4);
      g.normal(additive, 0, 1);
      MultiheadAttention.Output want = mha.call(q, kv, kv, padding, additive, true, true);
      try (Autocast.Scope a = Autocast.enable(low)) {
        MultiheadAttention.Output got = mha.call(q.to(low), kv, kv, padding, additive, true, true);
        assertSame(low, got.output().dtype(), "the output projection is a product: its result is in the autocast type");
        assertSame(DType.FLOAT32, got.weights().dtype(), "the softmax runs in float32");
        assertClose(want.output().toFloatArray(), got.output().to(DType.FLOAT32).toFloatArray(), tol, "output");
        assertClose(want.weights().toFloatArray(), got.weights().toFloatArray(), tol, "weights");
      }
    }
  }

  /**
   * PReLU is on autocast's 16-bit list: its input and slopes are cast to the autocast type and the output is in it,
   * equal bit for bit to PReLU computed on the rounded input and slopes; the slopes' gradient is float32. Without the
   * cast, promotion gave a float32 output.
   */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void preluRunsInTheAutocastType(TestDevice device, DType low) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope(); PReLU prelu = new PReLU(4, 0.25);
        PReLU rounded = new PReLU(4, 0.25)) {
      Generator g = new Generator(8);
      g.uniform(prelu.parameters().get(0), 0.05, 0.5);
      rounded.parameters().get(0).copyFrom(prelu.parameters().get(0));
      Tensor x = Tensor.empty(DType.FLOAT32, 2, 4, 3);
      g.normal(x, 0, 2);
      rounded.to(low);  // the reference: slopes rounded, computed in the 16-bit type
      Tensor want = rounded.call(x.to(low));
      Tensor got;
      try (Autocast.Scope a = Autocast.enable(low)) {
        got = prelu.call(x);
        assertSame(low, got.dtype());
        got.to(DType.FLOAT32).sum().backward();
      }
      assertArrayEquals(want.toHalfBits(), got.toHalfBits());
      assertSame(DType.FLOAT32, prelu.parameters().get(0).grad().dtype());
    }
  }

  /**
   * Embedding's max_norm renormalization of a 16-bit table, outside and under autocast, runs in the table's type. It
   * failed on any 16-bit table (the looked-up rows were counted with scatterAdd in the table's type, which scatterAdd
   * refuses), and under autocast its float32 sums could not have been written back.
   */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void embeddingMaxNormRenormsASixteenBitTableUnderAutocast(TestDevice device, DType low) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope();
        Embedding plain = Embedding.builder(6, 4).maxNorm(1.0).build();
        Embedding mixed = Embedding.builder(6, 4).maxNorm(1.0).build()) {
      new Generator(2).normal(plain.parameters().get(0), 0, 2);
      mixed.parameters().get(0).copyFrom(plain.parameters().get(0));
      plain.to(low);
      mixed.to(low);
      Tensor ids = Tensor.ofLongs(new long[] {0, 3, 3, 5}, 4);
      Tensor want = plain.call(ids);
      Tensor got;
      try (Autocast.Scope a = Autocast.enable(low)) {
        got = mixed.call(ids);
      }
      assertSame(low, got.dtype());
      assertArrayEquals(want.toHalfBits(), got.toHalfBits());
      assertArrayEquals(plain.parameters().get(0).toHalfBits(), mixed.parameters().get(0).toHalfBits(), "the renormed table");
    }
  }

  /**
   * The composed regression losses (mse, huber, smooth_l1) and nll_loss are on autocast's float32 list: 16-bit inputs
   * give a float32 loss, bit for bit the loss of the widened inputs. They computed in the 16-bit type before.
   */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.HalfRef#onEveryDevice")
  void composedLossesRunInFloat32(TestDevice device, DType low) {
    try (Device.DefaultScope on = device.use(); TensorScope s = new TensorScope()) {
      Generator g = new Generator(4);
      Tensor p = Tensor.empty(DType.FLOAT32, 5, 3), t = Tensor.empty(DType.FLOAT32, 5, 3);
      g.normal(p, 0, 2);
      g.normal(t, 0, 2);
      Tensor pl = p.to(low), tl = t.to(low), logp = p.logSoftmax().to(low);
      Tensor labels = Tensor.ofLongs(new long[] {0, 2, 1, 1, 0}, 5);
      java.util.List<org.jdnn.loss.Loss> losses = java.util.List.of(new org.jdnn.loss.MSELoss(),
          new org.jdnn.loss.HuberLoss(), new org.jdnn.loss.SmoothL1Loss());
      for (org.jdnn.loss.Loss loss : losses) {
        float want = loss.compute(pl.to(DType.FLOAT32), tl.to(DType.FLOAT32)).toFloatArray()[0];
        try (Autocast.Scope a = Autocast.enable(low)) {
          Tensor got = loss.compute(pl, tl);
          assertSame(DType.FLOAT32, got.dtype(), loss.getClass().getSimpleName());
          assertArrayEquals(new float[] {want}, got.toFloatArray(), 0f, loss.getClass().getSimpleName());
        }
      }
      float want = new org.jdnn.loss.NLLLoss().compute(logp.to(DType.FLOAT32), labels).toFloatArray()[0];
      try (Autocast.Scope a = Autocast.enable(low)) {
        Tensor got = new org.jdnn.loss.NLLLoss().compute(logp, labels);
        assertSame(DType.FLOAT32, got.dtype(), "NLLLoss");
        assertArrayEquals(new float[] {want}, got.toFloatArray(), 0f, "NLLLoss");
      }
    }
  }

  private static Map<String, float[]> gradients(Layer layer) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> p : layer.namedParameters().entrySet()) out.put(p.getKey(), p.getValue().grad().toFloatArray());
    return out;
  }

  /** Every element within {@code tol} times the largest magnitude of {@code want}. */
  private static void assertClose(float[] want, float[] got, double tol, String what) {
    double scale = 0;
    for (float w : want) scale = Math.max(scale, Math.abs(w));
    double worst = 0;
    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
    assertTrue(worst <= tol * scale, what + ": largest difference " + worst + " against scale " + scale
        + " (relative " + worst / scale + ", bound " + tol + ")");
  }
}
