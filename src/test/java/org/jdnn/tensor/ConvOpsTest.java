package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.assertDeviceDataError;
import static org.jdnn.testing.OpTestSupport.assertNativeError;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.jdnn.testing.ConvCase;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Convolution beyond the op database's rows (ConvRows: forward against direct loops, gradients and
 * refusals over strides, paddings, dilations, groups): the identity kernel exactly, float32 against
 * float64 backward, exact gradients, the native layer's own checks.
 */
@EveryDevice
class ConvOpsTest {
  /** Stride 1 and one zero on every side: a 3x3 kernel keeps the input size. */
  static final Conv2dGeometry PADDING_1 = new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1);

  // ---- forward ----------------------------------------------------------------------------------------

  @Test
  void identityKernelCopiesTheInput() {
    // A 3x3 kernel with a single 1 in the centre and padding 1 reproduces x exactly.
    try (TensorScope s = new TensorScope()) {
      double[] x = uniform(new Random(5), 2 * 7 * 5, -3, 3);
      double[] w = new double[9];
      w[4] = 1;
      Tensor y = ConvOps.conv2d(Tensor.of(x, 2, 1, 7, 5), Tensor.of(w, 1, 1, 3, 3), null, PADDING_1,
          "Conv2d(identity)");
      assertArrayEquals(x, y.toDoubleArray(), 0.0);
    }
  }

  // ---- backward ---------------------------------------------------------------------------------------

  @Test
  void float32GradientsAgreeWithFloat64() {
    // The float32 backward (sgemm path) against the float64 one on the same values, on both the
    // batch-parallel (n = 6) and the serial (n = 1) path.
    for (int batch : new int[] {1, 6}) {
      ConvCase k = new ConvCase("f32 grads", batch, 6, 9, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true);
      Random r = new Random(23 + batch);
      double[] x = representable(uniform(r, k.n * k.c * k.h * k.w, -1, 1), DType.FLOAT32);
      double[] w = representable(uniform(r, k.wsize(), -1, 1), DType.FLOAT32);
      double[] b = representable(uniform(r, k.cout, -1, 1), DType.FLOAT32);
      double[] g = representable(uniform(r, k.n * k.cout * k.oh() * k.ow(), -1, 1), DType.FLOAT32);
      double[][] grads = new double[2][];
      double[][] wgrads = new double[2][];
      double[][] bgrads = new double[2][];
      for (int t = 0; t < 2; t++) {
        DType dt = FLOATS[t];
        try (TensorScope s = new TensorScope()) {
          Tensor xt = make(x, dt, k.n, k.c, k.h, k.w).requiresGrad(true);
          Tensor wt = make(w, dt, k.cout, k.c / k.groups, 3, 3).requiresGrad(true);
          Tensor bt = make(b, dt, k.cout).requiresGrad(true);
          k.run(xt, wt, bt).backward(make(g, dt, k.n, k.cout, k.oh(), k.ow()));
          grads[t] = values(xt.grad());
          wgrads[t] = values(wt.grad());
          bgrads[t] = values(bt.grad());
        }
      }
      assertClose(grads[1], grads[0], 1e-5, 1e-4, "dx batch " + batch);
      assertClose(wgrads[1], wgrads[0], 1e-4, 1e-4, "dw batch " + batch);
      assertClose(bgrads[1], bgrads[0], 1e-4, 1e-4, "dbias batch " + batch);
    }
  }

  @Test
  void gradientsGoOnlyToInputsThatRequireThem() {
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(3);
      Tensor x = Tensor.of(uniform(r, 2 * 2 * 4 * 4, -1, 1), 2, 2, 4, 4);
      Tensor w = Tensor.of(uniform(r, 3 * 2 * 3 * 3, -1, 1), 3, 2, 3, 3).requiresGrad(true);
      Tensor b = Tensor.of(uniform(r, 3, -1, 1), 3);
      ConvOps.conv2d(x, w, b, PADDING_1, "Conv2d(2 -> 3)").sum().backward();
      assertNull(x.grad());
      assertNull(b.grad());
      assertNotNull(w.grad());
      // d sum(y) / d w[co, ci, i, j] = sum over samples and outputs of the input under that tap
      double[] xv = x.toDoubleArray();
      double expected = 0;  // centre tap (i = j = 1) of channel 0 sees every input element once
      for (int n = 0; n < 2; n++) for (int p = 0; p < 16; p++) expected += xv[(n * 2) * 16 + p];
      assertEquals(expected, w.grad().toDoubleArray()[4], 1e-12);
      assertEquals(expected, w.grad().toDoubleArray()[18 + 4], 1e-12, "same for output channel 1");
    }
  }

  @Test
  void biasGradientIsTheSumOfTheOutputGradient() {
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(8);
      Tensor x = Tensor.of(uniform(r, 3 * 2 * 5 * 5, -1, 1), 3, 2, 5, 5);
      Tensor w = Tensor.of(uniform(r, 4 * 2 * 3 * 3, -1, 1), 4, 2, 3, 3);
      Tensor b = Tensor.zeros(DType.FLOAT64, 4).requiresGrad(true);
      ConvOps.conv2d(x, w, b, new Conv2dGeometry(2, 2, 0, 0, 0, 0, 1, 1, 1), "Conv2d(2 -> 4)").sum().backward();
      // output 2x2 per channel, 3 samples: each bias feeds 12 outputs
      assertArrayEquals(new double[] {12, 12, 12, 12}, b.grad().toDoubleArray(), 0.0);
    }
  }

  // ---- bad input --------------------------------------------------------------------------------------

  @Test
  void aMissingGeometryIsRefusedNamingIt() {
    // the geometry's own refusals (stride, padding, dilation, groups) are error inputs of ConvRows
    try (TensorScope s = new TensorScope()) {
      String layer = "Conv2d(2 -> 3)";
      assertMessage(() -> ConvOps.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(3, 2, 3, 3), null, null, layer), layer,
          "geometry", "null");
    }
  }

  @Test
  void nativeLayerRejectsInconsistentCallsInsteadOfCorruptingMemory() {
    // The Java layer never makes these calls; the native facade must still refuse them.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 3, 6, 6), w = Tensor.zeros(4, 3, 3, 3);
      Tensor wrongY = Tensor.zeros(2, 4, 6, 6);  // no padding: the output is 4x4
      long[] plain = Conv2dGeometry.defaults().packed();
      assertNativeError(
          () -> NativeCalls.check(
              org.jdnn.bridge.JdnnNative.op_conv2d(x.h(), w.h(), 0, wrongY.h(), plain, plain.length, false)),
          "conv2d", "[2, 4, 4, 4]");
      // The geometry arrives as one value of a fixed length; a shorter array is refused before it is read.
      assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_conv2d(x.h(), w.h(), 0, wrongY.h(),
          new long[] {1, 1}, 2, false)), "conv2d", "9 values");
      Tensor dy = Tensor.zeros(2, 3, 3, 3);
      Tensor badIndex = Tensor.ofInts(new int[54], 2, 3, 3, 3);
      MemoryOps.fill(badIndex, 1000);
      // Found by the kernel on a GPU: raised at the next synchronization.
      assertDeviceDataError(Device.defaultDevice(),
          () -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_max_pool2d_backward(dy.h(), badIndex.h(), x.h())),
          "max_pool2d_backward", "1000");
      assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_narrow(x.h(), Tensor.zeros(2, 3, 6, 4).h(), 3, 3)),
          "narrow", "[3, 3 + 4)");
      assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_dropout_mask(x.h(), 1.0, 0, 0)), "dropout_mask", "p");
      Tensor one = Tensor.zeros(1, 3), c = Tensor.zeros(3);
      assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_batch_norm(one.h(), 0, 0, 0, 0, Tensor.zeros(1, 3).h(),
          c.h(), Tensor.zeros(3).h(), true, 0.1, 1e-5)), "batch_norm", "more than 1 value per channel");
      long[] padded = {2, 2, 2, 2, 2, 2};  // kernel 2x2, stride 2, padding 2: windows of padding only
      assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_avg_pool2d(x.h(),
          Tensor.zeros(2, 3, 3, 3).h(), padded, padded.length, true)), "avg_pool2d", "padding 2x2");
    }
  }

}
