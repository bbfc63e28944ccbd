package org.jdnn.tensor;

/**
 * Binary element-wise ops with broadcasting, in the order of native/include/jdnn/ops.def's
 * JDNN_BINARY_OPS: the ordinal is the native code (NativeCodesTest checks names and order).
 */
enum BinaryOp {
  ADD("add"), SUB("sub"), MUL("mul"), DIV("div"), POW("pow"),
  /** d(a^b)/da, for pow's backward. */
  POW_BASE_GRAD("pow backward (base)"),
  /** d(a^b)/db, for pow's backward. */
  POW_EXPONENT_GRAD("pow backward (exponent)");

  final int code = ordinal();
  final String label;

  BinaryOp(String label) {
    this.label = label;
  }
}
