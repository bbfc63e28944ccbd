package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class NormalizerTest {
  @Test
  void perFeatureStatisticsWithAConstantFeatureMappedToZero() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 7, 3, 7, 5, 7}, 3, 2);
      Normalizer n = Normalizer.fit(x);
      assertArrayEquals(new double[] {3, 7}, n.mean(), 1e-6);
      assertArrayEquals(new double[] {Math.sqrt(8.0 / 3), 1}, n.std(), 1e-6, "biased std; constant feature gets 1");
      float[] y = n.apply(x).toFloatArray();
      assertEquals(-2 / Math.sqrt(8.0 / 3), y[0], 1e-6);
      assertEquals(0, y[1]);
    }
  }

  @Test
  void perChannelStatisticsForImages() {
    try (TensorScope s = new TensorScope()) {
      // 2 images, 2 channels, 1x2 pixels: channel 0 holds 0,2,4,6 and channel 1 holds 10 everywhere
      Tensor x = Tensor.of(new float[] {0, 2, 10, 10, 4, 6, 10, 10}, 2, 2, 1, 2);
      Normalizer n = Normalizer.fit(x);
      assertTrue(n.isPerChannel());
      assertArrayEquals(new double[] {3, 10}, n.mean(), 1e-6);
      assertArrayEquals(new double[] {Math.sqrt(5), 1}, n.std(), 1e-6);
      float[] y = n.apply(x).toFloatArray();
      assertEquals(-3 / Math.sqrt(5), y[0], 1e-6);
      assertEquals(0, y[2]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.apply(Tensor.zeros(2, 3, 1, 2)));
      assertEquals("Normalizer: expected (N, 2, H, W) images, got float32[2, 3, 1, 2] on cpu", e.getMessage());
    }
  }
}
