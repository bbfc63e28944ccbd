package org.jdnn.tensor;

/**
 * Variance and standard deviation over dimensions, as torch.var / torch.std: the two-pass sum of
 * squared deviations from the mean (each sum accumulated in double), divided by max(0, N - correction).
 * Each is one recorded node whose forward closes its temporaries; the backward recomputes the mean.
 */
final class VarianceOps {
  private VarianceOps() {}

  /**
   * var (or std, its square root) of x over {@code dims}.
   *
   * @throws IllegalArgumentException when x is not float, a dimension is out of range or repeated, none is
   *     given, or the correction is negative
   */
  static Tensor apply(String op, Tensor x, int[] dims, int correction, boolean keepDim, boolean std) {
    x.requireFloatOrHalf(op);
    boolean[] reduced = ReduceOps.resolveDims(op, x, dims);
    if (correction < 0) {
      throw new IllegalArgumentException(op + ": correction must be >= 0, got " + correction
          + "; use 1 for the unbiased estimate (PyTorch's default) or 0 for the population's");
    }
    long n = ReduceOps.reducedCount(x.shapeRef(), reduced);
    // N - correction <= 0 divides by 0, giving inf or NaN as PyTorch does
    double inverse = 1.0 / Math.max(0, n - correction);
    Tensor y;
    try (GradMode.Guard off = GradMode.disable(); TensorScope temps = new TensorScope()) {
      Tensor wide = x.dtype().isHalf() ? x.to(DType.FLOAT32) : x;
      Tensor d = wide.sub(ReduceOps.sumDims(op, wide, reduced, true, 1.0 / n));
      y = ReduceOps.sumDims(op, d.square(), reduced, keepDim, inverse);
      if (std) y = y.sqrt();
      if (y.dtype() != x.dtype()) y = y.to(x.dtype());
      temps.escape(y);
    }
    return Autograd.record(op, y, g -> new Tensor[] {backward(op, x, g, reduced, n, inverse, std)}, x);
  }

  // d var / dx = 2 (x - mean) / (N - correction); d std / d var = 1 / (2 std), taken as 0 where std is 0
  // (PyTorch's std_backward masks it so: every x equal gives a zero gradient, not NaN). The statistics are
  // recomputed from x, so the backward does not depend on the result staying open.
  private static Tensor backward(String op, Tensor x, Tensor g, boolean[] reduced, long n, double inverse,
      boolean std) {
    DType dt = x.dtype();
    boolean half = dt.isHalf();
    Tensor xw = half ? x.to(DType.FLOAT32) : x;
    Tensor gw = (half ? g.to(DType.FLOAT32) : g).reshape(ReduceOps.reducedShape(x.shapeRef(), reduced, true));
    Tensor d = xw.sub(ReduceOps.sumDims(op, xw, reduced, true, 1.0 / n));
    if (std) {
      Tensor s = ReduceOps.sumDims(op, d.square(), reduced, true, inverse).sqrt();
      Tensor nonzero = s.ne(0).to(gw.dtype());
      // 1 where s is 0, so the quotient is finite there; the mask then zeroes it
      Tensor safe = s.add(nonzero.neg().add(1));
      gw = gw.mul(nonzero).div(safe).mul(0.5);
    }
    Tensor dx = d.mul(gw).mul(2 * inverse);
    return half ? dx.to(dt) : dx;
  }
}
