package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** ConcatOps.concat and NarrowOps.narrow: values, gradients, bad input. */
class ConcatOpsTest {

  /** Direct concatenation of row-major arrays along dim of the given shapes. */
  static double[] concatRef(int dim, double[][] parts, long[][] shapes) {
    long outer = 1, inner = 1;
    for (int i = 0; i < dim; i++) outer *= shapes[0][i];
    for (int i = dim + 1; i < shapes[0].length; i++) inner *= shapes[0][i];
    int total = 0;
    for (double[] p : parts) total += p.length;
    double[] out = new double[total];
    int k = 0;
    for (long o = 0; o < outer; o++) {
      for (int t = 0; t < parts.length; t++) {
        long run = shapes[t][dim] * inner;
        for (long j = 0; j < run; j++) out[k++] = parts[t][(int) (o * run + j)];
      }
    }
    return out;
  }

  @Test
  void concatMatchesDirectCopiesAlongEveryDimension() {
    Random r = new Random(1);
    for (int dim = 0; dim < 3; dim++) {
      long[][] shapes = {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}};
      int[] sizes = {1, 2, 3};
      for (int t = 0; t < 3; t++) shapes[t][dim] = sizes[t];
      try (TensorScope s = new TensorScope()) {
        double[][] parts = new double[3][];
        Tensor[] ts = new Tensor[3];
        for (int t = 0; t < 3; t++) {
          int n = 1;
          for (long d : shapes[t]) n *= (int) d;
          parts[t] = uniform(r, n, -1, 1);
          ts[t] = Tensor.of(parts[t], shapes[t]);
        }
        Tensor y = ConcatOps.concat(dim, "Concat(dim " + dim + ")", ts);
        long[] expectedShape = {2, 3, 4};
        expectedShape[dim] = 6;
        assertArrayEquals(expectedShape, y.shape());
        assertArrayEquals(concatRef(dim, parts, shapes), y.toDoubleArray(), 0.0, "dim " + dim);
        // a negative dim counts from the end
        Tensor z = ConcatOps.concat(dim - 3, "Concat", ts);
        assertArrayEquals(y.toDoubleArray(), z.toDoubleArray(), 0.0, "dim " + (dim - 3));
      }
    }
  }

  @Test
  void concatOfChannelsLikeAnInceptionBlock() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
      Tensor b = Tensor.of(new float[] {5, 6, 7, 8, 9, 10, 11, 12}, 1, 2, 2, 2);
      Tensor y = ConcatOps.concat(1, "Concat(channels)", a, b);
      assertArrayEquals(new long[] {1, 3, 2, 2}, y.shape());
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, y.toFloatArray(), 0f);
      // integer tensors concatenate too (no gradient)
      Tensor i = ConcatOps.concat(0, "Concat", Tensor.ofInts(new int[] {1, 2}), Tensor.ofInts(new int[] {3}));
      assertArrayEquals(new int[] {1, 2, 3}, i.toIntArray());
    }
  }

  @Test
  void concatGradientsAreTheSlices() {
    Random r = new Random(2);
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(uniform(r, 2 * 2 * 3, -1, 1), 2, 2, 3);
      Tensor b = Tensor.of(uniform(r, 2 * 1 * 3, -1, 1), 2, 1, 3);
      Tensor c = Tensor.of(uniform(r, 2 * 3 * 3, -1, 1), 2, 3, 3);
      GradCheck.check(in -> ConcatOps.concat(1, "Concat", in), a, b, c).assertWithin(1e-6, 1e-5);
      // explicitly: gradient [1..] sliced back; b does not require a gradient
      Tensor a2 = Tensor.of(new double[] {1, 2}, 1, 2).requiresGrad(true);
      Tensor b2 = Tensor.of(new double[] {3}, 1, 1);
      Tensor c2 = Tensor.of(new double[] {4, 5, 6}, 1, 3).requiresGrad(true);
      ConcatOps.concat(-1, "Concat", a2, b2, c2).backward(Tensor.of(new double[] {10, 20, 30, 40, 50, 60}, 1, 6));
      assertArrayEquals(new double[] {10, 20}, a2.grad().toDoubleArray(), 0.0);
      assertNull(b2.grad());
      assertArrayEquals(new double[] {40, 50, 60}, c2.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void theSameTensorTwiceReceivesBothGradients() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
      ConcatOps.concat(0, "Concat", a, a).backward(Tensor.of(new double[] {1, 2, 3, 10, 20, 30}, 6));
      assertArrayEquals(new double[] {11, 22, 33}, a.grad().toDoubleArray(), 0.0);
    }
  }

  @Test
  void narrowCopiesTheSliceAndScattersTheGradient() {
    try (TensorScope s = new TensorScope()) {
      double[] v = new double[24];
      for (int i = 0; i < 24; i++) v[i] = i;
      Tensor x = Tensor.of(v, 2, 3, 4).requiresGrad(true);
      Tensor y = NarrowOps.narrow(x, 2, 1, 2);
      assertArrayEquals(new long[] {2, 3, 2}, y.shape());
      assertArrayEquals(new double[] {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}, y.toDoubleArray(), 0.0);
      Tensor mid = NarrowOps.narrow(x, -2, 1, 1);
      assertArrayEquals(new double[] {4, 5, 6, 7, 16, 17, 18, 19}, mid.toDoubleArray(), 0.0);
      y.sum().backward();
      double[] expected = new double[24];
      for (int i = 0; i < 24; i++) expected[i] = (i % 4 == 1 || i % 4 == 2) ? 1 : 0;
      assertArrayEquals(expected, x.grad().toDoubleArray(), 0.0);
      // a copy: writing into it leaves x alone
      MemoryOps.fill(y, -1);
      assertEquals(1.0, x.getDouble(1), 0.0);
      // empty slices are allowed
      assertArrayEquals(new long[] {2, 0, 4}, NarrowOps.narrow(x, 1, 3, 0).shape());
      Tensor x2 = Tensor.of(uniform(new Random(3), 30, -1, 1), 5, 6);
      GradCheck.check(in -> NarrowOps.narrow(in[0], 1, 2, 3), x2).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void badInputNamesTheOffendingTensorAndShapes() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(2, 3, 4), b = Tensor.zeros(2, 5, 4), c = Tensor.zeros(2, 3, 5);
      assertMessage(() -> ConcatOps.concat(1, "Concat(branches)", a, b, c), "Concat(branches)", "tensor 2",
          "[2, 3, 5]", "[2, *, 4]", "tensor 0", "[2, 3, 4]");
      assertMessage(() -> ConcatOps.concat(1, "Concat", a, Tensor.zeros(2, 3)), "Concat", "tensor 1", "[2, 3]");
      assertMessage(() -> ConcatOps.concat(1, "Concat", a, Tensor.zeros(DType.FLOAT64, 2, 3, 4)), "Concat", "tensor 1",
          "float64", "float32");
      assertMessage(() -> ConcatOps.concat(3, "Concat", a, b), "Concat", "dimension 3", "rank 3");
      assertMessage(() -> ConcatOps.concat(0, "Concat"), "Concat", "at least one tensor");
      assertMessage(() -> NarrowOps.narrow(a, 1, 2, 2), "narrow", "[2, 2 + 2)", "[0, 3)", "[2, 3, 4]");
      assertMessage(() -> NarrowOps.narrow(a, 3, 0, 1), "narrow", "dimension 3");
      assertMessage(() -> NarrowOps.narrow(a, 0, -1, 1), "narrow", "[-1");
    }
  }
}
