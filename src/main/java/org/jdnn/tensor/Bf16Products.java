package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Autocast's Linear in bfloat16 on a CUDA device (cublasGemmEx with bf16 inputs and float32 compute) or a CPU with
 * bf16 arithmetic (AMX or AVX512-BF16): the forward product and both backward products through {@code op_matmul_bf16} (operands rounded to bf16 as the kernel reads them, float32 sums),
 * with the reference path's semantics: the output rounded to bfloat16 once (bias added before), the input gradient
 * rounded to bfloat16 (and widened when the input was float32, as the cast the reference path records gives it), the
 * weight and bias gradients rounded to bfloat16 and widened to the float32 parameters' type. Only the order of the
 * float32 sums differs from the reference path ({@link Autocast}), which {@code AutocastKernelsTest} checks.
 */
final class Bf16Products {
  private Bf16Products() {}

  /** Tests compare the kernels with the reference path by turning them off. */
  static volatile boolean enabled = true;

  /**
   * Whether a Linear with these operands takes this path: bfloat16 autocast, a float32 weight, and a CUDA device
   * (cuBLAS's bf16 GEMM on tensor cores) or a CPU with bf16 arithmetic.
   */
  static boolean appliesTo(Tensor x, Tensor weight, Tensor bias) {
    return enabled && weight.dtype() == DType.FLOAT32 && Autocast.current() == DType.BFLOAT16
        && (bias == null || bias.dtype() == DType.FLOAT32)
        && (x.dtype() == DType.FLOAT32 || x.dtype() == DType.BFLOAT16)
        && (x.device().isCuda() || (x.device() == Device.cpu() && Linalg.bf16Accelerated()));
  }

  /** y = x W^T + b in bfloat16 (checked by the caller: shapes, devices). */
  static Tensor linear(Tensor x, Tensor weight, Tensor bias, String layer) {
    Tensor xf = x.dtype() == DType.FLOAT32 ? x : cast(x, DType.FLOAT32);
    Tensor roundedBias = bias == null ? null : cast(cast(bias, DType.BFLOAT16), DType.FLOAT32);
    Tensor y;
    try {
      y = roundTo(product(xf, weight, roundedBias, false, true, x.dim(0), weight.dim(0)), DType.BFLOAT16);
    } finally {
      if (roundedBias != null) roundedBias.close();
    }
    DType xType = x.dtype();
    Tensor[] saved = xf == x ? new Tensor[0] : new Tensor[] {xf};
    Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
    return Autograd.recordSaving(layer, y, saved, g -> {
      Tensor g32 = cast(g, DType.FLOAT32);
      Tensor dx = null, dw = null, db = null;
      if (x.requiresGrad()) {  // dX = g W, rounded to bfloat16, in the input's type
        Tensor dx32 = product(g32, weight, null, false, false, x.dim(0), weight.dim(1));
        dx = roundTo(dx32, xType);
      }
      if (weight.requiresGrad()) {  // dW = g^T x, rounded to bfloat16, widened to the weight's float32
        Tensor dw32 = product(g32, xf, null, true, false, weight.dim(0), weight.dim(1));
        dw = roundTo(dw32, DType.FLOAT32);
      }
      if (bias != null && bias.requiresGrad()) db = cast(g.sumTo(bias.shapeRef()), DType.FLOAT32);
      g32.close();
      return bias == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    }, inputs);
  }

  /** c (m, n) = op(a) op(b) + bias (or nothing), float32, the operands rounded to bf16 by the op. */
  private static Tensor product(Tensor a, Tensor b, Tensor bias, boolean ta, boolean tb, long m, long n) {
    Tensor c = Tensor.empty(DType.FLOAT32, a.device(), m, n);
    NativeErrors.check(JdnnNative.op_matmul_bf16(a.h(), b.h(), bias == null ? 0 : bias.h(), c.h(), ta, tb));
    return c;
  }

  /** t32 rounded to bfloat16, then in {@code type} (bfloat16, or float32 holding the rounded values); t32 closed. */
  private static Tensor roundTo(Tensor t32, DType type) {
    Tensor low = cast(t32, DType.BFLOAT16);
    t32.close();
    if (type == DType.BFLOAT16) return low;
    Tensor wide = cast(low, type);
    low.close();
    return wide;
  }

  private static Tensor cast(Tensor t, DType type) {
    return t.convertedCopy(type);
  }
}
