package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Autocast's Linear, matmul and bmm on 16-bit GEMMs: bfloat16 on a CUDA device (cublasGemmEx with bf16 inputs and float32 compute) or
 * a CPU with bf16 arithmetic (AMX or AVX512-BF16), float16 on a CUDA device (the same with float16 inputs; CPUs have
 * no float16 GEMM, so float16 autocast takes the reference path there). The forward product and both backward
 * products go through {@code op_matmul_half} (operands rounded to the autocast type as the kernel reads them, float32
 * sums), with the reference path's semantics: the output rounded to the autocast type once (bias added before), the
 * input gradient rounded to it (and widened when the input was float32, as the cast the reference path records gives
 * it), the weight and bias gradients rounded to it and widened to the float32 parameters' type. Only the order of the
 * float32 sums differs from the reference path ({@link Autocast}), which {@code AutocastKernelsTest} checks.
 * Convolutions follow the same devices ({@link #appliesToConv}); {@code ConvOps} runs them.
 */
final class HalfProducts {
  private HalfProducts() {}

  /** Tests compare the kernels with the reference path by turning them off. */
  static volatile boolean enabled = true;

  /**
   * Whether a Linear with these operands takes this path: bfloat16 or float16 autocast, a float32 weight, an input
   * in float32 or the autocast type, and a device with a GEMM in that type.
   */
  static boolean appliesTo(Tensor x, Tensor weight, Tensor bias) {
    DType low = Autocast.current();
    if (!enabled || low == null || weight.dtype() != DType.FLOAT32 || (bias != null && bias.dtype() != DType.FLOAT32)
        || (x.dtype() != DType.FLOAT32 && x.dtype() != low)) {
      return false;
    }
    return hasGemm(x.device(), low);
  }

  /**
   * Whether a matmul with these operands takes this path: as {@link #appliesTo(Tensor, Tensor, Tensor)}, both
   * operands 2-D in float32 or the autocast type.
   */
  static boolean appliesToMatmul(Tensor a, Tensor b) {
    return appliesToProduct(a, b, 2);
  }

  /** As {@link #appliesToMatmul}, for bmm's 3-D operands. */
  static boolean appliesToBmm(Tensor a, Tensor b) {
    return appliesToProduct(a, b, 3);
  }

  private static boolean appliesToProduct(Tensor a, Tensor b, int rank) {
    DType low = Autocast.current();
    if (!enabled || low == null || a.rank() != rank || b.rank() != rank || a.device() != b.device()) return false;
    for (Tensor t : new Tensor[] {a, b}) if (t.dtype() != DType.FLOAT32 && t.dtype() != low) return false;
    return hasGemm(a.device(), low);
  }

  /**
   * Tests route the CPU's bfloat16 convolutions through the bf16 GEMMs on a CPU whose kernel is the generic one too
   * (only an AMX or AVX512-BF16 CPU does so otherwise: elsewhere the float32 reference path is the faster one).
   */
  static volatile boolean cpuConvWithGenericKernel = false;

  /**
   * Whether a convolution with these operands runs in the autocast type ({@code ConvOps}): on cuDNN on a CUDA
   * device, through the bf16 GEMMs on a CPU with them (bfloat16 autocast, as for {@link #appliesTo}); operands in
   * float32 or the autocast type, and a weight that is 4-D (the op's own checks name anything else).
   */
  static boolean appliesToConv(Tensor x, Tensor w, Tensor bias) {
    DType low = Autocast.current();
    if (!enabled || low == null || w.device() != x.device() || w.rank() != 4) return false;
    boolean cpuGemm = low == DType.BFLOAT16 && x.device() == Device.cpu()
        && (cpuConvWithGenericKernel || Linalg.bf16Accelerated());
    if (!x.device().isCuda() && !cpuGemm) return false;
    for (Tensor t : new Tensor[] {x, w, bias}) {
      if (t != null && t.dtype() != DType.FLOAT32 && t.dtype() != low) return false;
    }
    return bias == null || bias.device() == x.device();
  }

  // bfloat16 GEMMs: CUDA, and CPUs with AMX or AVX512-BF16; float16 GEMMs: CUDA only.
  private static boolean hasGemm(Device device, DType low) {
    return device.isCuda() || (low == DType.BFLOAT16 && device == Device.cpu() && Linalg.bf16Accelerated());
  }

  /** y = x W^T + b in the autocast type (checked by the caller: shapes, devices, {@link #appliesTo}). */
  static Tensor linear(Tensor x, Tensor weight, Tensor bias, String layer) {
    DType low = Autocast.current();
    Tensor xf = x.dtype() == DType.FLOAT32 ? x : cast(x, DType.FLOAT32);
    Tensor roundedBias = bias == null ? null : roundTo(cast(bias, DType.FLOAT32), low, DType.FLOAT32);
    Tensor y;
    try {
      y = roundTo(product(xf, weight, roundedBias, false, true, x.dim(0), weight.dim(0), low), low, low);
    } finally {
      if (roundedBias != null) roundedBias.close();
    }
    DType xType = x.dtype();
    Tensor[] saved = xf == x ? new Tensor[0] : new Tensor[] {xf};
    Tensor[] inputs = bias == null ? new Tensor[] {x, weight} : new Tensor[] {x, weight, bias};
    return Autograd.recordSaving(layer, y, saved, g -> {
      Tensor g32 = cast(g, DType.FLOAT32);
      Tensor dx = null, dw = null, db = null;
      if (x.requiresGrad()) {  // dX = g W, rounded to the autocast type, in the input's type
        Tensor dx32 = product(g32, weight, null, false, false, x.dim(0), weight.dim(1), low);
        dx = roundTo(dx32, low, xType);
      }
      if (weight.requiresGrad()) {  // dW = g^T x, rounded to the autocast type, widened to the weight's float32
        Tensor dw32 = product(g32, xf, null, true, false, weight.dim(0), weight.dim(1), low);
        dw = roundTo(dw32, low, DType.FLOAT32);
      }
      if (bias != null && bias.requiresGrad()) {
        try (Tensor summed = g.sumTo(bias.shapeRef())) {
          db = cast(summed, DType.FLOAT32);
        }
      }
      g32.close();
      return bias == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, db};
    }, inputs);
  }

  /**
   * c = op(a) op(b) in the autocast type (checked by the caller: {@link #appliesToMatmul}, shapes), recorded: each
   * operand's gradient rounded to the autocast type and given in the operand's type, as the reference path's casts
   * give it.
   */
  static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
    return batchedOrNot("matmul", a, b, ta, tb);
  }

  /** bmm's c[i] = op(a[i]) op(b[i]) in the autocast type; as {@link #matmul}, per batch entry. */
  static Tensor bmm(Tensor a, Tensor b, boolean ta, boolean tb) {
    return batchedOrNot("bmm", a, b, ta, tb);
  }

  // matmul (2-D operands) or bmm (3-D, the batch leading), recorded with the backward of Linalg's ops.
  private static Tensor batchedOrNot(String op, Tensor a, Tensor b, boolean ta, boolean tb) {
    DType low = Autocast.current();
    int r = a.rank();
    long batch = r == 3 ? a.dim(0) : 0;
    Tensor af = a.dtype() == DType.FLOAT32 ? a : cast(a, DType.FLOAT32);
    Tensor bf = b.dtype() == DType.FLOAT32 ? b : cast(b, DType.FLOAT32);
    long m = ta ? a.dim(r - 1) : a.dim(r - 2), k = ta ? a.dim(r - 2) : a.dim(r - 1);
    long n = tb ? b.dim(r - 2) : b.dim(r - 1);
    Tensor c = roundTo(product(af, bf, ta, tb, batch, m, n, low), low, low);
    Tensor[] saved = af == a ? (bf == b ? new Tensor[0] : new Tensor[] {bf})
        : (bf == b ? new Tensor[] {af} : new Tensor[] {af, bf});
    return Autograd.recordSaving(op, c, saved, g -> {
      Tensor g32 = cast(g, DType.FLOAT32);
      Tensor da = null, db = null;
      if (a.requiresGrad()) {  // dA = g op(B)^T, transposed back when A was: as Linalg.matmul's backward
        da = roundTo(ta ? product(bf, g32, tb, true, batch, k, m, low) : product(g32, bf, false, !tb, batch, m, k, low),
            low, a.dtype());
      }
      if (b.requiresGrad()) {  // dB = op(A)^T g, transposed back when B was
        db = roundTo(tb ? product(g32, af, true, ta, batch, n, k, low) : product(af, g32, !ta, false, batch, k, n, low),
            low, b.dtype());
      }
      g32.close();
      return new Tensor[] {da, db};
    }, a, b);
  }

  /** c = op(a) op(b), float32, (batch, m, n) when batch > 0 else (m, n); the operands rounded to low by the op. */
  private static Tensor product(Tensor a, Tensor b, boolean ta, boolean tb, long batch, long m, long n, DType low) {
    Tensor c = batch > 0 ? Tensor.empty(DType.FLOAT32, a.device(), batch, m, n) : Tensor.empty(DType.FLOAT32, a.device(), m, n);
    NativeErrors.check(JdnnNative.op_matmul_half(a.h(), b.h(), 0, c.h(), ta, tb, low.code));
    return c;
  }

  /** c (m, n) = op(a) op(b) + bias (or nothing), float32, the operands rounded to {@code low} by the op. */
  private static Tensor product(Tensor a, Tensor b, Tensor bias, boolean ta, boolean tb, long m, long n, DType low) {
    Tensor c = Tensor.empty(DType.FLOAT32, a.device(), m, n);
    NativeErrors.check(JdnnNative.op_matmul_half(a.h(), b.h(), bias == null ? 0 : bias.h(), c.h(), ta, tb, low.code));
    return c;
  }

  /** t32 rounded to {@code low}, then in {@code type} (low, or float32 holding the rounded values); t32 closed. */
  private static Tensor roundTo(Tensor t32, DType low, DType type) {
    Tensor rounded = cast(t32, low);
    t32.close();
    if (type == low) return rounded;
    Tensor wide = cast(rounded, type);
    rounded.close();
    return wide;
  }

  private static Tensor cast(Tensor t, DType type) {
    return t.convertedCopy(type);
  }
}
