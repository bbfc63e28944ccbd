package org.jdnn.tensor;

/**
 * Comparisons and logical ops giving uint8 0/1 tensors, in the order of
 * native/include/jdnn/ops.def's JDNN_COMPARE_OPS: the ordinal is the native code (NativeCodesTest
 * checks names and order). Labels name the op in messages.
 */
enum CompareOp {
  EQ("eq"), NE("ne"), LT("lt"), LE("le"), GT("gt"), GE("ge"), AND("logicalAnd"), OR("logicalOr");

  final int code = ordinal();
  final String label;

  CompareOp(String label) {
    this.label = label;
  }
}
