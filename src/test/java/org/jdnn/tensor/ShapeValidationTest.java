package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertMentions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.Test;

/** Shapes whose element count no int64 holds are refused with a message naming the op and the shape. */
class ShapeValidationTest {
  static final long BIG = 1L << 32;

  @Test
  void factoriesNameTheOpAndTheShape() {
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.empty(DType.FLOAT32, BIG, BIG, 2)),
        "Tensor.empty", "[4294967296, 4294967296, 2]");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(BIG, BIG)),
        "Tensor.zeros", "[4294967296, 4294967296]");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.ones(DType.FLOAT64, 1L << 41)),
        "Tensor.ones", "[2199023255552]", "2^40");
    // 2^32 * 2^32 wraps around to 0 in int64, which would match no values
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], BIG, BIG)),
        "0 values", "[4294967296, 4294967296]", "int64");
  }

  @Test
  void reshapeNamesTheTargetShape() {
    try (TensorScope s = new TensorScope()) {
      Tensor empty = Tensor.zeros(0);
      // the product wraps around to 0 in int64, which would match the 0 elements
      assertMentions(assertThrows(IllegalArgumentException.class, () -> empty.reshape(BIG, BIG, 4)),
          "reshape", "[4294967296, 4294967296, 4]");
      assertArrayEquals(new long[] {BIG, 0}, empty.reshape(BIG, 0).shape(), "a zero dimension makes any shape empty");
    }
  }

  @Test
  void theNativeCheckNamesTheShapeToo() {
    RuntimeException e = assertThrows(IllegalArgumentException.class, () -> NativeErrors.handle(
        JdnnNative.tensor_new(DType.FLOAT32.code, Device.cpu().code, new long[] {BIG, BIG, 3}, 3)));
    assertMentions(e, "[4294967296, 4294967296, 3]");
  }
}
