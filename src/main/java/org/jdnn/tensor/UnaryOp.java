package org.jdnn.tensor;

/** Native unary op codes (native/include/jdnn/jdnn.h UnaryOpCode), with names for messages. */
enum UnaryOp {
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
}
