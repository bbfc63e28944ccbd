package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Clipping by global norm on the device ({@link GradClip#byNormOnDevice}, and {@link GradClip#byNorm}
 * built on it) against a float64 reference computed here: the norm of float32 and float64 gradients
 * of odd sizes together, the factor min(1, maxNorm / (norm + 1e-6)), and on CUDA no host wait and
 * no copy while clipping (three launches: the reduction, the factor, the scaling).
 */
class GradClipOnDeviceTest {
  private static final int[] SIZES = {1, 3, 257, 40_000, 70_001};

  /** Parameters whose gradients are random values of the given dtypes (alternating float32, float64). */
  private static List<Tensor> withGrads(Random r, double scale) {
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < SIZES.length; k++) {
      DType dt = k % 2 == 0 ? DType.FLOAT32 : DType.FLOAT64;
      double[] g = new double[SIZES[k]];
      for (int i = 0; i < g.length; i++) g[i] = scale * (2 * r.nextDouble() - 1);
      Tensor p = Tensor.zeros(dt, SIZES[k]).requiresGrad(true);
      try (TensorScope s = new TensorScope()) {
        p.mul(Tensor.of(g).to(dt)).sum().backward();
      }
      out.add(p);
    }
    return out;
  }

  private static double[] grad(Tensor p) {
    return p.grad().to(DType.FLOAT64).toDoubleArray();
  }

  /** The float64 reference: sqrt of the sum of squares of every gradient element. */
  private static double referenceNorm(List<Tensor> ps) {
    double s = 0;
    for (Tensor p : ps) for (double v : grad(p)) s += v * v;
    return Math.sqrt(s);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void clipsToTheFloat64ReferenceWithoutWaiting(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use(); TensorScope scope = new TensorScope()) {
      Device dev = testDevice.device();
      for (double maxNorm : new double[] {1.0, 1e6}) { // clipped, then left alone
        List<Tensor> ps = withGrads(new Random(5), 0.5);
        double norm = referenceNorm(ps);
        List<double[]> before = new ArrayList<>();
        for (Tensor p : ps) before.add(grad(p));
        DeviceStats start = dev.stats();
        Tensor total = GradClip.byNormOnDevice(ps, maxNorm);
        DeviceStats clip = dev.stats().minus(start);
        if (dev != Device.cpu()) {
          assertEquals(0, clip.syncs(), "host waits while clipping: " + clip.line());
          assertEquals(0, clip.h2dBytes() + clip.d2hBytes(), "bytes copied while clipping: " + clip.line());
          // per dtype one reduction and one scaling, and the one-thread factor kernel
          assertEquals(5, clip.launches(), "launches while clipping two dtypes: " + clip.line());
        }
        assertEquals(dev, total.device());
        assertEquals(DType.FLOAT64, total.dtype());
        assertEquals(0, total.shape().length, "the norm is a 0-dimensional tensor");
        assertEquals(norm, total.item(), 1e-13 * norm, "total norm");
        // the factor from the device's norm (within 1e-13 of the reference), then each gradient
        // multiplied by it in its own dtype, exactly
        double coef = Math.min(1, maxNorm / (total.item() + GradClip.EPS));
        for (int k = 0; k < ps.size(); k++) {
          double[] got = grad(ps.get(k)), was = before.get(k);
          boolean single = ps.get(k).dtype() == DType.FLOAT32;
          for (int i = 0; i < got.length; i++) {
            double want = single ? (float) coef * (float) was[i] : coef * was[i];
            assertEquals(want, got[i], 0.0, "gradient " + k + "[" + i + "]");
          }
        }
        assertTrue(coef < 1 == (maxNorm == 1.0), "the first case clips, the second does not");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void byNormReturnsTheSameNormAsTheDeviceTensor(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use(); TensorScope scope = new TensorScope()) {
      List<Tensor> a = withGrads(new Random(9), 2), b = withGrads(new Random(9), 2);
      double read = GradClip.byNorm(a, 3.0);
      double onDevice = GradClip.byNormOnDevice(b, 3.0).item();
      assertEquals(onDevice, read, 0.0);
      assertEquals(referenceNorm(withGrads(new Random(9), 2)), read, 1e-13 * read);
      for (int k = 0; k < a.size(); k++) assertArrayEquals(grad(a.get(k)), grad(b.get(k)), 0.0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void noGradientGivesAZeroNormAndMixedDevicesAreRefused(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use(); TensorScope scope = new TensorScope()) {
      Device dev = testDevice.device();
      Tensor none = Tensor.zeros(3).requiresGrad(true);
      Tensor zero = GradClip.byNormOnDevice(List.of(none), 1.0);
      assertEquals(dev, zero.device());
      assertEquals(0.0, zero.item());
      Tensor here = Tensor.zeros(2).requiresGrad(true);
      Tensor there = Tensor.zeros(2).to(TestDevice.other(dev)).requiresGrad(true);
      try (TensorScope s = new TensorScope()) {
        here.sum().backward();
        there.sum().backward();
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> GradClip.byNormOnDevice(List.of(here, there), 1.0));
      assertTrue(e.getMessage().contains("clip each device's parameters separately"), e.getMessage());
      // byNorm still clips across devices, reading each norm back
      assertEquals(2.0, GradClip.byNorm(List.of(here, there), 10.0), 1e-15);
    }
  }
}
