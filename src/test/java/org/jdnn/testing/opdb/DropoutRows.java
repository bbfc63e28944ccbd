package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.DropoutOps;

/**
 * Rows for inverted dropout (DropoutOps.dropout): element i (or channel pair j = n C + c) is kept iff
 * Philox(offset + i, seed) >= p, and kept values are scaled by 1 / (1 - p). A (seed, offset) pair
 * fixes the mask on every device, so the reference reproduces it and central differences see one
 * fixed linear map.
 */
final class DropoutRows {
  private DropoutRows() {}

  /** Probability, per-channel mode, seed and counter offset. */
  static final class Drop {
    final double p;
    final boolean perChannel;
    final long seed;
    final long offset;

    Drop(double p, boolean perChannel, long seed, long offset) {
      this.p = p;
      this.perChannel = perChannel;
      this.seed = seed;
      this.offset = offset;
    }

    @Override
    public String toString() {
      return (perChannel ? "per channel " : "") + "p " + p + ", seed " + seed + ", offset " + offset;
    }
  }

  static List<OpInfo<?>> rows() {
    return List.of(dropout());
  }

  static OpInfo<Drop> dropout() {
    String layer = "Dropout(test)";
    OpInfo<Drop> row = OpInfo.<Drop>op("dropout")
        .covers("DropoutOps.dropout")
        .messageName(layer)
        .call((in, d) -> DropoutOps.dropout(in[0], d.p, d.perChannel, d.seed, d.offset, layer))
        .reference((s, in) -> {
          Drop d = s.params;
          long[] shape = s.shape(0);
          long perDraw = d.perChannel ? Refs.numel(shape) / (shape[0] * shape[1]) : 1;
          double[] y = new double[in[0].length];
          for (int i = 0; i < y.length; i++) {
            boolean keep = d.p == 0 || Philox.uniform(d.offset + i / perDraw, d.seed) >= d.p;
            y[i] = keep ? in[0][i] / (1 - d.p) : 0;
          }
          return Expected.of(y, shape);
        })
        .samples(r -> {
          List<Sample<Drop>> out = new ArrayList<>();
          Domain v = Domain.range(-1, 1);
          for (Drop d : new Drop[] {new Drop(0.5, false, 4, 9), new Drop(0.5, true, 4, 9), new Drop(0.25, false, 11, 0),
              new Drop(0.3, false, 0x1234_5678_9abcL, 1L << 33), new Drop(0.4, true, 99, 5), new Drop(0, false, 1, 0)}) {
            out.add(Sample.of(d + " [2, 3, 4]", d, Input.of(v.draw(r, 24), 2, 3, 4)));
          }
          Drop big = new Drop(0.4, true, 99, 5);
          out.add(Sample.of(big + " [20, 30, 3, 4]", big, Input.of(v.draw(r, 7200), 20, 30, 3, 4)));
          Drop high = new Drop(0.3, false, 0x1234_5678_9abcL, 1L << 33);  // a counter above 2^32: the high word
          out.add(Sample.of(high + " [4096]", high, Input.of(v.draw(r, 4096), 4096)));
          Drop flat = new Drop(0.3, false, 7, 100);
          out.add(Sample.of(flat + " [5, 10, 10]", flat, Input.of(v.draw(r, 500), 5, 10, 10)));
          return out;
        });
    row.error("p = 1", new Drop(1.0, false, 0, 0), List.of(Input.of(new double[16], 4, 4)), IllegalArgumentException.class,
        layer, "[0, 1)", "got 1.0");
    row.error("p < 0", new Drop(-0.1, false, 0, 0), List.of(Input.of(new double[16], 4, 4)),
        IllegalArgumentException.class, layer, "p", "got -0.1");
    row.error("p NaN", new Drop(Double.NaN, false, 0, 0), List.of(Input.of(new double[16], 4, 4)),
        IllegalArgumentException.class, layer, "got NaN");
    row.error("per channel on rank 2", new Drop(0.4, true, 99, 0), List.of(Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, layer, "rank >= 3", "[2, 3]");
    return row;
  }
}
