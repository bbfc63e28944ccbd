package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Autocast's convolutions in float16 and bfloat16 on cuDNN (PSEUDO_HALF / PSEUDO_BFLOAT16: 16-bit data, float32
 * accumulation) on the CUDA emulation and the GPU where usable, and in bfloat16 on the CPU (im2col and the bf16 GEMMs,
 * float32 accumulation) with each bf16 kernel the CPU can run: the output against the float64 convolution of the
 * rounded operands, rounded to the type, then the rounded bias added and rounded again (as cuDNN's bias addition
 * rounds: two units at most, plus float32 summation order); the three gradients against autocast's reference path
 * (float32 convolutions of rounded operands) within two units; geometries with strides, asymmetric padding (jdnn's
 * own padding of 16-bit data on CUDA), dilation, groups and a 1x1 kernel. A toy CNN trains under autocast on both
 * within a stated tolerance of float32. The CPU refuses float16 convolutions, naming the fix.
 */
class HalfConvTest {

  @ParameterizedTest(name = "{0}: N{1} C{2} {3}x{4} -> {5}, k{6}, stride {7}, pad {8},{9},{10},{11}, dil {12}, groups {13}")
  @CsvSource({"BFLOAT16, 2, 3, 6, 7, 4, 3, 1, 0, 0, 0, 0, 1, 1", "FLOAT16, 2, 3, 6, 7, 4, 3, 1, 0, 0, 0, 0, 1, 1",
      "FLOAT16, 3, 4, 9, 8, 6, 3, 2, 1, 1, 1, 1, 1, 2", "BFLOAT16, 1, 2, 7, 7, 2, 2, 1, 0, 1, 1, 0, 2, 1",
      "FLOAT16, 2, 6, 5, 6, 6, 3, 1, 1, 0, 2, 1, 1, 3"})
  void halfConvolutionsMatchTheRoundedReference(DType low, int n, int c, int h, int w, int cout, int k, int stride,
      int pt, int pl, int pb, int pr, int dil, int groups) {
    Conv2dGeometry geom = new Conv2dGeometry(stride, stride, pt, pl, pb, pr, dil, dil, groups);
    for (Device d : TestDevice.usableAccelerators()) {
      try (Device.DefaultScope on = Device.useDefault(d)) {
        check(d, low, n, c, h, w, cout, k, geom);
      }
    }
  }

  private static void check(Device d, DType low, int n, int c, int h, int w, int cout, int k, Conv2dGeometry g) {
    HalfRef ref = HalfRef.of(low);
    int cg = c / g.groups();
    Random r = new Random(n * 31 + c * 7 + h + cout);
    float[] x = gaussian(r, n * c * h * w), wt = gaussian(r, cout * cg * k * k), b = gaussian(r, cout);
    for (int i = 0; i < wt.length; i++) wt[i] *= 0.3f;
    float[][] half = run(low, x, wt, b, n, c, h, w, cout, cg, k, g, true);
    float[][] reference = run(low, x, wt, b, n, c, h, w, cout, cg, k, g, false);
    int oh = (h + g.padTop() + g.padBottom() - (k - 1) * g.dilationH() - 1) / g.strideH() + 1;
    int ow = (w + g.padLeft() + g.padRight() - (k - 1) * g.dilationW() - 1) / g.strideW() + 1;
    // the output against the float64 convolution of the rounded operands
    double[] worst = new double[4];  // the largest differences, in units of the type at the expected value
    int kpg = cout / g.groups();
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < cout; o++) {
        int c0 = (o / kpg) * cg;
        for (int p = 0; p < oh; p++) {
          for (int q = 0; q < ow; q++) {
            double sum = 0, mag = 0;
            for (int ci = 0; ci < cg; ci++) {
              for (int u = 0; u < k; u++) {
                for (int v = 0; v < k; v++) {
                  int ih = p * g.strideH() - g.padTop() + u * g.dilationH();
                  int iw = q * g.strideW() - g.padLeft() + v * g.dilationW();
                  if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                  double term = ref.value(ref.round(x[((i * c + c0 + ci) * h + ih) * w + iw]))
                      * ref.value(ref.round(wt[((o * cg + ci) * k + u) * k + v]));
                  sum += term;
                  mag += Math.abs(term);
                }
              }
            }
            double want = ref.value(ref.round((float) ref.value(ref.round((float) sum)) + ref.value(ref.round(b[o]))));
            double got = half[0][((i * cout + o) * oh + p) * ow + q];
            worst[0] = Math.max(worst[0], Math.abs(got - want) / ref.ulp(want));
            assertTrue(Math.abs(got - want) <= 2 * ref.ulp(want) + 1e-5 * mag, d + " " + low + ": y[" + i + "][" + o
                + "][" + p + "][" + q + "] = " + want + ", got " + got);
          }
        }
      }
    }
    String[] names = {"y", "dx", "dw", "db"};
    for (int t = 1; t < names.length; t++) {
      double largest = 0;
      for (float v : reference[t]) largest = Math.max(largest, Math.abs(v));
      for (int i = 0; i < reference[t].length; i++) {
        double want = reference[t][i], got = half[t][i];
        worst[t] = Math.max(worst[t], Math.abs(got - want) / ref.ulp(want));
        assertTrue(Math.abs(got - want) <= 2 * ref.ulp(want) + 1e-5 * largest, d + " " + low + ": " + names[t] + "[" + i
            + "]: reference path " + want + ", 16-bit path " + got + " (largest " + largest + ")");
      }
    }
    System.out.printf("%s %s: largest differences in units of the type: y %.3f, dx %.3f, dw %.3f, db %.3f%n", d, low,
        worst[0], worst[1], worst[2], worst[3]);
  }

  private static final String[] CPU_GEOMETRIES = {"2, 3, 6, 7, 4, 3, 1, 0, 0, 0, 0, 1, 1",
      "3, 4, 9, 8, 6, 3, 2, 1, 1, 1, 1, 1, 2", "1, 2, 7, 7, 2, 2, 1, 0, 1, 1, 0, 2, 1",
      "2, 6, 5, 6, 6, 3, 1, 1, 0, 2, 1, 1, 3", "3, 8, 5, 5, 4, 1, 1, 0, 0, 0, 0, 1, 1",
      "4, 16, 10, 10, 20, 3, 1, 1, 1, 1, 1, 1, 1"};

  /** Every bf16 kernel with every geometry: plain, stride 2 with groups, dilation with asymmetric padding, 1x1. */
  static Stream<Arguments> cpuCases() {
    List<Arguments> cases = new ArrayList<>();
    for (String kernel : new String[] {"generic", "avx512bf16", "amx"}) {
      for (String geometry : CPU_GEOMETRIES) {
        List<Object> row = new ArrayList<>();
        row.add(kernel);
        for (String v : geometry.split(",")) row.add(Integer.parseInt(v.trim()));
        cases.add(Arguments.of(row.toArray()));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}: N{1} C{2} {3}x{4} -> {5}, k{6}, stride {7}, pad {8},{9},{10},{11}, dil {12}, groups {13}")
  @MethodSource("cpuCases")
  void bfloat16ConvolutionsOnTheCpuMatchTheRoundedReference(String kernel, int n, int c, int h, int w, int cout, int k,
      int stride, int pt, int pl, int pb, int pr, int dil, int groups) {
    String initial = JdnnNative.cpu_bf16_kernel();
    assumeTrue(JdnnNative.cpu_bf16_force_kernel(kernel), "this CPU cannot run the " + kernel + " bf16 kernel (it runs "
        + initial + ")");
    boolean was = HalfProducts.cpuConvWithGenericKernel;
    HalfProducts.cpuConvWithGenericKernel = true;
    try (Device.DefaultScope on = Device.useDefault(Device.cpu())) {
      check(Device.cpu(), DType.BFLOAT16, n, c, h, w, cout, k,
          new Conv2dGeometry(stride, stride, pt, pl, pb, pr, dil, dil, groups));
    } finally {
      HalfProducts.cpuConvWithGenericKernel = was;
      JdnnNative.cpu_bf16_force_kernel(initial);
    }
  }

  @Test
  void theCpuRoutesBfloat16ConvolutionsWhereItHasBf16Arithmetic() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 2, 4, 4), w = Tensor.zeros(3, 2, 3, 3);
      try (Autocast.Scope a = Autocast.enable(DType.BFLOAT16)) {
        assertSame(Linalg.bf16Accelerated(), HalfProducts.appliesToConv(x, w, null),
            "bfloat16 on the CPU takes the bf16 GEMMs exactly where Linear does (kernel " + JdnnNative.cpu_bf16_kernel()
                + ")");
      }
      try (Autocast.Scope a = Autocast.enable(DType.FLOAT16)) {
        assertFalse(HalfProducts.appliesToConv(x, w, null), "float16 on the CPU takes the reference path");
      }
    }
  }

  /** y, dx, dw, db of sum(y * u) for the convolution under autocast, on cuDNN in 16 bits or the reference path. */
  private static float[][] run(DType low, float[] x, float[] wt, float[] b, int n, int c, int h, int w, int cout, int cg,
      int k, Conv2dGeometry g, boolean half) {
    boolean was = HalfProducts.enabled;
    HalfProducts.enabled = half;
    try (TensorScope s = new TensorScope()) {
      Tensor tx = Tensor.of(x, n, c, h, w).requiresGrad(true);
      Tensor tw = Tensor.of(wt, cout, cg, k, k).requiresGrad(true);
      Tensor tb = Tensor.of(b, cout).requiresGrad(true);
      Tensor y;
      try (Autocast.Scope a = Autocast.enable(low)) {
        assertSame(half, HalfProducts.appliesToConv(tx, tw, tb), "the cuDNN path applies exactly when enabled");
        y = ConvOps.conv2d(tx, tw, tb, g, "Conv2d(test)");
      }
      assertSame(low, y.dtype());
      Tensor u = Tensor.of(gaussian(new Random(3), (int) y.numel()), y.shape());
      y.to(DType.FLOAT32).mul(u).sum().backward();
      assertSame(DType.FLOAT32, tx.grad().dtype());
      assertSame(DType.FLOAT32, tw.grad().dtype());
      return new float[][] {y.toFloatArray(), tx.grad().toFloatArray(), tw.grad().toFloatArray(),
          tb.grad().toFloatArray()};
    } finally {
      HalfProducts.enabled = was;
    }
  }

  @Test
  void aSmallCnnTrainsUnderAutocastOnTheEmulation() {
    // 12 Adam steps of float32, bfloat16 and float16 (loss-scaled) from one initialization on one batch, while the
    // loss falls steeply (1.13 to 0.05); every step's loss of the 16-bit runs within 0.01 + 2^-6 of float32's:
    // bfloat16's operands carry 2^-9 relative error and 12 steps compound it; the largest gaps measured 2026-12-04
    // were 0.0027 (bfloat16) and 0.00012 (float16), a quarter of the bound or less, while a wrong rounding or
    // gradient moves the curve by tenths
    compareToyCnnRuns(Device.cudaEmulated(), DType.FLOAT32, DType.BFLOAT16, DType.FLOAT16);
  }

  @Test
  void aSmallCnnTrainsUnderBfloat16AutocastOnTheCpu() {
    // The same run on the CPU, its convolutions on the bf16 GEMMs (the generic kernel where the CPU has no bf16
    // arithmetic), within the same bound of float32's losses
    boolean was = HalfProducts.cpuConvWithGenericKernel;
    HalfProducts.cpuConvWithGenericKernel = true;
    try {
      compareToyCnnRuns(Device.cpu(), DType.FLOAT32, DType.BFLOAT16);
    } finally {
      HalfProducts.cpuConvWithGenericKernel = was;
    }
  }

  /**
   * W2's layer kinds (conv, batch norm, ReLU, max pool, linear) at toy size, trained 12 steps on {@code d} under each
   * autocast type in turn (float32 first: no autocast); each 16-bit run's losses within 0.01 + 2^-6 of float32's.
   */
  private static void compareToyCnnRuns(Device d, DType... types) {
    int steps = 12;
    double[][] losses = new double[types.length][steps];
    for (int t = 0; t < types.length; t++) {
      try (Device.DefaultScope on = Device.useDefault(d); TensorScope s = new TensorScope()) {
        Generator.manualSeed(5);
        org.jdnn.nn.Layer cnn = new org.jdnn.nn.Sequential(
            new org.jdnn.nn.Conv2d(1, 4, 3, org.jdnn.nn.ConvOptions.padding(1)), new org.jdnn.nn.BatchNorm2d(4),
            new org.jdnn.nn.ReLU(), new org.jdnn.nn.MaxPool2d(2), new org.jdnn.nn.Flatten(),
            new org.jdnn.nn.Linear(4 * 4 * 4, 3));
        cnn.to(d);
        Random r = new Random(9);
        float[] images = gaussian(r, 12 * 64);
        int[] labels = new int[12];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = i % 3;
          for (int j = 0; j < 16; j++) images[i * 64 + labels[i] * 16 + j] += 1.5f;
        }
        Tensor x = Tensor.of(images, 12, 1, 8, 8), y = Tensor.ofInts(labels, 12);
        if (types[t] != DType.FLOAT32) {
          try (Autocast.Scope a = Autocast.scope(types[t])) {
            assertTrue(HalfProducts.appliesToConv(x, cnn.parameters().get(0), null),
                "the convolutions take the 16-bit path on " + d);
          }
        }
        org.jdnn.loss.CrossEntropyLoss lossFn = new org.jdnn.loss.CrossEntropyLoss();
        try (org.jdnn.optim.Adam adam = new org.jdnn.optim.Adam(cnn.parameters(), 0.01);
            org.jdnn.optim.GradScaler scaler = types[t] == DType.FLOAT16 ? new org.jdnn.optim.GradScaler(d) : null) {
          for (int step = 0; step < steps; step++) {
            try (TensorScope st = new TensorScope()) {
              adam.zeroGrad();
              Tensor loss;
              try (Autocast.Scope a = Autocast.scope(types[t])) {
                loss = lossFn.compute(cnn.forward(x), y);
              }
              org.jdnn.optim.GradScaler.backwardAndStep(scaler, loss, adam);
              losses[t][step] = loss.item();
            }
          }
        } finally {
          cnn.close();
        }
        System.out.printf("%s %s: losses %s%n", d, types[t], java.util.Arrays.toString(losses[t]));
        assertTrue(losses[t][steps - 1] < 0.5 * losses[t][0], types[t] + " learns: " + java.util.Arrays.toString(losses[t]));
      }
    }
    for (int t = 1; t < types.length; t++) {
      double gap = 0;
      for (int step = 0; step < steps; step++) {
        double want = losses[0][step];
        gap = Math.max(gap, Math.abs(losses[t][step] - want));
        assertTrue(Math.abs(losses[t][step] - want) <= 0.01 + 0x1p-6 * want,
            d + " " + types[t] + " step " + step + ": " + losses[t][step] + ", float32 " + want);
      }
      System.out.printf("%s %s: largest gap to float32 %.5f%n", d, types[t], gap);
    }
  }

  @Test
  void theCpuRefusesFloat16Convolutions() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 1, 4, 4).to(DType.FLOAT16), w = Tensor.zeros(1, 1, 3, 3).to(DType.FLOAT16);
      Tensor y = Tensor.empty(DType.FLOAT16, Device.cpu(), 1, 1, 2, 2), dy = Tensor.zeros(1, 1, 2, 2).to(DType.FLOAT16);
      Tensor dx = Tensor.empty(DType.FLOAT16, Device.cpu(), 1, 1, 4, 4);
      long[] geom = Conv2dGeometry.defaults().packed();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeErrors.check(
          JdnnNative.op_conv2d(x.h(), w.h(), 0, y.h(), geom, geom.length, false)));
      assertTrue(e.getMessage().startsWith("conv2d: ") && e.getMessage().contains("float16[1, 1, 4, 4]")
          && e.getMessage().contains("need a CUDA device") && e.getMessage().contains("bfloat16 autocast"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> NativeErrors.check(
          JdnnNative.op_conv2d_backward(x.h(), w.h(), dy.h(), dx.h(), 0, 0, geom, geom.length)));
      assertTrue(e.getMessage().startsWith("conv2d_backward: ") && e.getMessage().contains("bfloat16 autocast"),
          e.getMessage());
    }
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }
}
