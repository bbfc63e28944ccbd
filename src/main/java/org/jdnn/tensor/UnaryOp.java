package org.jdnn.tensor;

/**
 * Unary element-wise ops, in the order of native/include/jdnn/ops.def's JDNN_UNARY_OPS: the
 * ordinal is the native code (NativeCodesTest checks names and order). Labels name the op in
 * messages. Public so that a layer can hold one as a value (nn.Activation); {@link #apply} runs it
 * as the Tensor methods do.
 */
public enum UnaryOp {
  /** -x. */
  NEG("neg"),
  /** e^x. */
  EXP("exp"),
  /** Natural logarithm. */
  LOG("log"),
  /** Square root. */
  SQRT("sqrt"),
  /** |x|. */
  ABS("abs"),
  /** x^2. */
  SQUARE("square"),
  /** alpha x. */
  SCALE("mul(scalar)"),
  /** x + alpha. */
  ADD_SCALAR("add(scalar)"),
  /** 1 / (1 + e^-x). */
  SIGMOID("sigmoid"),
  /** Hyperbolic tangent. */
  TANH("tanh"),
  /** max(0, x); NaN stays NaN. */
  RELU("relu"),
  /** x for x &gt; 0, alpha x otherwise. */
  LEAKY_RELU("leakyRelu"),
  /** x for x &gt; 0, alpha (e^x - 1) otherwise. */
  ELU("elu"),
  /** log(1 + e^(alpha x)) / alpha, x itself where alpha x &gt; alpha2 (beta and threshold). */
  SOFTPLUS("softplus"),
  /** 1 for x &gt; 0, alpha at 0, 0 below and for NaN; no derivative. */
  HEAVISIDE("heaviside"),
  /** 1 / x. */
  RECIPROCAL("reciprocal"),
  /** x^alpha. */
  POW("pow"),
  /** x sigmoid(x) (SiLU, also called swish). */
  SILU("silu"),
  /** GELU: x Phi(x) with the exact normal CDF (alpha 0) or its tanh approximation (alpha 1). */
  GELU("gelu"),
  /** 1 / sqrt(x). */
  RSQRT("rsqrt"),
  /** x limited to [alpha, alpha2] (min and max; NaN stays NaN). */
  CLAMP("clamp");

  final int code = ordinal();
  final String label;

  UnaryOp(String label) {
    this.label = label;
  }

  /**
   * Applies the op element-wise, recorded for autograd like the Tensor method of the same name. The
   * scalars are the op's settings in the order its Tensor method takes them (leakyRelu's slope, elu's
   * alpha, softplus's beta and threshold, heaviside's value at 0, gelu's 0 (exact) or 1 (tanh), clamp's
   * min and max); ops without settings ignore them.
   * The caller validates the settings (the Tensor methods and nn's activation layers do).
   *
   * @param x a floating-point tensor
   * @param alpha the op's first setting, or 0
   * @param alpha2 the op's second setting, or 0
   * @return a new tensor of x's shape, dtype and device
   */
  public Tensor apply(Tensor x, double alpha, double alpha2) {
    return ElementwiseOps.unary(this, x, alpha, alpha2);
  }
}
