package org.jdnn.tensor;

/**
 * Unary element-wise ops, in the order of native/include/jdnn/ops.def's JDNN_UNARY_OPS: the
 * ordinal is the native code (NativeCodesTest checks names and order). Labels name the op in
 * messages.
 */
enum UnaryOp {
  NEG("neg"), EXP("exp"), LOG("log"), SQRT("sqrt"), ABS("abs"), SQUARE("square"), SCALE("mul(scalar)"),
  ADD_SCALAR("add(scalar)"), SIGMOID("sigmoid"), TANH("tanh"), RELU("relu"), LEAKY_RELU("leakyRelu"), ELU("elu"),
  SOFTPLUS("softplus"), HEAVISIDE("heaviside"), RECIPROCAL("reciprocal"), POW("pow"), SILU("silu");

  final int code = ordinal();
  final String label;

  UnaryOp(String label) {
    this.label = label;
  }
}
