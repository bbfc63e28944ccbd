package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.DType;

/** Rows for sums and means (all elements, one dimension, down to a shape) and argmax. */
final class ReductionRows {
  private ReductionRows() {}

  static final long[][] ALL_SHAPES = {{}, {1}, {1, 1}, {4, 5}, {2, 3, 4}, {7}, {3, 1, 2, 2}, {0, 3}};
  static final long[][] DIM_SHAPES = {{2, 3, 4}, {5, 1}, {1, 6}, {7}, {3, 2, 1, 4}};
  static final Domain VALUES = Domain.range(-2, 2);

  /** A dimension and whether it is kept with size 1. */
  record DimArgs(int dim, boolean keep) {}

  static List<OpInfo<?>> rows() {
    return List.of(whole("sum", false), whole("mean", true), overDim("sum(dim)", false), overDim("mean(dim)", true),
        sumTo(), argmax());
  }

  static OpInfo<Void> whole(String name, boolean mean) {
    return OpInfo.<Void>op(name)
        .covers("Tensor." + name + "()")
        .messageName(mean ? "mean" : "sum")
        .call((in, p) -> mean ? in[0].mean() : in[0].sum())
        .reference((s, in) -> {
          double total = 0;
          for (double v : in[0]) total += v;
          return Expected.of(new double[] {mean ? total / in[0].length : total});
        })
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[] shape : ALL_SHAPES) {
            if (mean && Refs.numel(shape) == 0) continue;  // the mean of nothing is NaN: a sample of its own below
            out.add(Sample.of(Arrays.toString(shape), null, Input.of(VALUES.draw(r, Refs.numel(shape)), shape)));
          }
          if (mean) out.add(Sample.<Void>of("empty: NaN", null, Input.of(new double[0], 0, 3)).forwardOnly());
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 1e-5)
        .tol(DType.FLOAT64, 1e-12, 1e-12);
  }

  static OpInfo<DimArgs> overDim(String name, boolean mean) {
    OpInfo<DimArgs> row = OpInfo.<DimArgs>op(name)
        .covers("Tensor." + (mean ? "mean" : "sum") + "(int,boolean)")
        .messageName(mean ? "mean" : "sum")
        .call((in, p) -> mean ? in[0].mean(p.dim(), p.keep()) : in[0].sum(p.dim(), p.keep()))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          int d = s.params.dim() < 0 ? shape.length + s.params.dim() : s.params.dim();
          long[] kept = shape.clone();
          kept[d] = 1;
          double[] y = Refs.sumTo(in[0], shape, kept);
          if (mean) for (int i = 0; i < y.length; i++) y[i] /= shape[d];
          long[] dropped = new long[shape.length - 1];
          for (int i = 0, j = 0; i < shape.length; i++) if (i != d) dropped[j++] = shape[i];
          return Expected.of(y, s.params.keep() ? kept : dropped);
        })
        .samples(r -> {
          List<Sample<DimArgs>> out = new ArrayList<>();
          for (long[] shape : DIM_SHAPES) {
            for (int d = -shape.length; d < shape.length; d++) {
              for (boolean keep : new boolean[] {true, false}) {
                out.add(Sample.of(Arrays.toString(shape) + " dim " + d + (keep ? " kept" : ""), new DimArgs(d, keep),
                    Input.of(VALUES.draw(r, Refs.numel(shape)), shape)));
              }
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 1e-5)
        .tol(DType.FLOAT64, 1e-12, 1e-12);
    String op = mean ? "mean" : "sum";
    row.error("dimension 2 of a rank-2 tensor", new DimArgs(2, false), List.of(Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, op + ": dimension 2", "[2, 3]", "[-2, 1]");
    row.error("dimension -3 of a rank-2 tensor", new DimArgs(-3, true), List.of(Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, op + ": dimension -3");
    return row;
  }

  static OpInfo<long[]> sumTo() {
    long[][][] cases = {
        {{2, 3, 4}, {3, 4}}, {{2, 3, 4}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{2, 3, 4}, {2, 1, 4}}, {{2, 3, 4}, {1, 3, 1}},
        {{2, 3, 4}, {1, 1, 1}}, {{2, 3, 4}, {4}}, {{2, 3, 4}, {1}}, {{2, 3, 4}, {}}, {{2, 3, 4}, {2, 3, 4}},
        {{5, 7}, {7}}, {{5, 7}, {5, 1}}, {{5, 7}, {1, 7}}, {{1, 7}, {7}}, {{9, 1}, {1}}, {{3, 1, 5}, {1, 5}},
        {{2, 2, 3, 3}, {2, 1, 3}}, {{5, 7}, {}}, {{5, 7}, {5, 7}}, {{2, 3, 4, 5}, {1, 3, 1, 1}},
        {{2, 3, 4, 5}, {3, 1, 1}}, {{2, 3, 4, 5}, {2, 1, 4, 1}}, {{2, 3, 4, 5}, {1, 3, 4, 5}}, {{2, 3, 4, 5}, {4, 5}},
        {{3, 1, 4}, {1, 1, 1}}, {{1}, {}}, {{0, 3}, {3}}, {{0, 3}, {0, 1}},
        // long sums over few outputs: split into pieces and added in a second pass
        {{3000, 7}, {7}}, {{64, 3, 17, 19}, {1, 3, 1, 1}}, {{100003}, {}}, {{2, 70000}, {2, 1}}};
    OpInfo<long[]> row = OpInfo.<long[]>op("sumTo")
        .covers("Tensor.sumTo(long[])")
        .messageName("sum")
        .call((in, target) -> in[0].sumTo(target))
        .reference((s, in) -> Expected.of(Refs.sumTo(in[0], s.shape(0), s.params), s.params))
        .samples(r -> {
          List<Sample<long[]>> out = new ArrayList<>();
          for (long[][] c : cases) {  // the long sums exceed Sample.GRADCHECK_ELEMENTS: forward and parity only
            out.add(Sample.of(Arrays.toString(c[0]) + " to " + Arrays.toString(c[1]), c[1],
                Input.of(VALUES.draw(r, Refs.numel(c[0])), c[0])));
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 1e-5)
        .tol(DType.FLOAT64, 1e-12, 1e-12)
        .parityNormwise();
    for (long[] bad : new long[][] {{2, 4}, {3}, {1, 2, 3, 4}, {5, 3, 4}}) {
      row.error("to " + Arrays.toString(bad), bad, List.of(Input.of(new double[24], 2, 3, 4)),
          IllegalArgumentException.class, "sumTo", Arrays.toString(bad));
    }
    return row;
  }

  /** Index of the row maximum along the last dimension, the first on ties, NaN counting as the maximum (PyTorch). */
  static OpInfo<Void> argmax() {
    return OpInfo.<Void>op("argmax")
        .covers("Tensor.argmax()")
        .call((in, p) -> in[0].argmax())
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          int c = (int) shape[shape.length - 1];
          double[] idx = new double[in[0].length / c];
          for (int row = 0; row < idx.length; row++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
              double v = in[0][row * c + j], b = in[0][row * c + best];
              if (!Double.isNaN(b) && (Double.isNaN(v) || v > b)) best = j;
            }
            idx[row] = best;
          }
          return Expected.of(idx, Arrays.copyOf(shape, shape.length - 1)).dtype(DType.INT64);
        })
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[] shape : new long[][] {{7}, {1, 1}, {5, 13}, {2, 3, 4}, {129, 10}}) {
            double[] x = Domain.range(-3, 3).draw(r, Refs.numel(shape));
            int c = (int) shape[shape.length - 1];
            if (c > 2) for (int i = 0; i + c <= x.length; i += 2 * c) x[i + c - 1] = x[i + 1] = 10;  // exact ties
            out.add(Sample.of(Arrays.toString(shape), null, Input.of(x, shape)));
          }
          out.add(Sample.of("ties, -0 and 0, -infinity", null, Input.of(new double[] {
              1, 3, 3, 2, -5, -1, -1, -7, 4, 4, 4, 4, 0, 0, 0, 9, -0.0, 0.0, -1, -2,
              Double.NEGATIVE_INFINITY, -1e30, Double.NEGATIVE_INFINITY, -1e30}, 6, 4)));
          out.add(Sample.of("NaN is the maximum", null, Input.of(new double[] {1, Double.NaN, 3, Double.NaN, 5, 6, 2, 1}, 2, 4)));
          out.add(Sample.of("the first NaN, ties of -infinity, all equal", null, Input.of(new double[] {
              Double.NaN, 5, Double.NaN, 1, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, -1e300, -1e300,
              2, 2, 2, 2}, 3, 4)));
          for (long[] shape : new long[][] {{7, 13}, {5}, {1000, 3}}) {
            double[] x = Domain.range(-1, 1).draw(r, Refs.numel(shape));
            for (int i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 2) / 2.0;  // a few levels: rows with ties
            out.add(Sample.of(Arrays.toString(shape) + " with ties", null, Input.of(x, shape)));
          }
          return out;
        })
        .notRecorded()
        .error("rank 0", null, List.of(Input.of(new double[] {1})), IllegalArgumentException.class, "argmax",
            "non-empty last dimension")
        .error("empty last dimension", null, List.of(Input.of(new double[0], 3, 0)), IllegalArgumentException.class,
            "argmax", "[3, 0]");
  }
}
