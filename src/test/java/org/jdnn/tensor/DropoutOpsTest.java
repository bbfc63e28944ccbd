package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** DropoutOps.dropout: Philox mask, inverted scaling, determinism, per-channel mode, gradient. */
class DropoutOpsTest {

  /** philox_uniform(philox4x32_10(counter, seed)) exactly as native/src/kernels/philox.h computes it. */
  static double philoxUniform(long counter, long seed) {
    int c0 = (int) counter, c1 = (int) (counter >>> 32), c2 = 0, c3 = 0;
    int k0 = (int) seed, k1 = (int) (seed >>> 32);
    for (int round = 0; round < 10; round++) {
      long p0 = 0xD2511F53L * (c0 & 0xffffffffL), p1 = 0xCD9E8D57L * (c2 & 0xffffffffL);
      int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
      int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
      k0 += 0x9E3779B9;
      k1 += 0xBB67AE85;
    }
    long bits = ((c0 & 0xffffffffL) << 21) ^ ((c1 & 0xffffffffL) >>> 11);
    return (bits & ((1L << 53) - 1)) * (1.0 / 9007199254740992.0);
  }

  static Tensor ones(int n) {
    float[] v = new float[n];
    Arrays.fill(v, 1f);
    return Tensor.of(v);
  }

  @Test
  void keptFractionIsOneMinusPAndKeptValuesAreScaled() {
    int n = 100_000;
    for (double p : new double[] {0.1, 0.5, 0.8}) {
      try (TensorScope s = new TensorScope()) {
        float[] x = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) x[i] = 0.5f + r.nextFloat();  // never 0, so a 0 output means dropped
        float[] y = DropoutOps.dropout(Tensor.of(x), p, false, 42, 0, "Dropout(p=" + p + ")").toFloatArray();
        int kept = 0;
        float scale = (float) (1.0 / (1.0 - p));
        for (int i = 0; i < n; i++) {
          if (y[i] != 0) {
            kept++;
            assertEquals(x[i] * scale, y[i], 0f, "kept element " + i);
          }
        }
        double fraction = kept / (double) n, se = Math.sqrt(p * (1 - p) / n);
        assertEquals(1 - p, fraction, 5 * se, "kept fraction for p = " + p);
      }
    }
  }

  @Test
  void maskIsThePhiloxStreamAtOffsetPlusIndex() {
    int n = 4096;
    double p = 0.3;
    long seed = 0x1234_5678_9abcL, offset = 1L << 33;  // a counter above 2^32 exercises the high word
    try (TensorScope s = new TensorScope()) {
      float[] y = DropoutOps.dropout(ones(n), p, false, seed, offset, "Dropout(p=0.3)").toFloatArray();
      for (int i = 0; i < n; i++) {
        boolean keep = philoxUniform(offset + i, seed) >= p;
        assertEquals(keep ? (float) (1 / (1 - p)) : 0f, y[i], 0f, "element " + i);
      }
    }
  }

  @Test
  void sameSeedAndOffsetGiveTheSameMaskOtherOffsetsShiftIt() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = ones(1000);
      float[] a = DropoutOps.dropout(x, 0.5, false, 7, 100, "Dropout(p=0.5)").toFloatArray();
      float[] b = DropoutOps.dropout(x, 0.5, false, 7, 100, "Dropout(p=0.5)").toFloatArray();
      float[] c = DropoutOps.dropout(x, 0.5, false, 7, 1100, "Dropout(p=0.5)").toFloatArray();
      float[] shifted = DropoutOps.dropout(x, 0.5, false, 7, 101, "Dropout(p=0.5)").toFloatArray();
      float[] otherSeed = DropoutOps.dropout(x, 0.5, false, 8, 100, "Dropout(p=0.5)").toFloatArray();
      assertArrayEquals(a, b, 0f);
      assertFalse(Arrays.equals(a, c), "a different offset gives a different mask");
      assertFalse(Arrays.equals(a, otherSeed), "a different seed gives a different mask");
      // counter-based: offset 101 is offset 100 moved by one element
      assertArrayEquals(Arrays.copyOfRange(a, 1, 1000), Arrays.copyOfRange(shifted, 0, 999), 0f);
    }
  }

  @Test
  void perChannelDropsWholeChannelsWithOneDrawPerPair() {
    int n = 20, c = 30, hw = 12;
    double p = 0.4;
    long seed = 99, offset = 5;
    try (TensorScope s = new TensorScope()) {
      float[] x = new float[n * c * hw];
      Arrays.fill(x, 2f);
      float[] y = DropoutOps.dropout(Tensor.of(x, n, c, 3, 4), p, true, seed, offset, "Dropout2d(p=0.4)").toFloatArray();
      int keptChannels = 0;
      for (int j = 0; j < n * c; j++) {
        boolean keep = philoxUniform(offset + j, seed) >= p;
        keptChannels += keep ? 1 : 0;
        for (int k = 0; k < hw; k++) {
          assertEquals(keep ? (float) (2 / (1 - p)) : 0f, y[j * hw + k], 1e-6f, "channel pair " + j + " element " + k);
        }
      }
      assertTrue(keptChannels > 0 && keptChannels < n * c, "some channels kept, some dropped: " + keptChannels);
      // rank 3 (N, C, L) works too; rank 2 is refused
      assertArrayEquals(new long[] {2, 3, 4},
          DropoutOps.dropout(Tensor.zeros(2, 3, 4), p, true, seed, 0, "Dropout1d(p=0.4)").shape());
      assertMessage(() -> DropoutOps.dropout(Tensor.zeros(2, 3), p, true, seed, 0, "Dropout2d(p=0.4)"),
          "Dropout2d(p=0.4)", "rank >= 3", "[2, 3]");
    }
  }

  @Test
  void gradientUsesTheSameMask() {
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(3);
      Tensor x = Tensor.of(uniform(r, 500, -1, 1), 5, 10, 10).requiresGrad(true);
      Tensor y = DropoutOps.dropout(x, 0.25, false, 11, 0, "Dropout(p=0.25)");
      y.sum().backward();
      double[] yv = y.toDoubleArray(), xv = x.toDoubleArray(), g = x.grad().toDoubleArray();
      for (int i = 0; i < 500; i++) {
        double expected = yv[i] != 0 ? 1 / 0.75 : 0;
        assertEquals(expected, g[i], 1e-15, "gradient " + i);
        assertEquals(xv[i] * expected, yv[i], 1e-15);
      }
      Tensor x2 = Tensor.of(uniform(r, 2 * 3 * 4, -1, 1), 2, 3, 4);
      GradCheck.check(in -> DropoutOps.dropout(in[0], 0.5, false, 4, 9, "Dropout(p=0.5)"), x2).assertWithin(1e-6, 1e-5);
      GradCheck.check(in -> DropoutOps.dropout(in[0], 0.5, true, 4, 9, "Dropout2d(p=0.5)"), x2).assertWithin(1e-6, 1e-5);
    }
  }

  @Test
  void zeroProbabilityIsAnIdentityCopy() {
    try (TensorScope s = new TensorScope()) {
      double[] v = uniform(new Random(4), 30, -1, 1);
      Tensor x = Tensor.of(v, 3, 10).requiresGrad(true);
      Tensor y = DropoutOps.dropout(x, 0, false, 1, 0, "Dropout(p=0)");
      assertArrayEquals(v, y.toDoubleArray(), 0.0);
      y.backward(Tensor.of(v, 3, 10));
      assertArrayEquals(v, x.grad().toDoubleArray(), 0.0);
      // a copy, not the input itself
      MemoryOps.fill(y, 0);
      assertArrayEquals(v, x.toDoubleArray(), 0.0);
    }
  }

  @Test
  void probabilityOutsideZeroToOneIsRejected() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.zeros(4, 4);
      assertMessage(() -> DropoutOps.dropout(x, 1.0, false, 0, 0, "Dropout(p=1.0)"), "Dropout(p=1.0)", "[0, 1)", "got 1.0");
      assertMessage(() -> DropoutOps.dropout(x, -0.1, false, 0, 0, "Dropout(p=-0.1)"), "Dropout(p=-0.1)", "p", "got -0.1");
      assertMessage(() -> DropoutOps.dropout(x, Double.NaN, false, 0, 0, "Dropout"), "Dropout", "got NaN");
      assertMessage(() -> DropoutOps.dropout(Tensor.ofInts(new int[4]), 0.5, false, 0, 0, "Dropout"), "Dropout", "int32");
    }
  }
}
