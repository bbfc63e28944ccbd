package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.examples.FashionMnistCnn;
import org.junit.jupiter.api.Test;

class SummaryTest {
  /**
   * W2 per sample, by hand with Summary's convention (multiply-add = 2, bias 1 per output):
   * conv1 [32,28,28]: 25,088 outputs x (2*1*9 + 1) = 476,672; BN 2 x 25,088 = 50,176; ReLU 25,088;
   * pool 6,272 x 4 = 25,088; conv2 [64,14,14]: 12,544 x (2*32*9 + 1) = 7,237,888; BN 25,088;
   * ReLU 12,544; pool 3,136 x 4 = 12,544; Linear 2*3136*128 + 128 = 802,944; ReLU 128;
   * Linear 2*128*10 + 10 = 2,570. Total 8,670,730.
   * Parameters: 320 + 64 + 18,496 + 128 + 401,536 + 1,290 = 421,834.
   */
  @Test
  void w2FiguresMatchTheHandComputedValues() {
    try (Layer w2 = FashionMnistCnn.model()) {
      Summary s = Summary.of(w2, 1, 28, 28);
      List<Summary.Row> r = s.rows();
      assertEquals(13, r.size());
      long[][] shapes = {{32, 28, 28}, {32, 28, 28}, {32, 28, 28}, {32, 14, 14}, {64, 14, 14}, {64, 14, 14},
          {64, 14, 14}, {64, 7, 7}, {3136}, {128}, {128}, {128}, {10}};
      long[] params = {320, 64, 0, 0, 18_496, 128, 0, 0, 0, 401_536, 0, 0, 1_290};
      long[] flops = {476_672, 50_176, 25_088, 25_088, 7_237_888, 25_088, 12_544, 12_544, 0, 802_944, 128, 0, 2_570};
      for (int i = 0; i < 13; i++) {
        assertArrayEquals(shapes[i], r.get(i).outputShape, "row " + i + " " + r.get(i).layer);
        assertEquals(params[i], r.get(i).parameters, "parameters of row " + i + " " + r.get(i).layer);
        assertEquals(flops[i], r.get(i).flops, "FLOPs of row " + i + " " + r.get(i).layer);
      }
      assertEquals(421_834, s.totalParameters());
      assertEquals(8_670_730, s.totalFlops());
      String table = s.toString();
      assertTrue(table.contains("Conv2d(1 -> 32, kernel 3x3, padding 1)") && table.contains("8,670,730"), table);
      assertTrue(w2.isTraining(), "summary restores training mode");
    }
  }

  @Test
  void compositeModulesCountTheirBranches() {
    try (Layer m = new Sequential(new Residual(new Sequential(new Linear(4, 4), new ReLU())),
        new Concat(1, new Linear(4, 2), new Linear(4, 3)))) {
      Summary s = Summary.of(m, 4);
      // residual: linear 2*4*4+4 = 36, relu 4, add 4 -> 44; concat: (16+2) + (24+3) = 45
      assertEquals(44, s.rows().get(0).flops);
      assertEquals(45, s.rows().get(1).flops);
      assertArrayEquals(new long[] {5}, s.rows().get(1).outputShape);
    }
  }
}
