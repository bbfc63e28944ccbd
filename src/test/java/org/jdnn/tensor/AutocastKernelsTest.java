package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bf16 products for autocast (op_matmul_bf16, Bf16Products) on the CUDA emulation (cublasGemmEx with bf16
 * inputs), the GPU where usable and the CPU where it has bf16 arithmetic: every transpose combination (on the CPU
 * both the direct and the swapped arrangement), against the float64 product of the bf16-rounded operands; and a Linear's output and
 * its three gradients against the reference path (Autocast's casts around float32 ops), within one bfloat16 unit
 * (the two sum in different orders, so a result near a rounding boundary may land on either side).
 */
class AutocastKernelsTest {
  private static final HalfRef BF16 = HalfRef.of(DType.BFLOAT16);

  /** The devices with bf16 products: the CUDA emulation (and the GPU where usable), the CPU where it has bf16 arithmetic. */
  private static List<Device> devices() {
    List<Device> out = new ArrayList<>(TestDevice.usableAccelerators());
    if (Linalg.bf16Accelerated()) out.add(Device.cpu());
    return out;
  }

  @ParameterizedTest(name = "{0}x{1}x{2} ta={3} tb={4} bias={5}")
  @CsvSource({"3, 5, 7, false, false, false", "33, 40, 17, true, false, false", "2, 300, 200, false, true, false",
      "64, 129, 48, true, true, false", "5, 31, 33, false, true, true", "40, 64, 16, true, false, true",
      "1, 1, 1, false, false, false", "17, 0, 3, false, true, true"})
  void productIsTheFloat64ProductOfTheRoundedOperands(int m, int k, int n, boolean ta, boolean tb, boolean bias) {
    for (Device d : devices()) product(d, m, k, n, ta, tb, bias);
  }

  private static void product(Device device, int m, int k, int n, boolean ta, boolean tb, boolean bias) {
    Random r = new Random(m * 1000 + k * 10 + n);
    float[] a = gaussian(r, m * k), b = gaussian(r, k * n), bv = gaussian(r, n);
    try (Device.DefaultScope on = Device.useDefault(device); TensorScope s = new TensorScope()) {
      Tensor ta32 = Tensor.of(a, ta ? k : m, ta ? m : k), tb32 = Tensor.of(b, tb ? n : k, tb ? k : n);
      Tensor c = Tensor.empty(DType.FLOAT32, m, n);
      NativeErrors.check(JdnnNative.op_matmul_bf16(ta32.h(), tb32.h(), bias ? Tensor.of(bv).h() : 0, c.h(), ta, tb));
      float[] got = c.toFloatArray();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = bias ? bv[j] : 0, mag = Math.abs(sum);
          for (int q = 0; q < k; q++) {
            double x = BF16.value(BF16.round(a[ta ? q * m + i : i * k + q]));
            double y = BF16.value(BF16.round(b[tb ? j * k + q : q * n + j]));
            sum += x * y;
            mag += Math.abs(x * y);
          }
          assertTrue(Math.abs(got[i * n + j] - sum) <= 1e-6 * mag + 1e-30, device + ": c[" + i + "][" + j + "] = " + sum
              + ", got " + got[i * n + j]);
        }
      }
    }
  }

  @ParameterizedTest(name = "N {0}, {1} -> {2}, input {3}")
  @CsvSource({"128, 784, 512, FLOAT32", "7, 33, 10, BFLOAT16", "40, 64, 17, FLOAT32", "1, 5, 3, BFLOAT16"})
  void linearAndItsGradientsMatchTheReferencePath(int batch, int in, int out, DType inputType) {
    for (Device d : devices()) {
      try (Device.DefaultScope on = Device.useDefault(d)) {
        compareWithReference(d, batch, in, out, inputType);
      }
    }
  }

  private static void compareWithReference(Device device, int batch, int in, int out, DType inputType) {
    float[][] kernels = linearRun(batch, in, out, inputType, true), reference = linearRun(batch, in, out, inputType, false);
    String[] names = {"y", "dx", "dw", "db"};
    for (int t = 0; t < names.length; t++) {
      // one unit of the result, plus float32 summation-order error where a sum cancels (normwise: 1e-5 of the
      // largest value; the float32 sums differ by about 2^-24 of their terms' magnitudes, a few per hundred terms)
      double largest = 0;
      for (float v : reference[t]) largest = Math.max(largest, Math.abs(v));
      for (int i = 0; i < reference[t].length; i++) {
        double want = reference[t][i], got = kernels[t][i];
        assertTrue(Math.abs(got - want) <= BF16.ulp(want) + 1e-5 * largest, device + ": " + names[t] + "[" + i
            + "]: reference " + want
            + ", kernels " + got + " (largest " + largest + ")");
      }
    }
  }

  /** y, dx, dw, db of sum(y * u) for a seeded Linear under bfloat16 autocast, with or without the kernels. */
  private static float[][] linearRun(int batch, int in, int out, DType inputType, boolean withKernels) {
    Random r = new Random(batch + in + out);
    boolean was = Bf16Products.enabled;
    Bf16Products.enabled = withKernels;
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(gaussian(r, batch * in), batch, in).to(inputType).requiresGrad(true);
      Tensor w = Tensor.of(gaussian(r, out * in), out, in).mul(0.1).requiresGrad(true);
      Tensor b = Tensor.of(gaussian(r, out)).requiresGrad(true);
      Tensor u = Tensor.of(gaussian(r, batch * out), batch, out);
      Tensor y;
      try (Autocast.Scope a = Autocast.enable(DType.BFLOAT16)) {
        y = Linalg.linear(x, w, b, "Linear(test)");
      }
      assertSame(DType.BFLOAT16, y.dtype());
      y.to(DType.FLOAT32).mul(u).sum().backward();
      assertSame(inputType, x.grad().dtype());
      assertSame(DType.FLOAT32, w.grad().dtype());
      return new float[][] {y.toFloatArray(), x.grad().toFloatArray(), w.grad().toFloatArray(), b.grad().toFloatArray()};
    } finally {
      Bf16Products.enabled = was;
    }
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }
}
