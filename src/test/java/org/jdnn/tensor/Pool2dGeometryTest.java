package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertRefusal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Pool2dGeometry: every bad setting named in its message, the output size and the packed layout. */
class Pool2dGeometryTest {
  private static final String LAYER = "MaxPool2d(kernel 3)";

  private static void assertRejected(Pool2dGeometry g, String... parts) {
    assertRefusal(() -> g.validate(LAYER), LAYER, parts);
  }

  @Test
  void eachBadSettingIsNamedWithItsExpectedAndActualValue() {
    assertRejected(new Pool2dGeometry(0, 3, 1, 1, 0, 0), "kernel", "at least 1x1", "got 0x3");
    assertRejected(new Pool2dGeometry(3, -1, 1, 1, 0, 0), "kernel", "at least 1x1", "got 3x-1");
    assertRejected(new Pool2dGeometry(3, 3, 0, 1, 0, 0), "stride", ">= 1", "got 0x1");
    assertRejected(new Pool2dGeometry(3, 3, 1, -2, 0, 0), "stride", ">= 1", "got 1x-2");
    assertRejected(new Pool2dGeometry(3, 3, 1, 1, -1, 0), "padding", ">= 0", "half the kernel 3x3", "got padding -1x0");
    assertRejected(new Pool2dGeometry(3, 3, 1, 1, 0, -1), "padding", "got padding 0x-1");
    assertRejected(new Pool2dGeometry(3, 3, 1, 1, 2, 0), "padding", "at most 1x1", "got padding 2x0");
    assertRejected(new Pool2dGeometry(4, 5, 1, 1, 2, 3), "padding", "at most 2x2", "got padding 2x3");
    new Pool2dGeometry(4, 5, 1, 1, 2, 2).validate(LAYER);
  }

  @Test
  void outputSizeCountsEveryWindow() {
    int checked = 0, rejected = 0;
    for (int size = 1; size <= 9; size++) {
      for (int k = 1; k <= 5; k++) {
        for (int stride = 1; stride <= 4; stride++) {
          for (int pad = 0; pad <= k / 2; pad++) {
            Pool2dGeometry g = new Pool2dGeometry(k, 1, stride, 1, pad, 0);
            long expected = Conv2dGeometryTest.positions(size, pad, pad, k, stride, 1);  // counted one by one
            if (expected == 0) {
              int s = size;
              IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.outputSize(LAYER, s, 1));
              assertTrue(e.getMessage().contains("kernel larger than the padded input"), e.getMessage());
              rejected++;
            } else {
              assertArrayEquals(new long[] {expected, 1}, g.outputSize(LAYER, size, 1),
                  "size " + size + " kernel " + k + " stride " + stride + " pad " + pad);
              assertArrayEquals(new long[] {1, expected}, new Pool2dGeometry(1, k, 1, stride, 0, pad).outputSize(LAYER, 1, size));
              checked++;
            }
          }
        }
      }
    }
    assertTrue(checked > 300 && rejected > 10, checked + " checked, " + rejected + " rejected");
  }

  @Test
  void outputSizeNamesTheSizesAndChecksTheSettingsFirst() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Pool2dGeometry(7, 2, 1, 1, 0, 1).outputSize(LAYER, 6, 6));
    String m = e.getMessage();
    assertTrue(m.contains("padded input 6x8") && m.contains("input 6x6") && m.contains("kernel 7x2"), m);
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
        () -> new Pool2dGeometry(2, 2, 0, 0, 0, 0).outputSize(LAYER, 6, 6));
    assertTrue(s.getMessage().contains("stride"), s.getMessage());
  }

  @Test
  void packedIsTheNativeOrder() {
    assertArrayEquals(new long[] {5, 4, 3, 2, 1, 0}, new Pool2dGeometry(5, 4, 3, 2, 1, 0).packed());
  }
}
