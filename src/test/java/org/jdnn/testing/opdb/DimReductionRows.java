package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.DType;

/**
 * Rows for reductions over chosen dimensions: sum and mean over several (torch.sum / torch.mean with a
 * tuple of dims), var and std with Bessel's correction (torch.var / torch.std, unbiased at correction 1),
 * and max / min / argmax / argmin along one (the first of equal elements, NaN counting as the extreme,
 * the values' gradient reaching the selected element only). References group the input's elements by
 * their coordinates outside the reduced dimensions, in plain loops.
 */
final class DimReductionRows {
  private DimReductionRows() {}

  static final Domain VALUES = Domain.range(-2, 2);

  /** Dimensions to reduce, whether they are kept, and (var, std) the correction. */
  record Dims(int[] dims, boolean keep, int correction) {
    @Override
    public String toString() {
      return Arrays.toString(dims) + (keep ? " kept" : "") + (correction >= 0 ? " correction " + correction : "");
    }
  }

  /** (shape, dims) cases; each runs kept and dropped. */
  static final Object[][] CASES = {
      {new long[] {2, 3, 4}, new int[] {0}}, {new long[] {2, 3, 4}, new int[] {1, 2}},
      {new long[] {2, 3, 4}, new int[] {0, 2}}, {new long[] {2, 3, 4}, new int[] {-1, 0}},
      {new long[] {2, 3, 4}, new int[] {0, 1, 2}}, {new long[] {5, 1}, new int[] {0, 1}},
      {new long[] {3, 2, 1, 4}, new int[] {1, 3}}, {new long[] {3, 2, 1, 4}, new int[] {-4, 2}},
      {new long[] {7}, new int[] {0}}, {new long[] {1, 6}, new int[] {1}}};

  static List<OpInfo<?>> rows() {
    return List.of(sumOrMean("sum(dims)", "sum"), sumOrMean("mean(dims)", "mean"), variance("var"), variance("std"),
        extreme("max(dim)", "max", false, false), extreme("max(dim).indices", "max", false, true),
        extreme("min(dim)", "min", true, false), extreme("min(dim).indices", "min", true, true),
        argExtreme("argmax(dim)", "argmax", false), argExtreme("argmin(dim)", "argmin", true));
  }

  static boolean[] reduced(long[] shape, int[] dims) {
    boolean[] r = new boolean[shape.length];
    for (int d : dims) r[d < 0 ? d + shape.length : d] = true;
    return r;
  }

  static long[] outShape(long[] shape, boolean[] reduced, boolean keep) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < shape.length; i++) {
      if (!reduced[i]) out.add(shape[i]);
      else if (keep) out.add(1L);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** For each input element, the flat index of its output (the kept shape's). */
  static int[] groupOf(long[] shape, boolean[] reduced) {
    long[] kept = outShape(shape, reduced, true);
    int[] g = new int[Refs.numel(shape)];
    for (int i = 0; i < g.length; i++) g[i] = Refs.broadcastIndex(kept, Refs.unravel(i, shape));
    return g;
  }

  static List<Sample<Dims>> dimSamples(java.util.Random r, int correction) {
    List<Sample<Dims>> out = new ArrayList<>();
    for (Object[] c : CASES) {
      long[] shape = (long[]) c[0];
      for (boolean keep : new boolean[] {true, false}) {
        Dims p = new Dims((int[]) c[1], keep, correction);
        Sample<Dims> s = Sample.of(Arrays.toString(shape) + " over " + p, p, Input.of(VALUES.draw(r, Refs.numel(shape)), shape));
        // N <= correction divides by 0 (inf or NaN, as in PyTorch): no derivative to check there
        long n = 1;
        boolean[] red = reduced(shape, p.dims());
        for (int i = 0; i < shape.length; i++) if (red[i]) n *= shape[i];
        out.add(n <= correction ? s.forwardOnly() : s);
      }
    }
    return out;
  }

  static OpInfo<Dims> sumOrMean(String name, String op) {
    boolean mean = op.equals("mean");
    OpInfo<Dims> row = OpInfo.<Dims>op(name)
        .covers("Tensor." + op + "(int[],boolean)")
        .messageName(op)
        .call((in, p) -> mean ? in[0].mean(p.dims(), p.keep()) : in[0].sum(p.dims(), p.keep()))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          boolean[] red = reduced(shape, s.params.dims());
          int[] g = groupOf(shape, red);
          long[] kept = outShape(shape, red, true);
          double[] sum = new double[Refs.numel(kept)];
          int[] count = new int[sum.length];
          for (int i = 0; i < g.length; i++) {
            sum[g[i]] += in[0][i];
            count[g[i]]++;
          }
          if (mean) for (int j = 0; j < sum.length; j++) sum[j] /= count[j];
          return Expected.of(sum, outShape(shape, red, s.params.keep()));
        })
        .samples(r -> {
          List<Sample<Dims>> out = dimSamples(r, -1);
          out.add(Sample.of("empty [0, 3] over [0]: " + (mean ? "NaN" : "0"), new Dims(new int[] {0}, false, -1),
              Input.of(new double[0], 0, 3)).forwardOnly());
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 1e-5)
        .tol(DType.FLOAT64, 1e-12, 1e-12)
        .parityNormwise();
    dimErrors(row, op, -1);
    return row;
  }

  static void dimErrors(OpInfo<Dims> row, String op, int correction) {
    List<Input> x = List.of(Input.of(new double[6], 2, 3));
    row.error("no dimensions", new Dims(new int[0], false, correction), x, IllegalArgumentException.class, op,
        "no dimensions", "[2, 3]");
    row.error("dimension 1 twice", new Dims(new int[] {1, -1}, false, correction), x, IllegalArgumentException.class,
        op, "dimension -1 appears twice", "[1, -1]");
    row.error("dimension 2 of rank 2", new Dims(new int[] {0, 2}, true, correction), x, IllegalArgumentException.class,
        op, "dimension 2 out of range", "[-2, 1]");
  }

  /** var or std over several dimensions with corrections 0, 1 (PyTorch's default) and 2. */
  static OpInfo<Dims> variance(String op) {
    boolean std = op.equals("std");
    OpInfo<Dims> row = OpInfo.<Dims>op(op)
        .covers("Tensor." + op + "(int[],int,boolean)")
        .call((in, p) -> std ? in[0].std(p.dims(), p.correction(), p.keep()) : in[0].var(p.dims(), p.correction(), p.keep()))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          boolean[] red = reduced(shape, s.params.dims());
          int[] g = groupOf(shape, red);
          int outputs = Refs.numel(outShape(shape, red, true));
          double[] mean = new double[outputs], ss = new double[outputs];
          int[] count = new int[outputs];
          for (int i = 0; i < g.length; i++) {
            mean[g[i]] += in[0][i];
            count[g[i]]++;
          }
          for (int j = 0; j < outputs; j++) mean[j] /= count[j];
          for (int i = 0; i < g.length; i++) ss[g[i]] += (in[0][i] - mean[g[i]]) * (in[0][i] - mean[g[i]]);
          for (int j = 0; j < outputs; j++) {
            ss[j] /= Math.max(0, count[j] - s.params.correction());
            if (std) ss[j] = Math.sqrt(ss[j]);
          }
          return Expected.of(ss, outShape(shape, red, s.params.keep()));
        })
        .samples(r -> {
          List<Sample<Dims>> out = new ArrayList<>();
          for (int c = 0; c <= 2; c++) out.addAll(dimSamples(r, c));
          // one element per group at correction 1: 0 / 0, NaN as in PyTorch
          out.add(Sample.of("one element, correction 1: NaN", new Dims(new int[] {0}, false, 1),
              Input.of(new double[] {1.5, -2, 0.25}, 1, 3)).forwardOnly());
          out.add(Sample.of("equal elements: 0", new Dims(new int[] {1}, true, 1),
              Input.of(new double[] {0.5, 0.5, 0.5, -1, -1, -1}, 2, 3)).forwardOnly());
          return out;
        })
        .tol(DType.FLOAT32, 2e-5, 1e-5)
        .tol(DType.FLOAT64, 1e-12, 1e-12)
        .parityNormwise();
    dimErrors(row, op, 1);
    row.error("correction -1", new Dims(new int[] {0}, false, -1), List.of(Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, op, "correction must be >= 0", "-1");
    return row;
  }

  /** One dimension and whether it is kept. */
  record Dim(int dim, boolean keep) {
    @Override
    public String toString() {
      return "dim " + dim + (keep ? " kept" : "");
    }
  }

  /** The index of the extreme of each group along dim: the first of equals, NaN the extreme. */
  static double[] extremeIndex(double[] x, long[] shape, int dim, boolean min) {
    int d = dim < 0 ? dim + shape.length : dim;
    boolean[] red = new boolean[shape.length];
    red[d] = true;
    int[] g = groupOf(shape, red);
    double[] best = new double[Refs.numel(outShape(shape, red, true))];
    double[] bestValue = new double[best.length];
    boolean[] seen = new boolean[best.length];
    for (int i = 0; i < x.length; i++) {  // row-major: each group's elements come in the order of dim
      int j = g[i];
      long k = Refs.unravel(i, shape)[d];
      double v = x[i], b = bestValue[j];
      if (!seen[j] || (!Double.isNaN(b) && (Double.isNaN(v) || (min ? v < b : v > b)))) {
        seen[j] = true;
        best[j] = k;
        bestValue[j] = v;
      }
    }
    return best;
  }

  static List<Sample<Dim>> extremeSamples(java.util.Random r) {
    List<Sample<Dim>> out = new ArrayList<>();
    for (long[] shape : new long[][] {{2, 3, 4}, {5, 1}, {1, 6}, {7}, {3, 2, 1, 4}}) {
      for (int d = -shape.length; d < shape.length; d++) {
        if (shape[d < 0 ? d + shape.length : d] == 1 && d < 0) continue;  // size-1 dims once
        for (boolean keep : new boolean[] {true, false}) {
          out.add(Sample.of(Arrays.toString(shape) + " " + new Dim(d, keep), new Dim(d, keep),
              Input.of(VALUES.draw(r, Refs.numel(shape)), shape)));
        }
      }
    }
    double nan = Double.NaN, inf = Double.POSITIVE_INFINITY;
    out.add(Sample.of("ties along dim 0", new Dim(0, false), Input.of(new double[] {
        3, -1, 2, 2,
        3, 5, 2, -4,
        1, 5, -2, -4}, 3, 4)).forwardOnly());
    out.add(Sample.of("NaN is the extreme, its first index", new Dim(1, true), Input.of(new double[] {
        1, nan, 3, nan,
        -inf, -inf, inf, inf,
        nan, 2, 2, 0,
        -0.0, 0.0, 0.0, -0.0}, 4, 4)).forwardOnly());
    out.add(Sample.of("large, ties", new Dim(0, false), Input.of(levels(r, 3 * 1000), 3, 1000)).forwardOnly());
    return out;
  }

  static double[] levels(java.util.Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt(3);
    return v;
  }

  /** max/min(dim): the values (differentiable) or the indices. */
  static OpInfo<Dim> extreme(String name, String op, boolean min, boolean indices) {
    OpInfo<Dim> row = OpInfo.<Dim>op(name)
        .covers("Tensor." + op + "(int,boolean)")
        .messageName(op)
        .call((in, p) -> {
          var r = min ? in[0].min(p.dim(), p.keep()) : in[0].max(p.dim(), p.keep());
          return indices ? r.indices() : r.values();
        })
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          int d = s.params.dim() < 0 ? s.params.dim() + shape.length : s.params.dim();
          boolean[] red = new boolean[shape.length];
          red[d] = true;
          double[] idx = extremeIndex(in[0], shape, d, min);
          long[] outShape = outShape(shape, red, s.params.keep());
          if (indices) return Expected.of(idx, outShape).dtype(DType.INT64);
          int[] g = groupOf(shape, red);
          double[] values = new double[idx.length];
          for (int i = 0; i < in[0].length; i++) if (Refs.unravel(i, shape)[d] == idx[g[i]]) values[g[i]] = in[0][i];
          return Expected.of(values, outShape);
        })
        .samples(DimReductionRows::extremeSamples)
        .tol(DType.FLOAT32, 0, 0)
        .tol(DType.FLOAT64, 0, 0);
    if (indices) row.notRecorded();
    extremeErrors(row, op);
    return row;
  }

  static OpInfo<Dim> argExtreme(String name, String op, boolean min) {
    OpInfo<Dim> row = OpInfo.<Dim>op(name)
        .covers("Tensor." + op + "(int,boolean)")
        .messageName(op)
        .call((in, p) -> min ? in[0].argmin(p.dim(), p.keep()) : in[0].argmax(p.dim(), p.keep()))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          int d = s.params.dim() < 0 ? s.params.dim() + shape.length : s.params.dim();
          boolean[] red = new boolean[shape.length];
          red[d] = true;
          return Expected.of(extremeIndex(in[0], shape, d, min), outShape(shape, red, s.params.keep())).dtype(DType.INT64);
        })
        .samples(DimReductionRows::extremeSamples)
        .notRecorded();
    extremeErrors(row, op);
    return row;
  }

  static void extremeErrors(OpInfo<Dim> row, String op) {
    row.error("dimension 2 of rank 2", new Dim(2, false), List.of(Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, op, "dimension 2 out of range", "[-2, 1]");
    row.error("empty dimension", new Dim(1, false), List.of(Input.of(new double[0], 3, 0)),
        IllegalArgumentException.class, op, "dimension 1", "[3, 0]", "empty");
    row.error("a scalar", new Dim(0, false), List.of(Input.of(new double[] {1})), IllegalArgumentException.class, op,
        "at least one dimension");
  }
}
