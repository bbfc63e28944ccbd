package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.DType;

/**
 * Rows for max and average pooling, PyTorch's rules: padding at most half the kernel, max pooling
 * padded with -infinity, floor output sizes, average pooling dividing by kh * kw with
 * countIncludePad and by the cells inside the input without.
 */
final class PoolRows {
  private PoolRows() {}

  /** Input (n, c, h, w), kernel, stride and padding. */
  static final class Pool {
    final String name;
    final int n, c, h, w, kh, kw, sh, sw, ph, pw;
    final boolean includePad;

    Pool(String name, int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, boolean includePad) {
      this.name = name;
      this.n = n;
      this.c = c;
      this.h = h;
      this.w = w;
      this.kh = kh;
      this.kw = kw;
      this.sh = sh;
      this.sw = sw;
      this.ph = ph;
      this.pw = pw;
      this.includePad = includePad;
    }

    Pool counting(boolean pad) {
      return new Pool(name + (pad ? ", padding counted" : ""), n, c, h, w, kh, kw, sh, sw, ph, pw, pad);
    }

    Pool2dGeometry window() {
      return new Pool2dGeometry(kh, kw, sh, sw, ph, pw);
    }

    int oh() {
      return (h + 2 * ph - kh) / sh + 1;
    }

    int ow() {
      return (w + 2 * pw - kw) / sw + 1;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static final Pool[] CONFIGS = {
      new Pool("k2 s2 (W2)", 2, 3, 8, 6, 2, 2, 2, 2, 0, 0, false),
      new Pool("k2 s2 odd input 7x5 (floor mode)", 2, 2, 7, 5, 2, 2, 2, 2, 0, 0, false),
      new Pool("k3 s2 overlapping", 2, 2, 7, 7, 3, 3, 2, 2, 0, 0, false),
      new Pool("k3 s2 p1 overlapping padded", 2, 2, 8, 7, 3, 3, 2, 2, 1, 1, false),
      new Pool("k3 s1 p1", 1, 3, 5, 6, 3, 3, 1, 1, 1, 1, false),
      new Pool("k2x3 s1x2 p1x1 non-square", 2, 2, 6, 7, 2, 3, 1, 2, 1, 1, false),
      new Pool("k4 s3 p2", 1, 2, 9, 8, 4, 4, 3, 3, 2, 2, false),
      new Pool("global 5x4", 3, 2, 5, 4, 5, 4, 1, 1, 0, 0, false),
      new Pool("batch 1, one channel, k1", 1, 1, 3, 4, 1, 1, 1, 1, 0, 0, false)};

  static List<OpInfo<?>> rows() {
    return List.of(maxPool(), avgPool());
  }

  /**
   * n values with no two within 1 / n of each other (a random permutation of a grid): ties are the
   * max's kinks, and central differences must not swap which cell is the maximum.
   */
  static double[] distinct(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = -1 + 2.0 * i / Math.max(n, 1);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      double t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    return v;
  }

  static Expected reference(Pool k, double[] x, boolean max) {
    int oh = k.oh(), ow = k.ow();
    double[] y = new double[k.n * k.c * oh * ow];
    for (int p = 0; p < k.n * k.c; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double best = Double.NEGATIVE_INFINITY, sum = 0;
          int cells = 0;
          for (int i = 0; i < k.kh; i++) {
            for (int j = 0; j < k.kw; j++) {
              int iy = oy * k.sh - k.ph + i, ix = ox * k.sw - k.pw + j;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              double v = x[(p * k.h + iy) * k.w + ix];
              best = Double.isNaN(v) || v > best ? v : best;
              sum += v;
              cells++;
            }
          }
          y[(p * oh + oy) * ow + ox] = max ? best : sum / (k.includePad ? k.kh * k.kw : cells);
        }
      }
    }
    return Expected.of(y, k.n, k.c, oh, ow);
  }

  /**
   * Every configuration with distinct values (for max pooling all negative, so a padded cell taken
   * as 0 instead of -infinity would show), and with every fifth value NaN: a window holding a NaN
   * gives NaN wherever it sits, before or after the maximum (PyTorch).
   */
  static List<Sample<Pool>> samples(Random r, boolean max) {
    List<Sample<Pool>> out = new ArrayList<>();
    for (Pool k : CONFIGS) {
      for (boolean pad : max ? new boolean[] {false} : new boolean[] {false, true}) {
        Pool p = k.counting(pad);
        int n = k.n * k.c * k.h * k.w;
        double[] x = distinct(r, n);
        if (max) for (int i = 0; i < n; i++) x[i] = -1.25 + 0.75 * x[i];
        out.add(Sample.of(p.name, p, Input.of(x, k.n, k.c, k.h, k.w)));
        double[] withNaN = x.clone();
        for (int i = 0; i < n; i += 5) withNaN[i] = Double.NaN;
        out.add(Sample.of(p.name + ", NaN", p, Input.of(withNaN, k.n, k.c, k.h, k.w)).forwardOnly());
      }
    }
    return out;
  }

  static void errors(OpInfo<Pool> row, String layer) {
    row.error("padding above half the kernel", new Pool("k3 p2", 1, 1, 5, 5, 3, 3, 1, 1, 2, 2, false),
        List.of(Input.of(new double[25], 1, 1, 5, 5)), IllegalArgumentException.class, layer, "padding 2x2",
        "at most half", "3x3");
    row.error("3-D input", new Pool("k2", 1, 1, 5, 5, 2, 2, 2, 2, 0, 0, false),
        List.of(Input.of(new double[25], 1, 5, 5)), IllegalArgumentException.class, layer, "[N, C, H, W]", "[1, 5, 5]");
    row.error("kernel larger than the input", new Pool("k6", 1, 1, 5, 5, 6, 6, 1, 1, 0, 0, false),
        List.of(Input.of(new double[25], 1, 1, 5, 5)), IllegalArgumentException.class, layer,
        "kernel larger than the padded input", "6x6");
    row.error("stride 0", new Pool("s0", 1, 1, 5, 5, 2, 2, 0, 1, 0, 0, false),
        List.of(Input.of(new double[25], 1, 1, 5, 5)), IllegalArgumentException.class, layer, "stride", "0x1");
    row.error("kernel 0", new Pool("k0", 1, 1, 5, 5, 0, 2, 1, 1, 0, 0, false),
        List.of(Input.of(new double[25], 1, 1, 5, 5)), IllegalArgumentException.class, layer, "kernel", "0x2");
  }

  static OpInfo<Pool> maxPool() {
    String layer = "MaxPool2d(test)";
    OpInfo<Pool> row = OpInfo.<Pool>op("maxPool2d")
        .covers("PoolOps.maxPool2d")
        .messageName(layer)
        .call((in, k) -> PoolOps.maxPool2d(in[0], k.window(), layer))
        .reference((s, in) -> reference(s.params, in[0], true))
        .samples(r -> samples(r, true))
        .tol(DType.FLOAT32, 0, 0)  // a maximum is one of the inputs: exact
        .tol(DType.FLOAT64, 0, 0);
    errors(row, layer);
    return row;
  }

  static OpInfo<Pool> avgPool() {
    String layer = "AvgPool2d(test)";
    OpInfo<Pool> row = OpInfo.<Pool>op("avgPool2d")
        .covers("PoolOps.avgPool2d")
        .messageName(layer)
        .call((in, k) -> PoolOps.avgPool2d(in[0], k.window(), k.includePad, layer))
        .reference((s, in) -> reference(s.params, in[0], false))
        .samples(r -> samples(r, false))
        .parityNormwise();
    errors(row, layer);
    return row;
  }
}
