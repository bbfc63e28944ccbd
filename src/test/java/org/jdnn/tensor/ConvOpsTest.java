package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.assertNativeError;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ConvOps.conv2d: forward against a direct loop, backward against GradCheck, bad input. */
class ConvOpsTest {
  /** Stride 1 and one zero on every side: a 3x3 kernel keeps the input size. */
  static final Conv2dGeometry PADDING_1 = new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1);

  // ---- helpers shared by the conv-network op tests ------------------------------------------------

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  // ---- configurations -------------------------------------------------------------------------------

  /** One convolution: input (n, c, h, w), weight (cout, c / groups, kh, kw) and the geometry. */
  static final class Cfg {
    final String name;
    final int n, c, h, w, cout, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups;
    final boolean bias;

    Cfg(String name, int n, int c, int h, int w, int cout, int kh, int kw, int sh, int sw, int pt, int pl, int pb,
        int pr, int dh, int dw, int groups, boolean bias) {
      this.name = name;
      this.n = n;
      this.c = c;
      this.h = h;
      this.w = w;
      this.cout = cout;
      this.kh = kh;
      this.kw = kw;
      this.sh = sh;
      this.sw = sw;
      this.pt = pt;
      this.pl = pl;
      this.pb = pb;
      this.pr = pr;
      this.dh = dh;
      this.dw = dw;
      this.groups = groups;
      this.bias = bias;
    }

    int oh() {
      return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
    }

    int ow() {
      return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
    }

    int wsize() {
      return cout * (c / groups) * kh * kw;
    }

    Tensor run(Tensor x, Tensor wt, Tensor b) {
      Conv2dGeometry geometry = new Conv2dGeometry(sh, sw, pt, pl, pb, pr, dh, dw, groups);
      return ConvOps.conv2d(x, wt, b, geometry, "Conv2d(" + name + ")");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Cfg> configs() {
    return Stream.of(
        new Cfg("3x3 stride 1 no padding", 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, true),
        new Cfg("3x3 stride 1 padding 1 (W2 shape)", 3, 2, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
        new Cfg("3x3 stride 2 padding 1 odd 7x5", 2, 3, 7, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true),
        new Cfg("2x2 same padding (bottom/right) no bias", 2, 2, 6, 5, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1, 1, false),
        new Cfg("asymmetric padding top 0 bottom 1 left 2 right 0", 2, 2, 5, 6, 3, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1, true),
        new Cfg("dilation 2", 2, 2, 7, 7, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, true),
        new Cfg("dilation 2x1 stride 2x3", 2, 2, 9, 10, 2, 3, 2, 2, 3, 1, 0, 1, 2, 2, 1, 1, true),
        new Cfg("groups 2", 2, 4, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true),
        new Cfg("depthwise (groups == C)", 2, 3, 6, 5, 3, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 3, true),
        new Cfg("depthwise multiplier 2", 2, 3, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, false),
        new Cfg("non-square kernel 2x3", 2, 2, 7, 5, 3, 2, 3, 2, 1, 0, 1, 1, 0, 1, 1, 1, true),
        new Cfg("batch 1 odd sizes", 1, 1, 7, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
        new Cfg("batch 1 groups 2 stride 2", 1, 4, 8, 7, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, true),
        new Cfg("1x1 direct", 3, 4, 5, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true),
        new Cfg("1x1 direct groups 2", 2, 4, 3, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, false),
        new Cfg("1x1 stride 2", 2, 3, 5, 6, 2, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, true),
        new Cfg("1x1 padded", 2, 2, 3, 3, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, true),
        new Cfg("kernel fills the padded input", 2, 2, 3, 4, 2, 5, 4, 1, 1, 1, 0, 1, 0, 1, 1, 1, true),
        new Cfg("everything at once", 3, 4, 9, 8, 4, 3, 2, 2, 3, 1, 0, 2, 1, 2, 1, 2, true));
  }

  /** Direct 7-loop convolution in double. */
  static double[] reference(Cfg k, double[] x, double[] w, double[] b) {
    int oh = k.oh(), ow = k.ow(), cg = k.c / k.groups, coutg = k.cout / k.groups;
    double[] y = new double[k.n * k.cout * oh * ow];
    for (int n = 0; n < k.n; n++) {
      for (int co = 0; co < k.cout; co++) {
        int g = co / coutg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double s = b != null ? b[co] : 0;
            for (int ci = 0; ci < cg; ci++) {
              for (int i = 0; i < k.kh; i++) {
                int iy = oy * k.sh - k.pt + i * k.dh;
                if (iy < 0 || iy >= k.h) continue;
                for (int j = 0; j < k.kw; j++) {
                  int ix = ox * k.sw - k.pl + j * k.dw;
                  if (ix < 0 || ix >= k.w) continue;
                  s += x[((n * k.c + g * cg + ci) * k.h + iy) * k.w + ix] * w[((co * cg + ci) * k.kh + i) * k.kw + j];
                }
              }
            }
            y[((n * k.cout + co) * oh + oy) * ow + ox] = s;
          }
        }
      }
    }
    return y;
  }

  // ---- forward ----------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void forwardMatchesDirectLoops(Cfg k) {
    Random r = new Random(k.name.hashCode());
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, k.n * k.c * k.h * k.w, -1, 1), dt);
        double[] w = representable(uniform(r, k.wsize(), -1, 1), dt);
        double[] b = k.bias ? representable(uniform(r, k.cout, -1, 1), dt) : null;
        Tensor y = k.run(make(x, dt, k.n, k.c, k.h, k.w), make(w, dt, k.cout, k.c / k.groups, k.kh, k.kw),
            b == null ? null : make(b, dt, k.cout));
        assertArrayEquals(new long[] {k.n, k.cout, k.oh(), k.ow()}, y.shape(), k.name + ": output shape");
        assertEquals(dt, y.dtype());
        assertClose(reference(k, x, w, b), values(y), atol(dt), rtol(dt), k.name + " " + dt);
      }
    }
  }

  @Test
  void largerConvolutionsMatchAcrossThreadPathsAndBlocking() {
    // Batch 8 spreads samples over the pool; batch 1 runs the GEMMs with the pool inside; both
    // large enough for several GEMM blocks (k = 32 * 9 = 288).
    Random r = new Random(11);
    for (int batch : new int[] {1, 8}) {
      Cfg k = new Cfg("big batch " + batch, batch, 32, 12, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
      try (TensorScope s = new TensorScope()) {
        double[] x = representable(uniform(r, k.n * k.c * k.h * k.w, -1, 1), DType.FLOAT32);
        double[] w = representable(uniform(r, k.wsize(), -1, 1), DType.FLOAT32);
        double[] b = representable(uniform(r, k.cout, -1, 1), DType.FLOAT32);
        Tensor y = k.run(make(x, DType.FLOAT32, k.n, k.c, k.h, k.w), make(w, DType.FLOAT32, k.cout, k.c, 3, 3),
            make(b, DType.FLOAT32, k.cout));
        assertClose(reference(k, x, w, b), values(y), 1e-4, 1e-4, k.name);
      }
    }
  }

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

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void gradientsMatchFiniteDifferences(Cfg k) {
    Random r = new Random(k.name.hashCode() + 1);
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(uniform(r, k.n * k.c * k.h * k.w, -1, 1), k.n, k.c, k.h, k.w);
      Tensor w = Tensor.of(uniform(r, k.wsize(), -1, 1), k.cout, k.c / k.groups, k.kh, k.kw);
      GradCheck.Result res;
      if (k.bias) {
        Tensor b = Tensor.of(uniform(r, k.cout, -1, 1), k.cout);
        res = GradCheck.check(in -> k.run(in[0], in[1], in[2]), x, w, b);
        assertEquals(x.numel() + w.numel() + b.numel(), res.elementsChecked);
      } else {
        res = GradCheck.check(in -> k.run(in[0], in[1], null), x, w);
        assertEquals(x.numel() + w.numel(), res.elementsChecked);
      }
      res.assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void float32GradientsAgreeWithFloat64() {
    // The float32 backward (sgemm path) against the float64 one on the same values, on both the
    // batch-parallel (n = 6) and the serial (n = 1) path.
    for (int batch : new int[] {1, 6}) {
      Cfg k = new Cfg("f32 grads", batch, 6, 9, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true);
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
  void channelMismatchNamesLayerExpectedAndActual() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 3, 8, 8);
      Tensor w = Tensor.zeros(32, 1, 3, 3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ConvOps.conv2d(x, w, null, PADDING_1, "Conv2d(1 -> 32, kernel 3x3)"));
      String m = e.getMessage();
      assertTrue(m.startsWith("Conv2d(1 -> 32, kernel 3x3)"), m);
      assertTrue(m.contains("expected input with 1 channels"), m);
      assertTrue(m.contains("got 3 channels") && m.contains("[2, 3, 8, 8]"), m);
    }
  }

  @Test
  void kernelLargerThanPaddedInputNamesSizes() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 1, 2, 2);
      Tensor w = Tensor.zeros(4, 1, 3, 3);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ConvOps.conv2d(x, w, null, new Conv2dGeometry(1, 1, 0, 0, 0, 0, 2, 2, 1),
              "Conv2d(1 -> 4, kernel 3x3)"));
      String m = e.getMessage();
      assertTrue(m.startsWith("Conv2d(1 -> 4, kernel 3x3)"), m);
      assertTrue(m.contains("kernel larger than the padded input"), m);
      assertTrue(m.contains("padded input 2x2") && m.contains("effective kernel 5x5"), m);
      // with enough padding the same call works
      assertArrayEquals(new long[] {1, 4, 1, 1},
          ConvOps.conv2d(x, w, null, new Conv2dGeometry(1, 1, 2, 2, 1, 1, 2, 2, 1), "Conv2d(1 -> 4, kernel 3x3)")
              .shape());
    }
  }

  @Test
  void groupsMustDivideChannels() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 4, 5, 5);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ConvOps.conv2d(x, Tensor.zeros(6, 1, 3, 3), null, new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 3),
              "Conv2d(4 -> 6, groups 3)"));
      String m = e.getMessage();
      assertTrue(m.startsWith("Conv2d(4 -> 6, groups 3)"), m);
      assertTrue(m.contains("groups 3") && m.contains("input channels (4)") && m.contains("output channels (6)"), m);
      IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
          () -> ConvOps.conv2d(x, Tensor.zeros(5, 2, 3, 3), null, new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 2),
              "Conv2d(4 -> 5, groups 2)"));
      assertTrue(e2.getMessage().contains("output channels (5)"), e2.getMessage());
    }
  }

  @Test
  void otherBadArgumentsAreRejectedBeforeNativeCode() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 2, 5, 5);
      Tensor w = Tensor.zeros(3, 2, 3, 3);
      String layer = "Conv2d(2 -> 3)";
      assertMessage(() -> ConvOps.conv2d(Tensor.zeros(2, 5, 5), w, null, Conv2dGeometry.defaults(), layer),
          layer, "[N, C, H, W]", "[2, 5, 5]");
      assertMessage(() -> ConvOps.conv2d(x, w, null, new Conv2dGeometry(0, 1, 0, 0, 0, 0, 1, 1, 1), layer), layer,
          "stride", "0x1");
      assertMessage(() -> ConvOps.conv2d(x, w, null, new Conv2dGeometry(1, 1, -1, 0, 0, 0, 1, 1, 1), layer), layer,
          "padding", "top -1");
      assertMessage(() -> ConvOps.conv2d(x, w, null, new Conv2dGeometry(1, 1, 0, 0, 0, 0, 0, 1, 1), layer), layer,
          "dilation");
      assertMessage(() -> ConvOps.conv2d(x, w, null, null, layer), layer, "geometry", "null");
      assertMessage(() -> ConvOps.conv2d(x, w, Tensor.zeros(4), Conv2dGeometry.defaults(), layer), layer,
          "bias of shape [3]", "[4]");
      assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT64, 3, 2, 3, 3), null, Conv2dGeometry.defaults(),
          layer), layer, "float64", "float32");
      assertMessage(() -> ConvOps.conv2d(Tensor.ofInts(new int[50], 1, 2, 5, 5), w, null, Conv2dGeometry.defaults(),
          layer), layer, "int32");
      // and the next valid call works
      assertArrayEquals(new long[] {1, 3, 3, 3}, ConvOps.conv2d(x, w, null, Conv2dGeometry.defaults(), layer).shape());
    }
  }

  @Test
  void nativeLayerRejectsInconsistentCallsInsteadOfCorruptingMemory() {
    // The Java layer never makes these calls; the native facade must still refuse them.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(2, 3, 6, 6), w = Tensor.zeros(4, 3, 3, 3);
      Tensor wrongY = Tensor.zeros(2, 4, 6, 6);  // no padding: the output is 4x4
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_conv2d(x.h(), w.h(), 0, wrongY.h(), 1, 1, 0, 0, 0, 0, 1, 1, 1),
          "conv2d", "[2, 4, 4, 4]");
      Tensor dy = Tensor.zeros(2, 3, 3, 3);
      Tensor badIndex = Tensor.ofInts(new int[54], 2, 3, 3, 3);
      MemoryOps.fill(badIndex, 1000);
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_max_pool2d_backward(dy.h(), badIndex.h(), x.h()),
          "max_pool2d_backward", "1000");
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_narrow(x.h(), Tensor.zeros(2, 3, 6, 4).h(), 3, 3),
          "narrow", "[3, 3 + 4)");
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_dropout_mask(x.h(), 1.0, 0, 0), "dropout_mask", "p");
      Tensor one = Tensor.zeros(1, 3), c = Tensor.zeros(3);
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_batch_norm(one.h(), 0, 0, 0, 0, Tensor.zeros(1, 3).h(),
          c.h(), Tensor.zeros(3).h(), true, 0.1, 1e-5), "batch_norm", "more than 1 value per channel");
      assertNativeError(() -> org.jdnn.bridge.JdnnNative.op_avg_pool2d(x.h(), Tensor.zeros(2, 3, 3, 3).h(), 2, 2, 2, 2,
          2, 2, true), "avg_pool2d", "padding 2x2");
    }
  }

}
