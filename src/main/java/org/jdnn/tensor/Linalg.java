package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/** Matrix products and the fused affine map used by Linear. */
public final class Linalg {
  private Linalg() {}

  static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
    if (HalfProducts.appliesToMatmul(a, b)) {
      checkMatmulShapes(a, b, ta, tb);
      return HalfProducts.matmul(a, b, ta, tb);
    }
    if (Autocast.takesMixed(a, b)) {
      DType low = Autocast.current();
      Tensor ra = Autocast.rounded(a), rb = Autocast.rounded(b);
      try (Autocast.Scope off = Autocast.disable()) {
        return matmul(ra, rb, ta, tb).to(low);
      }
    }
    checkOperands("matmul", a, b);
    checkMatmulShapes(a, b, ta, tb);
    long m = ta ? a.dim(1) : a.dim(0), n = tb ? b.dim(0) : b.dim(1);
    Tensor c = Tensor.empty(a.dtype(), a.device(), m, n);
    NativeErrors.check(JdnnNative.op_matmul(a.h(), b.h(), c.h(), ta, tb, 1.0, 0.0));
    // C = op(A) op(B):  dA = dC op(B)^T (transposed back if A was),  dB likewise.
    return Autograd.record("matmul", c, g -> new Tensor[] {
        a.requiresGrad() ? (ta ? matmul(b, g, tb, true) : matmul(g, b, false, !tb)) : null,
        b.requiresGrad() ? (tb ? matmul(g, a, true, ta) : matmul(a, g, !ta, false)) : null}, a, b);
  }

  // Inner dimensions of op(a) op(b) agree (ranks and devices are the callers' checks).
  private static void checkMatmulShapes(Tensor a, Tensor b, boolean ta, boolean tb) {
    long k = ta ? a.dim(0) : a.dim(1), kb = tb ? b.dim(1) : b.dim(0);
    if (k != kb) {
      throw new IllegalArgumentException("matmul: inner dimensions differ: " + a.describe()
          + (ta ? " (transposed)" : "") + " x " + b.describe() + (tb ? " (transposed)" : "") + ": " + k + " vs " + kb);
    }
  }

  /**
   * Batched matrix product, torch.bmm's semantics: c[i] = op(a[i]) op(b[i]) for 3-D a and b with one
   * batch size, op transposing the last two dimensions when asked. One native call for the batch.
   */
  static Tensor bmm(Tensor a, Tensor b, boolean ta, boolean tb) {
    if (HalfProducts.appliesToBmm(a, b)) {
      checkBatchedShapes(a, b, ta, tb);
      return HalfProducts.bmm(a, b, ta, tb);
    }
    if (Autocast.takesMixed(a, b)) {
      DType low = Autocast.current();
      Tensor ra = Autocast.rounded(a), rb = Autocast.rounded(b);
      try (Autocast.Scope off = Autocast.disable()) {
        return bmm(ra, rb, ta, tb).to(low);
      }
    }
    checkBatchedOperands(a, b, ta, tb);
    long batch = a.dim(0), m = ta ? a.dim(2) : a.dim(1), n = tb ? b.dim(1) : b.dim(2);
    Tensor c = Tensor.empty(a.dtype(), a.device(), batch, m, n);
    NativeErrors.check(JdnnNative.op_bmm(a.h(), b.h(), c.h(), ta, tb, 1.0, 0.0));
    // As for matmul, per batch entry: dA = dC op(B)^T (transposed back if A was), dB likewise.
    return Autograd.record("bmm", c, g -> new Tensor[] {
        a.requiresGrad() ? (ta ? bmm(b, g, tb, true) : bmm(g, b, false, !tb)) : null,
        b.requiresGrad() ? (tb ? bmm(g, a, true, ta) : bmm(a, g, !ta, false)) : null}, a, b);
  }

  private static void checkBatchedOperands(Tensor a, Tensor b, boolean ta, boolean tb) {
    a.requireFloat("bmm");
    b.requireFloat("bmm");
    String expected = "expected " + (ta ? "(B, k, n)" : "(B, n, k)") + " x " + (tb ? "(B, m, k)" : "(B, k, m)");
    if (a.rank() != 3 || b.rank() != 3) {
      throw new IllegalArgumentException("bmm: " + expected + " 3-D operands, got " + a.describe() + " and "
          + b.describe());
    }
    checkSameDtypeAndDevice("bmm", a, b);
    checkBatchedShapes(a, b, ta, tb);
  }

  // Batch sizes and inner dimensions of op(a[i]) op(b[i]) agree (ranks and devices are the callers' checks).
  private static void checkBatchedShapes(Tensor a, Tensor b, boolean ta, boolean tb) {
    String expected = "expected " + (ta ? "(B, k, n)" : "(B, n, k)") + " x " + (tb ? "(B, m, k)" : "(B, k, m)");
    if (a.dim(0) != b.dim(0)) {
      throw new IllegalArgumentException("bmm: batch sizes differ: " + a.dim(0) + " vs " + b.dim(0) + " ("
          + a.describe() + " x " + b.describe() + ")");
    }
    long k = ta ? a.dim(1) : a.dim(2), kb = tb ? b.dim(2) : b.dim(1);
    if (k != kb) {
      throw new IllegalArgumentException("bmm: inner dimensions differ: " + k + " vs " + kb + ", " + expected
          + ", got " + a.describe() + (ta ? " (transposed)" : "") + " x " + b.describe() + (tb ? " (transposed)" : ""));
    }
  }

  /**
   * y = x W^T + b, PyTorch's Linear convention: x (N, in), weight (out, in), bias (out) or null.
   * The bias is written first and the GEMM accumulates onto it, so the bias add costs no extra pass.
   *
   * @param x the input (N, in), float32 or float64
   * @param weight (out, in), x's dtype and device
   * @param bias (out), or null
   * @param layer the layer named first in error messages
   * @return the new (N, out) output, in the graph when an input requires a gradient
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit
   */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias, String layer) {
    return linear(x, weight, bias, false, layer);
  }

  /**
   * max(0, x W^T + b) in one native call when no gradient will be recorded (inference): the GEMM
   * applies bias and ReLU to each block of its output as it finishes it, so there is no second
   * tensor, pass or crossing. With gradients on it is Linear then ReLU, recorded as usual.
   *
   * @param x the input (N, in), float32 or float64
   * @param weight (out, in), x's dtype and device
   * @param bias (out), or null
   * @param layer the layer named first in error messages
   * @return the new (N, out) output, in the graph when an input requires a gradient
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit
   */
  public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias, String layer) {
    boolean recording = GradMode.isEnabled()
        && (x.requiresGrad() || weight.requiresGrad() || (bias != null && bias.requiresGrad()));
    if (recording) return linear(x, weight, bias, false, layer).relu();
    return linear(x, weight, bias, true, layer);
  }

  private static Tensor linear(Tensor x, Tensor weight, Tensor bias, boolean relu, String layer) {
    if (Autocast.current() != null) return autocastLinear(x, weight, bias, relu, layer);
    return linearAsGiven(x, weight, bias, relu, layer);
  }

  // Under autocast: 16-bit GEMMs where they exist (HalfProducts), else the reference path, else (float64 operands)
  // the operands as they are.
  private static Tensor autocastLinear(Tensor x, Tensor weight, Tensor bias, boolean relu, String layer) {
    if (HalfProducts.appliesTo(x, weight, bias)) {
      checkAutocastOperands(layer, x, weight, bias);
      Tensor y = HalfProducts.linear(x, weight, bias, layer);
      return relu ? y.relu() : y;
    }
    if (Autocast.takesMixed(x, weight, bias)) {
      DType low = Autocast.current();
      Tensor rx = Autocast.rounded(x), rw = Autocast.rounded(weight), rb = Autocast.rounded(bias);
      try (Autocast.Scope off = Autocast.disable()) {
        return (relu ? linearRelu(rx, rw, rb, layer) : linear(rx, rw, rb, false, layer)).to(low);
      }
    }
    return linearAsGiven(x, weight, bias, relu, layer);
  }

  private static Tensor linearAsGiven(Tensor x, Tensor weight, Tensor bias, boolean relu, String layer) {
    checkOperands(layer, x, weight);
    if (x.dim(1) != weight.dim(1)) {
      throw new IllegalArgumentException(layer + ": expected input with " + weight.dim(1)
          + " features (shape [N, " + weight.dim(1) + "]), got " + x.describe());
    }
    Tensor.requireSameDevice(layer, x, weight, bias);
    long n = x.dim(0), out = weight.dim(0);
    if (bias != null && (bias.rank() != 1 || bias.dim(0) != out || bias.dtype() != x.dtype())) {
      throw new IllegalArgumentException(layer + ": bias must be " + x.dtype() + "[" + out + "], got " + bias.describe());
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), n, out);
    NativeErrors.check(JdnnNative.op_linear(x.h(), weight.h(), bias == null ? 0 : bias.h(), y.h(), relu));
    if (relu) return y;  // only reached when nothing is recorded
    Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
    return Autograd.record(layer, y, g -> {
      Tensor[] grads = new Tensor[inputs.length];
      if (x.requiresGrad()) grads[0] = matmul(g, weight, false, false);
      // A leaf bias without a gradient yet (the usual parameter after zeroGrad) takes db = the sum of
      // g's rows in the same native call as dW (one cuBLASLt call on CUDA); it is written, not added.
      boolean biasWithWeight = bias != null && bias.requiresGrad() && bias.gradFn == null && bias.grad == null
          && weight.requiresGrad() && weight.gradFn == null;
      if (weight.requiresGrad() && weight.gradFn == null) {
        // A leaf weight (the usual parameter) takes dW = g^T x straight into its .grad.
        if (biasWithWeight) {
          bias.accumulateGradInto((db, unusedBeta) -> weight.accumulateGradInto((dst, beta) ->
              NativeErrors.check(JdnnNative.op_linear_weight_grad(g.h(), x.h(), dst.h(), beta, db.h()))));
        } else {
          weight.accumulateGradInto((dst, beta) -> NativeErrors.check(JdnnNative.op_matmul(g.h(), x.h(), dst.h(), true, false, 1.0, beta)));
        }
      } else if (weight.requiresGrad()) {
        grads[1] = matmul(g, x, true, false);
      }
      if (bias != null && bias.requiresGrad() && !biasWithWeight) grads[2] = ReduceOps.sumTo(g, bias.shapeRef());
      return grads;
    }, inputs);
  }

  /**
   * Whether this CPU multiplies bf16 in hardware (AMX or AVX512-BF16). Without it the portable bf16
   * kernel, kept as a reference and for tests, is far slower than float32, so bf16 inference
   * stays float32 ({@code JDNN_BF16_KERNEL=generic} shows that fallback on any machine).
   *
   * @return true when the bf16 kernel chosen at run time is AMX or AVX512-BF16
   */
  public static boolean bf16Accelerated() {
    return !"generic".equals(JdnnNative.cpu_bf16_kernel());
  }

  /**
   * The float32 weight (out, in) converted to bfloat16 (round to nearest even) and packed for
   * {@link #linearBf16}; an int32 tensor the caller owns (it belongs to no scope).
   *
   * @param weight the float32 (out, in) weight; not changed
   * @return the packed copy, which the caller closes
   * @throws IllegalArgumentException when the weight is not a float32 matrix
   */
  public static Tensor packBf16(Tensor weight) {
    weight.requireDType("packBf16", DType.FLOAT32);
    if (weight.rank() != 2) throw new IllegalArgumentException("packBf16: expected a 2-D weight, got " + weight.describe());
    Tensor packed = Tensor.empty(DType.INT32, weight.device(), NativeErrors.count(JdnnNative.bf16_packed_numel(weight.dim(0), weight.dim(1))));
    packed.keep();
    NativeErrors.check(JdnnNative.op_bf16_pack_weight(weight.h(), packed.h()));
    return packed;
  }

  /**
   * Inference only: [max(0,] x W^T + b [)] with x rounded to bfloat16, W from {@link #packBf16},
   * products summed in float32 (AVX512-BF16 where the CPU has it, else portable code with the same
   * rounding). Records no gradient. x and the result are float32.
   *
   * @param x the float32 input (N, in)
   * @param packed a weight packed by {@link #packBf16}, on x's device
   * @param outFeatures the weight's out
   * @param bias the float32 (out) bias, or null
   * @param relu whether to apply max(0, .) to the output
   * @param layer the layer named first in error messages
   * @return the new float32 (N, outFeatures) output, outside the autograd graph
   * @throws IllegalArgumentException when x or the bias is not float32, x is not 2-D, or the
   *     devices differ
   */
  public static Tensor linearBf16(Tensor x, Tensor packed, long outFeatures, Tensor bias, boolean relu, String layer) {
    x.requireDType(layer, DType.FLOAT32);
    if (x.rank() != 2) throw new IllegalArgumentException(layer + ": expected a 2-D input, got " + x.describe());
    if (bias != null) bias.requireDType(layer, DType.FLOAT32);
    Tensor.requireSameDevice(layer, x, packed, bias);
    Tensor y = Tensor.empty(DType.FLOAT32, x.device(), x.dim(0), outFeatures);
    NativeErrors.check(JdnnNative.op_linear_bf16(x.h(), packed.h(), bias == null ? 0 : bias.h(), y.h(), relu));
    return y;
  }

  private static void checkOperands(String op, Tensor a, Tensor b) {
    a.requireFloat(op);
    b.requireFloat(op);
    if (a.rank() != 2 || b.rank() != 2) {
      throw new IllegalArgumentException(op + ": expected 2-D operands, got " + a.describe() + " and " + b.describe());
    }
    checkSameDtypeAndDevice(op, a, b);
  }

  // The shapes and devices of an autocast Linear, whose operands' dtypes may differ (float32 and bfloat16).
  private static void checkAutocastOperands(String layer, Tensor x, Tensor weight, Tensor bias) {
    if (x.rank() != 2 || weight.rank() != 2) {
      throw new IllegalArgumentException(layer + ": expected 2-D operands, got " + x.describe() + " and "
          + weight.describe());
    }
    if (x.dim(1) != weight.dim(1)) {
      throw new IllegalArgumentException(layer + ": expected input with " + weight.dim(1)
          + " features (shape [N, " + weight.dim(1) + "]), got " + x.describe());
    }
    Tensor.requireSameDevice(layer, x, weight, bias);
    if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
      throw new IllegalArgumentException(layer + ": bias must be [" + weight.dim(0) + "], got " + bias.describe());
    }
  }

  private static void checkSameDtypeAndDevice(String op, Tensor a, Tensor b) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " vs " + b.describe());
    }
    Tensor.requireSameDevice(op, a, b);
  }
}
