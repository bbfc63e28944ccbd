package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Autocast's convolutions on cuDNN in float16 and bfloat16 (PSEUDO_HALF / PSEUDO_BFLOAT16: 16-bit data, float32
 * accumulation) on the CUDA emulation and the GPU where usable: the output against the float64 convolution of the
 * rounded operands, rounded to the type, then the rounded bias added and rounded again (as cuDNN's bias addition
 * rounds: two units at most, plus float32 summation order); the three gradients against autocast's reference path
 * (float32 convolutions of rounded operands) within two units; geometries with strides, asymmetric padding (jdnn's
 * own padding of 16-bit data), dilation and groups. The CPU refuses 16-bit convolutions, naming the fix.
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
        assertTrue(Math.abs(got - want) <= 2 * ref.ulp(want) + 1e-5 * largest, d + " " + low + ": " + names[t] + "[" + i
            + "]: reference path " + want + ", cuDNN " + got + " (largest " + largest + ")");
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
    // W2's layer kinds (conv, batch norm, ReLU, max pool, linear) at toy size: 12 Adam steps of float32, bfloat16 and
    // float16 (loss-scaled) from one initialization on one batch, while the loss falls steeply (1.13 to 0.05); every
    // step's loss of the 16-bit runs within 0.01 + 2^-6 of float32's: bfloat16's operands carry 2^-9 relative error
    // and 12 steps compound it; the largest gaps measured 2026-12-04 were 0.0027 (bfloat16) and 0.00012 (float16),
    // a quarter of the bound or less, while a wrong rounding or gradient moves the curve by tenths
    int steps = 12;
    double[][] losses = new double[3][steps];
    DType[] types = {DType.FLOAT32, DType.BFLOAT16, DType.FLOAT16};
    for (int t = 0; t < types.length; t++) {
      try (Device.DefaultScope on = Device.useDefault(Device.cudaEmulated()); TensorScope s = new TensorScope()) {
        Generator.manualSeed(5);
        org.jdnn.nn.Layer cnn = new org.jdnn.nn.Sequential(
            new org.jdnn.nn.Conv2d(1, 4, 3, org.jdnn.nn.ConvOptions.padding(1)), new org.jdnn.nn.BatchNorm2d(4),
            new org.jdnn.nn.ReLU(), new org.jdnn.nn.MaxPool2d(2), new org.jdnn.nn.Flatten(),
            new org.jdnn.nn.Linear(4 * 4 * 4, 3));
        cnn.to(Device.cudaEmulated());
        Random r = new Random(9);
        float[] images = gaussian(r, 12 * 64);
        int[] labels = new int[12];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = i % 3;
          for (int j = 0; j < 16; j++) images[i * 64 + labels[i] * 16 + j] += 1.5f;
        }
        Tensor x = Tensor.of(images, 12, 1, 8, 8), y = Tensor.ofInts(labels, 12);
        org.jdnn.loss.CrossEntropyLoss lossFn = new org.jdnn.loss.CrossEntropyLoss();
        try (org.jdnn.optim.Adam adam = new org.jdnn.optim.Adam(cnn.parameters(), 0.01);
            org.jdnn.optim.GradScaler scaler = types[t] == DType.FLOAT16
                ? new org.jdnn.optim.GradScaler(Device.cudaEmulated()) : null) {
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
        System.out.printf("%s: losses %s%n", types[t], java.util.Arrays.toString(losses[t]));
        assertTrue(losses[t][steps - 1] < 0.5 * losses[t][0], types[t] + " learns: " + java.util.Arrays.toString(losses[t]));
      }
    }
    for (int t = 1; t < 3; t++) {
      double gap = 0;
      for (int step = 0; step < steps; step++) {
        double want = losses[0][step];
        gap = Math.max(gap, Math.abs(losses[t][step] - want));
        assertTrue(Math.abs(losses[t][step] - want) <= 0.01 + 0x1p-6 * want,
            types[t] + " step " + step + ": " + losses[t][step] + ", float32 " + want);
      }
      System.out.printf("%s: largest gap to float32 %.5f%n", types[t], gap);
    }
  }

  @Test
  void theCpuRefusesSixteenBitConvolutions() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(1, 1, 4, 4).to(DType.FLOAT16), w = Tensor.zeros(1, 1, 3, 3).to(DType.FLOAT16);
      Tensor y = Tensor.empty(DType.FLOAT16, Device.cpu(), 1, 1, 2, 2);
      long[] geom = Conv2dGeometry.defaults().packed();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeErrors.check(
          JdnnNative.op_conv2d(x.h(), w.h(), 0, y.h(), geom, geom.length, false)));
      assertTrue(e.getMessage().contains("run on CUDA devices") && e.getMessage().contains("float32"), e.getMessage());
    }
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }
}
