package org.jdnn.tensor;

/**
 * Native unary op codes (native/include/jdnn/jdnn.h UnaryOpCode), with names for messages. Public so that
 * a layer can hold one as a value (nn.Activation); {@link #apply} runs it as the Tensor methods do.
 */
public enum UnaryOp {
  NEG(0, "neg"), EXP(1, "exp"), LOG(2, "log"), SQRT(3, "sqrt"), ABS(4, "abs"), SQUARE(5, "square"),
  SCALE(6, "mul(scalar)"), ADD_SCALAR(7, "add(scalar)"), SIGMOID(8, "sigmoid"), TANH(9, "tanh"),
  RELU(10, "relu"), LEAKY_RELU(11, "leakyRelu"), ELU(12, "elu"), SOFTPLUS(13, "softplus"),
  HEAVISIDE(14, "heaviside"), RECIPROCAL(15, "reciprocal"), POW(16, "pow");

  final int code;
  final String label;

  UnaryOp(int code, String label) {
    this.code = code;
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
