package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertRefusal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Conv2dGeometry: every bad setting named in its message, the output size, "same" padding and the packed layout. */
class Conv2dGeometryTest {
  private static final String LAYER = "Conv2d(4 -> 8, kernel 3x3)";

  private static Conv2dGeometry geometry(int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int groups) {
    return new Conv2dGeometry(sh, sw, pt, pl, pb, pr, dh, dw, groups);
  }

  /** The message of validate(LAYER, 4, 8, kh, kw), which must start with the layer and mention every part. */
  private static void assertRejected(Conv2dGeometry g, long kh, long kw, String... parts) {
    assertRefusal(() -> g.validate(LAYER, 4, 8, kh, kw), LAYER, parts);
  }

  @Test
  void eachBadSettingIsNamedWithItsExpectedAndActualValue() {
    assertRejected(geometry(0, 1, 0, 0, 0, 0, 1, 1, 1), 3, 3, "stride", ">= 1", "got 0x1");
    assertRejected(geometry(1, -2, 0, 0, 0, 0, 1, 1, 1), 3, 3, "stride", ">= 1", "got 1x-2");
    assertRejected(geometry(1, 1, -1, 0, 0, 0, 1, 1, 1), 3, 3, "padding", ">= 0", "top -1");
    assertRejected(geometry(1, 1, 0, -1, 0, 0, 1, 1, 1), 3, 3, "padding", ">= 0", "left -1");
    assertRejected(geometry(1, 1, 0, 0, -1, 0, 1, 1, 1), 3, 3, "padding", ">= 0", "bottom -1");
    assertRejected(geometry(1, 1, 0, 0, 0, -1, 1, 1, 1), 3, 3, "padding", ">= 0", "right -1");
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 0, 1, 1), 3, 3, "dilation", ">= 1", "got 0x1");
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 1, 0, 1), 3, 3, "dilation", ">= 1", "got 1x0");
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 1, 1, 0), 3, 3, "groups", ">= 1", "got 0");
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 1, 1, -4), 3, 3, "groups", ">= 1", "got -4");
    assertRejected(Conv2dGeometry.defaults(), 0, 3, "kernel", "at least 1x1", "got 0x3");
    assertRejected(Conv2dGeometry.defaults(), 3, -1, "kernel", "at least 1x1", "got 3x-1");
    // 4 input and 8 output channels: 3 divides neither, 8 only the output count
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 1, 1, 3), 3, 3, "groups must divide", "input channels (4)",
        "output channels (8)", "got groups 3", "the largest is 4");
    assertRejected(geometry(1, 1, 0, 0, 0, 0, 1, 1, 8), 3, 3, "groups must divide", "got groups 8");
    // and a geometry that divides passes
    geometry(2, 1, 1, 0, 2, 1, 2, 3, 4).validate(LAYER, 4, 8, 3, 3);
  }

  @Test
  void channelsWithoutACommonDivisorSuggestOneGroup() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> geometry(1, 1, 0, 0, 0, 0, 1, 1, 2).validate("Conv2d(3 -> 5)", 3, 5, 1, 1));
    assertTrue(e.getMessage().contains("such as 1"), e.getMessage());
  }

  /**
   * Kernel positions along one axis, counted one by one: start p * stride, last tap p * stride + dilation (k - 1).
   * Pool2dGeometryTest counts pooling windows with it too (a window is a kernel with dilation 1).
   */
  static long positions(long size, int padBefore, int padAfter, long k, int stride, int dilation) {
    long padded = size + padBefore + padAfter;
    long count = 0;
    for (long start = 0; start + (long) dilation * (k - 1) < padded; start += stride) count++;
    return count;
  }

  @Test
  void outputSizeCountsEveryKernelPosition() {
    int checked = 0, rejected = 0;
    for (int size = 1; size <= 9; size++) {
      for (int k = 1; k <= 4; k++) {
        for (int stride = 1; stride <= 3; stride++) {
          for (int dilation = 1; dilation <= 3; dilation++) {
            for (int before = 0; before <= 2; before++) {
              for (int after = 0; after <= 2; after++) {
                // the same axis settings down the height, and a plain 1-wide axis across the width
                Conv2dGeometry g = geometry(stride, 1, before, 0, after, 0, dilation, 1, 1);
                long expected = positions(size, before, after, k, stride, dilation);
                if (expected == 0) {
                  int s = size, kk = k;
                  IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                      () -> g.outputSize(LAYER, s, 1, kk, 1));
                  assertTrue(e.getMessage().contains("kernel larger than the padded input"), e.getMessage());
                  rejected++;
                } else {
                  assertArrayEquals(new long[] {expected, 1}, g.outputSize(LAYER, size, 1, k, 1),
                      "size " + size + " kernel " + k + " stride " + stride + " dilation " + dilation + " pad "
                          + before + "/" + after);
                  // the transposed geometry gives the transposed answer
                  Conv2dGeometry t = geometry(1, stride, 0, before, 0, after, 1, dilation, 1);
                  assertArrayEquals(new long[] {1, expected}, t.outputSize(LAYER, 1, size, 1, k));
                  checked++;
                }
              }
            }
          }
        }
      }
    }
    assertTrue(checked > 1000 && rejected > 100, checked + " checked, " + rejected + " rejected");
  }

  @Test
  void outputSizeNamesTheSizesWhenTheKernelDoesNotFit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> geometry(1, 1, 1, 0, 0, 0, 2, 1, 1).outputSize(LAYER, 3, 5, 3, 3));
    String m = e.getMessage();
    assertTrue(m.startsWith(LAYER + ": kernel larger than the padded input"), m);
    assertTrue(m.contains("padded input 4x5") && m.contains("input 3x5") && m.contains("effective kernel 5x3")
        && m.contains("dilation 2x1"), m);
    // a bad setting is reported before any size arithmetic (no division by a zero stride)
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
        () -> geometry(0, 1, 0, 0, 0, 0, 1, 1, 1).outputSize(LAYER, 8, 8, 3, 3));
    assertTrue(s.getMessage().contains("stride"), s.getMessage());
  }

  @Test
  void samePaddingKeepsTheSizeAndPutsTheOddZeroLast() {
    for (int k = 1; k <= 6; k++) {
      for (int d = 1; d <= 3; d++) {
        Conv2dGeometry g = Conv2dGeometry.same(k, k + 1, d, d, 1);
        long totalH = (long) d * (k - 1), totalW = (long) d * k;
        assertEquals(totalH, g.padTop() + g.padBottom());
        assertEquals(totalW, g.padLeft() + g.padRight());
        assertEquals(totalH / 2, g.padTop(), "the smaller half goes first, as in PyTorch");
        assertEquals(totalW / 2, g.padLeft());
        for (int size = 1; size <= 7; size++) {
          assertArrayEquals(new long[] {size, size}, g.outputSize(LAYER, size, size, k, k + 1));
        }
      }
    }
  }

  @Test
  void alongWidthMakesTheHeightNeutral() {
    Conv2dGeometry g = geometry(3, 2, 4, 1, 5, 2, 6, 3, 2).alongWidth();
    assertEquals(geometry(1, 2, 0, 1, 0, 2, 1, 3, 2), g);
  }

  @Test
  void packedIsTheNativeOrder() {
    assertArrayEquals(new long[] {2, 3, 4, 5, 6, 7, 8, 9, 10}, geometry(2, 3, 4, 5, 6, 7, 8, 9, 10).packed());
    assertArrayEquals(new long[] {1, 1, 0, 0, 0, 0, 1, 1, 1}, Conv2dGeometry.defaults().packed());
  }
}
