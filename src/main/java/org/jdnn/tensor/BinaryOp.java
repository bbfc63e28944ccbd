package org.jdnn.tensor;

/**
 * Binary element-wise ops with broadcasting, in the order of native/include/jdnn/ops.def's
 * JDNN_BINARY_OPS: the ordinal is the native code (NativeCodesTest checks names and order).
 */
enum BinaryOp {
  ADD("add"), SUB("sub"), MUL("mul"), DIV("div");

  final int code = ordinal();
  final String label;

  BinaryOp(String label) {
    this.label = label;
  }
}
