package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.globalUniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.data.FashionMnist;
import org.jdnn.examples.ClassifierTraining;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.examples.StandardizedFashionMnist;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The opt-in bf16 inference path: every kernel this CPU can run (amx, avx512bf16 and the portable
 * generic one, switched with the test hook) against a reference that rounds x and W to bf16 the
 * same way and sums in double, and against float32 within bf16's precision; Layer switching;
 * W1's accuracy on a Fashion-MNIST subset.
 */
class Bf16InferenceTest {
  private final String initialKernel = JdnnNative.cpu_bf16_kernel();

  @AfterEach
  void restoreKernel() {
    JdnnNative.cpu_bf16_force_kernel(initialKernel);
  }

  static float bf16(float f) {
    int u = Float.floatToRawIntBits(f);
    u += 0x7fff + ((u >>> 16) & 1);
    return Float.intBitsToFloat(u & 0xffff0000);
  }

  static List<String> runnableKernels() {
    List<String> out = new ArrayList<>();
    for (String k : new String[] {"amx", "avx512bf16", "generic"}) if (JdnnNative.cpu_bf16_force_kernel(k)) out.add(k);
    return out;
  }

  @Test
  void everyKernelMatchesTheBf16ReferenceAndFloat32WithinBf16Precision() {
    List<String> kernels = runnableKernels();
    assertTrue(kernels.contains("generic"), "the portable kernel always runs");
    int[][] shapes = {{1, 784, 512}, {7, 37, 10}, {16, 64, 33}, {33, 100, 70}, {64, 784, 512}, {100, 256, 10}, {5, 1, 3}, {2, 50, 300}, {13, 70, 130}, {14, 784, 256}};
    for (String kernel : kernels) {
      assertTrue(JdnnNative.cpu_bf16_force_kernel(kernel));
      for (int[] sh : shapes) {
        for (boolean relu : new boolean[] {false, true}) check(kernel, sh[0], sh[1], sh[2], relu, sh[0] % 2 == 1);
      }
    }
  }

  @Test
  void reluKeepsNaNOnEveryKernel() {
    // PyTorch's relu(NaN) is NaN: a NaN input row must come out NaN, not clipped to 0, whichever kernel runs.
    for (String kernel : runnableKernels()) {
      assertTrue(JdnnNative.cpu_bf16_force_kernel(kernel));
      try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
        int n = 3, in = 20, out = 40;
        Tensor w = globalUniform(DType.FLOAT32, out, in);
        float[] xs = new float[n * in];
        java.util.Arrays.fill(xs, 0.5f);
        xs[in + 3] = Float.NaN;  // row 1
        float[] y;
        try (Tensor packed = Linalg.packBf16(w)) {
          y = Linalg.linearBf16(Tensor.of(xs, n, in), packed, out, null, true, "t").toFloatArray();
        }
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < out; j++) {
            float v = y[i * out + j];
            assertTrue(i == 1 ? Float.isNaN(v) : Float.isFinite(v), kernel + " [" + i + "," + j + "] = " + v);
          }
        }
      }
    }
  }

  /**
   * The SIMD kernels convert x with VCVTNEPS2BF16, the generic one with the shared scalar rule
   * (kernels/bf16.h). Through an identity weight y is exactly bf16(x), so every kernel must agree
   * bit for bit: on rounding ties either way, carries into the exponent, overflow to infinity and
   * NaN. Denormal inputs are the documented exception: the instruction reads them as zero.
   */
  @Test
  void simdConversionFollowsTheSharedScalarRoundingRule() {
    final int in = 77;  // two 32-wide blocks, a masked tail and an odd last column
    java.util.Random r = new java.util.Random(5);
    int[] low = {0x8000, 0x7fff, 0x8001, 0x0000, 0xffff, 0x18000};
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      float[] row = new float[in];
      for (int k = 0; k < in; k++) {
        int sign = r.nextBoolean() ? 0x80000000 : 0, exp = 1 + r.nextInt(253) << 23;
        int l = low[r.nextInt(low.length)], mant = (r.nextInt(1 << 7) << 16 | (l == 0x18000 ? r.nextInt(1 << 16) : l));
        row[k] = Float.intBitsToFloat(sign | exp | mant & 0x7fffff);
      }
      rows.add(row);
    }
    int[] specials = {0x7fc00000, 0x7f800001, 0xffc12345, 0x7f800000, 0xff800000, 0x7f7fffff, 0xff7f8000, 0x7f7f7fff};
    for (int i = 0; i < specials.length; i++) {
      float[] row = new float[in];
      row[(i * 13 + 5) % in] = Float.intBitsToFloat(specials[i]);
      rows.add(row);
    }
    int denormalRow = rows.size();
    float[] tiny = new float[in];
    for (int k = 0; k < in; k++) tiny[k] = (k % 2 == 0 ? 1 : -1) * Float.MIN_VALUE * (1 + r.nextInt(1 << 22));
    rows.add(tiny);
    int n = rows.size();
    float[] xs = new float[n * in], ws = new float[in * in];
    for (int i = 0; i < n; i++) System.arraycopy(rows.get(i), 0, xs, i * in, in);
    for (int j = 0; j < in; j++) ws[j * in + j] = 1;
    java.util.Map<String, float[]> results = new java.util.LinkedHashMap<>();
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = Tensor.of(xs, n, in);
      try (Tensor packed = Linalg.packBf16(Tensor.of(ws, in, in))) {
        for (String kernel : runnableKernels()) {
          assertTrue(JdnnNative.cpu_bf16_force_kernel(kernel));
          results.put(kernel, Linalg.linearBf16(x, packed, in, null, false, "t").toFloatArray());
        }
      }
    }
    float[] generic = results.get("generic");
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < in; k++) {
        float v = xs[i * in + k], want = generic[i * in + k];
        String at = "row " + i + " col " + k + " x=0x" + Integer.toHexString(Float.floatToRawIntBits(v));
        if (i < 24 || i == denormalRow) assertEquals(bf16(v), want, 0.0f, at + ": generic kernel vs bf16 rounding");
        for (var e : results.entrySet()) {
          if (e.getKey().equals("generic")) continue;
          float got = e.getValue()[i * in + k];
          String who = at + ": " + e.getKey() + " vs generic";
          if (i == denormalRow) assertEquals(0.0f, got, 0.0f, who + " (denormals read as zero)");
          else if (Float.isNaN(want)) assertTrue(Float.isNaN(got), who + " got " + got);
          else assertEquals(want, got, 0.0f, who);
        }
      }
    }
    // The specials reach their own output unchanged by the identity: NaN stays NaN, overflow is inf.
    for (int i = 0; i < specials.length; i++) {
      int k = (i * 13 + 5) % in;
      float v = Float.intBitsToFloat(specials[i]), want = generic[(24 + i) * in + k];
      if (Float.isNaN(v)) assertTrue(Float.isNaN(want), "special " + i);
      else assertEquals(Float.intBitsToFloat(specials[i] + 0x7fff + (specials[i] >>> 16 & 1) & 0xffff0000), want, "special " + i);
    }
  }

  private static void check(String kernel, int n, int in, int out, boolean relu, boolean noBias) {
    Generator.manualSeed(n * 7919L + in * 31L + out);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = globalUniform(DType.FLOAT32, n, in);
      Tensor w = globalUniform(DType.FLOAT32, out, in);
      Tensor b = globalUniform(DType.FLOAT32, out);
      Tensor bias = noBias ? null : b;
      float[] got;
      try (Tensor packed = Linalg.packBf16(w)) {
        got = Linalg.linearBf16(x, packed, out, bias, relu, "t").toFloatArray();
      }
      float[] fp32 = (relu ? Linalg.linearRelu(x, w, bias, "t") : Linalg.linear(x, w, bias, "t")).toFloatArray();
      float[] xs = x.toFloatArray(), ws = w.toFloatArray(), bs = b.toFloatArray();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < out; j++) {
          double ref = noBias ? 0 : bs[j], mag = 0;
          for (int k = 0; k < in; k++) {
            double t = (double) bf16(xs[i * in + k]) * bf16(ws[j * in + k]);
            ref += t;
            mag += Math.abs(t);
          }
          if (relu) ref = Math.max(0, ref);
          String at = kernel + " " + n + "x" + in + "->" + out + (relu ? " relu" : "") + " [" + i + "," + j + "]";
          // float32 accumulation of `in` products: a few ulps of the magnitude sum.
          assertEquals(ref, got[i * out + j], 1e-5 * mag + 1e-6, at + " vs bf16 reference");
          // bf16 rounds each input by up to 2^-9 relatively, so each product by ~2^-8.
          assertEquals(fp32[i * out + j], got[i * out + j], 8e-3 * mag + 1e-5, at + " vs float32");
        }
      }
    }
  }

  @Test
  void moduleSwitchesOnlyGradientFreeForwardsAndFreesTheCopies() {
    Generator.manualSeed(11);
    long before = Device.cpu().bytesInUse();
    try (Layer model = FashionMnistMlp.model(); TensorScope s = new TensorScope()) {
      model.eval();
      Tensor x = globalUniform(DType.FLOAT32, 40, 784);
      float[] fp32;
      try (GradMode.Guard g = GradMode.disable()) {
        fp32 = model.forward(x).toFloatArray();
      }
      model.inferenceBf16(true);
      if (!Linalg.bf16Accelerated()) {  // no bf16 hardware (or JDNN_BF16_KERNEL=generic): float32 fallback
        assertFalse(((Linear) ((Sequential) model).get(0)).isInferenceBf16());
        try (GradMode.Guard g = GradMode.disable()) {
          assertArrayEquals(fp32, model.forward(x).toFloatArray(), 0f);
        }
        return;
      }
      assertTrue(((Linear) ((Sequential) model).get(0)).isInferenceBf16());
      float[] bf;
      try (GradMode.Guard g = GradMode.disable()) {
        bf = model.forward(x).toFloatArray();
      }
      float maxDiff = 0;
      for (int i = 0; i < bf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(bf[i] - fp32[i]));
      assertTrue(maxDiff > 0 && maxDiff < 0.05f, "bf16 logits differ from float32 by " + maxDiff);
      // With gradients recorded (training), the float32 path runs.
      assertArrayEquals(fp32, model.forward(x).toFloatArray(), 0f);
      model.inferenceBf16(false);
      assertFalse(((Linear) ((Sequential) model).get(0)).isInferenceBf16());
      try (GradMode.Guard g = GradMode.disable()) {
        assertArrayEquals(fp32, model.forward(x).toFloatArray(), 0f);
      }
      model.inferenceBf16(true);  // closing the model frees the packed copies too
    }
    assertEquals(before, Device.cpu().bytesInUse());
  }

  @Test
  void threadsSharingABf16ModelGetTheSingleThreadedResults() throws Exception {
    Generator.manualSeed(12);
    try (Layer model = FashionMnistMlp.model()) {
      model.eval().inferenceBf16(true);
      int[] batches = {1, 3, 40, 64};
      float[][] expected = new float[batches.length][];
      for (int i = 0; i < batches.length; i++) expected[i] = predict(model, batches[i]);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
      try {
        List<java.util.concurrent.Future<float[][]>> futures = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
          futures.add(pool.submit(() -> {
            float[][] got = new float[batches.length][];
            for (int round = 0; round < 4; round++) {
              for (int i = 0; i < batches.length; i++) got[i] = predict(model, batches[i]);
            }
            return got;
          }));
        }
        for (java.util.concurrent.Future<float[][]> f : futures) {
          float[][] got = f.get();
          for (int i = 0; i < batches.length; i++) assertArrayEquals(expected[i], got[i], 0f, "batch " + batches[i]);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static float[] predict(Layer model, int batch) {
    float[] x = new float[batch * 784];
    for (int j = 0; j < x.length; j++) x[j] = (float) Math.sin(batch * 17 + j * 0.13);
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return model.forward(Tensor.of(x, batch, 784)).toFloatArray();
    }
  }

  /** W1 trained briefly on 6,000 images: bf16 inference on 2,000 test images loses under 1 point. */
  @Test
  void w1AccuracyOnAFashionMnistSubsetStaysWithinOnePoint() throws Exception {
    Path dir = FashionMnist.defaultDir();
    assumeTrue(FashionMnist.isAvailable(dir), "Fashion-MNIST not installed in " + dir);
    Generator.manualSeed(1);
    try (StandardizedFashionMnist data = StandardizedFashionMnist.load(dir, 6000, 2000, new long[] {784});
        Layer model = FashionMnistMlp.model()) {
      ClassifierTraining.run(model, data.train, data.test, 1, 128, 1e-3, 1, false);
      double fp32 = ClassifierTraining.accuracy(model, data.test, 256);
      model.inferenceBf16(true);
      double bf = ClassifierTraining.accuracy(model, data.test, 256);
      assertTrue(fp32 > 0.7, "float32 accuracy " + fp32);
      assertTrue(Math.abs(fp32 - bf) <= 0.01, "float32 " + fp32 + " vs bf16 " + bf);
    }
  }
}
