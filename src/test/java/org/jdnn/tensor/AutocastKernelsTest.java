package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.HalfRef;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 16-bit products for autocast (op_matmul_half, HalfProducts): bfloat16 on the CUDA emulation (cublasGemmEx with
 * bf16 inputs), the GPU where usable and the CPU where it has bf16 arithmetic, float16 on the CUDA devices: every
 * transpose combination (on the CPU both the direct and the swapped arrangement), against the float64 product of the
 * rounded operands; and a Linear's output and its three gradients against the reference path (Autocast's casts
 * around float32 ops), within one unit of the type (the two sum in different orders, so a result near a rounding
 * boundary may land on either side). The CPU refuses float16 products, naming the reason.
 */
class AutocastKernelsTest {
  /** The devices with products in {@code low}: the CUDA emulation (and the GPU where usable), and for bfloat16 the CPU where it has bf16 arithmetic. */
  private static List<Device> devices(DType low) {
    List<Device> out = new ArrayList<>(TestDevice.usableAccelerators());
    if (low == DType.BFLOAT16 && Linalg.bf16Accelerated()) out.add(Device.cpu());
    return out;
  }

  @Test
  void theCpuRefusesFloat16Products() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(3, 4), c = Tensor.empty(DType.FLOAT32, 2, 4);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeErrors.check(
          JdnnNative.op_matmul_half(a.h(), b.h(), 0, c.h(), false, false, DType.FLOAT16.code)));
      assertTrue(e.getMessage().contains("float16 products need a CUDA device"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0}x{1}x{2} ta={3} tb={4} bias={5}")
  @CsvSource({"3, 5, 7, false, false, false", "33, 40, 17, true, false, false", "2, 300, 200, false, true, false",
      "64, 129, 48, true, true, false", "5, 31, 33, false, true, true", "40, 64, 16, true, false, true",
      "1, 1, 1, false, false, false", "17, 0, 3, false, true, true"})
  void productIsTheFloat64ProductOfTheRoundedOperands(int m, int k, int n, boolean ta, boolean tb, boolean bias) {
    for (DType low : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
      for (Device d : devices(low)) product(d, low, m, k, n, ta, tb, bias);
    }
  }

  private static void product(Device device, DType low, int m, int k, int n, boolean ta, boolean tb, boolean bias) {
    HalfRef ref = HalfRef.of(low);
    Random r = new Random(m * 1000 + k * 10 + n);
    float[] a = gaussian(r, m * k), b = gaussian(r, k * n), bv = gaussian(r, n);
    try (Device.DefaultScope on = Device.useDefault(device); TensorScope s = new TensorScope()) {
      Tensor ta32 = Tensor.of(a, ta ? k : m, ta ? m : k), tb32 = Tensor.of(b, tb ? n : k, tb ? k : n);
      Tensor c = Tensor.empty(DType.FLOAT32, m, n);
      NativeErrors.check(
          JdnnNative.op_matmul_half(ta32.h(), tb32.h(), bias ? Tensor.of(bv).h() : 0, c.h(), ta, tb, low.code));
      float[] got = c.toFloatArray();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = bias ? bv[j] : 0, mag = Math.abs(sum);
          for (int q = 0; q < k; q++) {
            double x = ref.value(ref.round(a[ta ? q * m + i : i * k + q]));
            double y = ref.value(ref.round(b[tb ? j * k + q : q * n + j]));
            sum += x * y;
            mag += Math.abs(x * y);
          }
          assertTrue(Math.abs(got[i * n + j] - sum) <= 1e-6 * mag + 1e-30, device + " " + low + ": c[" + i + "][" + j
              + "] = " + sum
              + ", got " + got[i * n + j]);
        }
      }
    }
  }

  @ParameterizedTest(name = "N {0}, {1} -> {2}, {3} input {4}")
  @CsvSource({"128, 784, 512, BFLOAT16, FLOAT32", "7, 33, 10, BFLOAT16, BFLOAT16", "40, 64, 17, BFLOAT16, FLOAT32",
      "1, 5, 3, BFLOAT16, BFLOAT16", "128, 784, 512, FLOAT16, FLOAT32", "7, 33, 10, FLOAT16, FLOAT16",
      "1, 5, 3, FLOAT16, FLOAT16"})
  void linearAndItsGradientsMatchTheReferencePath(int batch, int in, int out, DType low, DType inputType) {
    for (Device d : devices(low)) {
      try (Device.DefaultScope on = Device.useDefault(d)) {
        compareWithReference(d, low, batch, in, out, inputType);
      }
    }
  }

  private static void compareWithReference(Device device, DType low, int batch, int in, int out, DType inputType) {
    float[][] kernels = linearRun(low, batch, in, out, inputType, true);
    float[][] reference = linearRun(low, batch, in, out, inputType, false);
    assertWithinOneUnit(device + " " + low, new String[] {"y", "dx", "dw", "db"}, reference, kernels, low);
  }

  // One unit of the result, plus float32 summation-order error where a sum cancels (normwise: 1e-5 of the largest
  // value; the float32 sums differ by about 2^-24 of their terms' magnitudes, a few per hundred terms).
  private static void assertWithinOneUnit(String where, String[] names, float[][] reference, float[][] kernels,
      DType low) {
    HalfRef ref = HalfRef.of(low);
    for (int t = 0; t < names.length; t++) {
      double largest = 0;
      for (float v : reference[t]) largest = Math.max(largest, Math.abs(v));
      for (int i = 0; i < reference[t].length; i++) {
        double want = reference[t][i], got = kernels[t][i];
        assertTrue(Math.abs(got - want) <= ref.ulp(want) + 1e-5 * largest, where + ": " + names[t] + "[" + i
            + "]: reference " + want + ", kernels " + got + " (largest " + largest + ")");
      }
    }
  }

  @ParameterizedTest(name = "{0}: {1}x{2}x{3} ta={4} tb={5}, operands {6}")
  @CsvSource({"BFLOAT16, 9, 33, 7, false, false, FLOAT32", "BFLOAT16, 16, 40, 5, true, false, BFLOAT16",
      "BFLOAT16, 3, 64, 20, false, true, FLOAT32", "BFLOAT16, 12, 8, 31, true, true, BFLOAT16",
      "FLOAT16, 9, 33, 7, false, false, FLOAT32", "FLOAT16, 16, 40, 5, true, true, FLOAT16",
      "FLOAT16, 3, 64, 20, false, true, FLOAT16"})
  void matmulAndItsGradientsMatchTheReferencePath(DType low, int m, int k, int n, boolean ta, boolean tb, DType type) {
    compareProducts(low, 0, m, k, n, ta, tb, type);
  }

  @ParameterizedTest(name = "{0}: batch {1}, {2}x{3}x{4} ta={5} tb={6}, operands {7}")
  @CsvSource({"BFLOAT16, 3, 9, 33, 7, false, false, FLOAT32", "BFLOAT16, 2, 16, 40, 5, true, true, BFLOAT16",
      "FLOAT16, 4, 9, 17, 6, false, true, FLOAT32", "FLOAT16, 2, 5, 8, 12, true, false, FLOAT16",
      "BFLOAT16, 1, 3, 64, 20, false, true, FLOAT32"})
  void bmmAndItsGradientsMatchTheReferencePath(DType low, int batch, int m, int k, int n, boolean ta, boolean tb,
      DType type) {
    compareProducts(low, batch, m, k, n, ta, tb, type);
  }

  // matmul (batch 0) or bmm on the 16-bit GEMMs against the reference path, on every device with them.
  private static void compareProducts(DType low, int batch, int m, int k, int n, boolean ta, boolean tb, DType type) {
    for (Device d : devices(low)) {
      try (Device.DefaultScope on = Device.useDefault(d)) {
        float[][] kernels = matmulRun(low, batch, m, k, n, ta, tb, type, true);
        float[][] reference = matmulRun(low, batch, m, k, n, ta, tb, type, false);
        assertWithinOneUnit(d + " " + low, new String[] {"c", "da", "db"}, reference, kernels, low);
      }
    }
  }

  /**
   * c, da, db of sum(c * u) for c = op(a) op(b) (batch 0) or bmm's c[i] = op(a[i]) op(b[i]) under autocast to
   * {@code low}, with or without the kernels.
   */
  private static float[][] matmulRun(DType low, int batch, int m, int k, int n, boolean ta, boolean tb, DType type,
      boolean withKernels) {
    Random r = new Random(batch * 1000 + m * 100 + k * 10 + n);
    boolean was = HalfProducts.enabled;
    HalfProducts.enabled = withKernels;
    int entries = Math.max(batch, 1);
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(gaussian(r, entries * m * k), shape(batch, ta ? k : m, ta ? m : k)).to(type).requiresGrad(true);
      Tensor b = Tensor.of(gaussian(r, entries * k * n), shape(batch, tb ? n : k, tb ? k : n)).to(type).requiresGrad(true);
      Tensor u = Tensor.of(gaussian(r, entries * m * n), shape(batch, m, n));
      Tensor c;
      try (Autocast.Scope scope = Autocast.enable(low)) {
        boolean applies = batch > 0 ? HalfProducts.appliesToBmm(a, b) : HalfProducts.appliesToMatmul(a, b);
        if (withKernels) assertTrue(applies, low + " kernels must apply on " + a.device());
        c = batch > 0 ? Linalg.bmm(a, b, ta, tb) : Linalg.matmul(a, b, ta, tb);
      }
      assertSame(low, c.dtype());
      c.to(DType.FLOAT32).mul(u).sum().backward();
      assertSame(type, a.grad().dtype());
      assertSame(type, b.grad().dtype());
      return new float[][] {c.toFloatArray(), a.grad().toFloatArray(), b.grad().toFloatArray()};
    } finally {
      HalfProducts.enabled = was;
    }
  }

  /** y, dx, dw, db of sum(y * u) for a seeded Linear under autocast to {@code low}, with or without the kernels. */
  private static float[][] linearRun(DType low, int batch, int in, int out, DType inputType, boolean withKernels) {
    Random r = new Random(batch + in + out);
    boolean was = HalfProducts.enabled;
    HalfProducts.enabled = withKernels;
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(gaussian(r, batch * in), batch, in).to(inputType).requiresGrad(true);
      Tensor w = Tensor.of(gaussian(r, out * in), out, in).mul(0.1).requiresGrad(true);
      Tensor b = Tensor.of(gaussian(r, out)).requiresGrad(true);
      Tensor u = Tensor.of(gaussian(r, batch * out), batch, out);
      Tensor y;
      try (Autocast.Scope a = Autocast.enable(low)) {
        if (withKernels) assertTrue(HalfProducts.appliesTo(x, w, b), low + " kernels must apply on " + x.device());
        y = Linalg.linear(x, w, b, "Linear(test)");
      }
      assertSame(low, y.dtype());
      y.to(DType.FLOAT32).mul(u).sum().backward();
      assertSame(inputType, x.grad().dtype());
      assertSame(DType.FLOAT32, w.grad().dtype());
      return new float[][] {y.toFloatArray(), x.grad().toFloatArray(), w.grad().toFloatArray(), b.grad().toFloatArray()};
    } finally {
      HalfProducts.enabled = was;
    }
  }

  // (rows, cols), or (batch, rows, cols) when batch > 0
  private static long[] shape(int batch, int rows, int cols) {
    return batch > 0 ? new long[] {batch, rows, cols} : new long[] {rows, cols};
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }
}
