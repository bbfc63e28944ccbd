package org.jdnn.nn;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.MSELoss;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** Each bad input throws a message naming the problem and the values; the next call still works. */
class BadInputTest {
  @Test
  void matmulWithMismatchedInnerDimensions() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.ones(2, 3), b = Tensor.ones(4, 5);
      assertMentions(assertThrows(IllegalArgumentException.class, () -> a.matmul(b)),
          "matmul", "inner dimensions", "[2, 3]", "[4, 5]", "3 vs 4");
      assertEquals(6.0, a.matmul(Tensor.ones(3, 1)).sum().item());
    }
  }

  @Test
  void linearWithTheWrongNumberOfFeatures() {
    try (Linear l = new Linear(784, 10); TensorScope s = new TensorScope()) {
      assertMentions(assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.ones(8, 100))),
          "Linear(784 -> 10)", "[N, 784]", "[8, 100]");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.ones(784))),
          "Linear(784 -> 10)", "[784]");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.ones(DType.FLOAT64, 2, 784))),
          "Linear(784 -> 10)", "float64");
      assertEquals(2, l.forward(Tensor.ones(2, 784)).dim(0));
    }
  }

  @Test
  void crossEntropyWithALabelOutOfRange() {
    CrossEntropyLoss ce = new CrossEntropyLoss();
    try (TensorScope s = new TensorScope()) {
      Tensor logits = Tensor.zeros(3, 10);
      assertMentions(assertThrows(IndexOutOfBoundsException.class, () -> ce.compute(logits, Tensor.ofInts(new int[] {1, 10, 2}))),
          "label 10", "index 1", "[0, 10)");
      assertMentions(assertThrows(IndexOutOfBoundsException.class, () -> ce.compute(logits, Tensor.ofLongs(new long[] {-1, 0, 2}))),
          "label -1", "index 0");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> ce.compute(logits, Tensor.ofInts(new int[] {1, 2}))),
          "3 labels", "int32[2]");
      assertEquals(Math.log(10), ce.compute(logits, Tensor.ofInts(new int[] {1, 9, 2})).item(), 1e-6);
    }
  }

  @Test
  void lossWithMismatchedShapes() {
    try (TensorScope s = new TensorScope()) {
      assertMentions(assertThrows(IllegalArgumentException.class, () -> new MSELoss().compute(Tensor.ones(4, 1), Tensor.ones(4))),
          "MSELoss", "[4, 1]", "[4]");
    }
  }

  @Test
  void broadcastFailureNamesBothShapes() {
    try (TensorScope s = new TensorScope()) {
      assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(Tensor.ones(4))),
          "add", "[2, 3]", "[4]");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(Tensor.ones(DType.FLOAT64, 4))),
          "add", "[2, 3]", "[4]");
    }
  }

  @Test
  void badTensorConstruction() {
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3)), "5 values", "[2, 3]");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1)), "negative");
    try (TensorScope s = new TensorScope()) {
      assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.ones(6).reshape(4, -1)), "reshape", "[4, -1]");
      assertMentions(assertThrows(IllegalArgumentException.class, () -> Tensor.ones(6).toDoubleArray()), "float64", "float32[6]");
    }
  }

  @Test
  void nativeErrorsBecomeExceptionsNotCrashes() {
    // Bypasses the Java checks to reach the native facade's own validation.
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.ones(2, 3);
      RuntimeException e = assertThrows(RuntimeException.class,
          () -> NativeCalls.check(org.jdnn.bridge.JdnnNative.tensor_write_f64(0, new double[1], 0, 1)));
      assertMentions(e, "null tensor handle");
      assertEquals(6.0, a.sum().item());
    }
  }
}
