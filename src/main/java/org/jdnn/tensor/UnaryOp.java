package org.jdnn.tensor;

/**
 * Unary element-wise ops, in the order of native/include/jdnn/ops.def's JDNN_UNARY_OPS: the
 * ordinal is the native code (NativeCodesTest checks names and order). Labels name the op in
 * messages. Public so that a layer can hold one as a value (nn.Activation); {@link #apply} runs it
 * as the Tensor methods do.
 */
public enum UnaryOp {
  NEG("neg"), EXP("exp"), LOG("log"), SQRT("sqrt"), ABS("abs"), SQUARE("square"), SCALE("mul(scalar)"),
  ADD_SCALAR("add(scalar)"), SIGMOID("sigmoid"), TANH("tanh"), RELU("relu"), LEAKY_RELU("leakyRelu"), ELU("elu"),
  SOFTPLUS("softplus"), HEAVISIDE("heaviside"), RECIPROCAL("reciprocal"), POW("pow"), SILU("silu");

  final int code = ordinal();
  final String label;

  UnaryOp(String label) {
    this.label = label;
  }

  /**
   * Applies the op element-wise, recorded for autograd like the Tensor method of the same name. The
   * scalars are the op's settings in the order its Tensor method takes them (leakyRelu's slope, elu's
   * alpha, softplus's beta and threshold, heaviside's value at 0); ops without settings ignore them.
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
