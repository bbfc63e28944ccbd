package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Rows for indexing by tensors (indexSelect, gather, scatterAdd) and by masks (maskedFill,
 * maskedSelect, where), as PyTorch defines them. Index values out of range are the backends' to
 * find (on a GPU recorded and raised at the next synchronization): their error inputs expect an
 * IndexOutOfBoundsException naming the op, the first bad index and its position.
 */
final class IndexRows {
  private IndexRows() {}

  static final DType[] ALL_TYPES = ShapeRows.ALL_TYPES;

  static List<OpInfo<?>> rows() {
    return List.of(indexSelect(), gather(), scatterAdd(), maskedFill(), maskedSelect(), where());
  }

  static Input values(Random r, long... shape) {
    return LayoutRows.values(r, shape);
  }

  static Input unit(Random r, long... shape) {
    return Input.of(Domain.range(-1, 1).draw(r, Refs.numel(shape)), shape);
  }

  static long[] picks(Random r, int n, long bound) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt((int) bound);
    return v;
  }

  static Input mask(Random r, long... shape) {
    return Input.ints(DType.UINT8, picks(r, Refs.numel(shape), 2), shape);
  }

  static OpInfo<Integer> indexSelect() {
    return LayoutRows.exact(OpInfo.<Integer>op("indexSelect"))
        .covers("Tensor.indexSelect(int,Tensor)")
        .call((in, dim) -> in[0].indexSelect(dim, in[1]))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          int d = LayoutRows.dimOf(s.params, xs.length);
          long[] ys = xs.clone();
          ys[d] = in[1].length;
          double[] y = new double[Refs.numel(ys)];
          for (int f = 0; f < y.length; f++) {
            long[] idx = Refs.unravel(f, ys);
            idx[d] = (long) in[1][(int) idx[d]];
            y[f] = in[0][LayoutRows.flat(idx, xs)];
          }
          return Expected.of(y, ys);
        })
        .samples(r -> List.of(
            Sample.of("[5, 3] dim 0, repeated rows", 0, values(r, 5, 3),
                Input.ints(DType.INT64, new long[] {4, 0, 4, 2, 4}, 5)),
            Sample.of("[2, 6, 3] dim 1 int32", 1, values(r, 2, 6, 3), Input.ints(DType.INT32, new long[] {5, 1, 1}, 3)),
            Sample.of("[2, 3, 4] dim -1", -1, values(r, 2, 3, 4), Input.ints(DType.INT64, new long[] {3, 0}, 2)),
            Sample.of("[4, 2] dim 0, empty index", 0, values(r, 4, 2), Input.ints(DType.INT64, new long[0], 0)),
            Sample.of("[4, 2] dim 1, scalar index", 1, values(r, 4, 2), Input.ints(DType.INT64, new long[] {1})),
            Sample.of("[50, 9] dim 0, 70 picks (embedding rows)", 0, values(r, 50, 9),
                Input.ints(DType.INT64, picks(r, 70, 50), 70)).forwardOnly()))
        .error("index 5 of 3", 0, List.of(Input.of(new double[6], 3, 2),
            Input.ints(DType.INT64, new long[] {1, 5, -1}, 3)), IndexOutOfBoundsException.class,
            "index_select", "index 5 at position 1", "[0, 3)")
        .error("negative index", 1, List.of(Input.of(new double[6], 3, 2),
            Input.ints(DType.INT32, new long[] {0, -1}, 2)), IndexOutOfBoundsException.class,
            "index_select", "index -1 at position 1", "[0, 2)")
        .error("float index", 0, List.of(Input.of(new double[6], 3, 2), Input.of(new double[] {0}, 1).as(DType.FLOAT32)),
            IllegalArgumentException.class, "indexSelect", "int64", "float32")
        .error("2-D index", 0, List.of(Input.of(new double[6], 3, 2), Input.ints(DType.INT64, new long[] {0, 1}, 1, 2)),
            IllegalArgumentException.class, "indexSelect", "1-D", "[1, 2]")
        .error("dimension 2", 2, List.of(Input.of(new double[6], 3, 2), Input.ints(DType.INT64, new long[] {0}, 1)),
            IllegalArgumentException.class, "indexSelect", "dimension 2");
  }

  /** y[p] = x[p with p[dim] = index[p]]. */
  static double[] gathered(double[] x, long[] xs, double[] index, long[] is, int d) {
    double[] y = new double[index.length];
    for (int p = 0; p < y.length; p++) {
      long[] idx = Refs.unravel(p, is);
      idx[d] = (long) index[p];
      y[p] = x[LayoutRows.flat(idx, xs)];
    }
    return y;
  }

  static OpInfo<Integer> gather() {
    return LayoutRows.exact(OpInfo.<Integer>op("gather"))
        .covers("Tensor.gather(int,Tensor)")
        .call((in, dim) -> in[0].gather(dim, in[1]))
        .reference((s, in) -> {
          long[] is = s.shape(1);
          return Expected.of(gathered(in[0], s.shape(0), in[1], is, LayoutRows.dimOf(s.params, is.length)), is);
        })
        .samples(r -> List.of(
            Sample.of("[3, 4] dim 1, one pick per row (class scores)", 1, values(r, 3, 4),
                Input.ints(DType.INT64, new long[] {2, 0, 3}, 3, 1)),
            Sample.of("[3, 4] dim 0, repeats", 0, values(r, 3, 4), Input.ints(DType.INT64, picks(r, 8, 3), 2, 4)),
            Sample.of("[2, 3, 4] dim -1, index smaller elsewhere", -1, values(r, 2, 3, 4),
                Input.ints(DType.INT32, picks(r, 12, 4), 2, 2, 3)),
            Sample.of("[2, 3, 4] dim 1, index longer along dim", 1, values(r, 2, 3, 4),
                Input.ints(DType.INT64, picks(r, 40, 3), 2, 5, 4)),
            Sample.of("[3, 2] empty index", 0, values(r, 3, 2), Input.ints(DType.INT64, new long[0], 0, 2)),
            Sample.of("[30, 20] dim 1, 30 x 25", 1, values(r, 30, 20),
                Input.ints(DType.INT64, picks(r, 750, 20), 30, 25)).forwardOnly()))
        .error("index 4 of 4", 1, List.of(Input.of(new double[12], 3, 4),
            Input.ints(DType.INT64, new long[] {0, 3, 1, 4, 9, 2}, 3, 2)), IndexOutOfBoundsException.class,
            "gather", "index 4 at position 3", "[0, 4)", "dimension 1")
        .error("index larger outside dim", 1, List.of(Input.of(new double[12], 3, 4),
            Input.ints(DType.INT64, new long[] {0, 0, 0, 0}, 4, 1)), IllegalArgumentException.class,
            "gather", "larger than", "dimension 0")
        .error("rank differs", 0, List.of(Input.of(new double[12], 3, 4), Input.ints(DType.INT64, new long[] {0}, 1)),
            IllegalArgumentException.class, "gather", "rank")
        .error("int32 values into float index", 0, List.of(Input.of(new double[12], 3, 4),
            Input.of(new double[] {0}, 1, 1).as(DType.FLOAT64)), IllegalArgumentException.class, "gather", "int64");
  }

  static OpInfo<Integer> scatterAdd() {
    // unit(): values of magnitude 1, so float32 sums of a few terms stay within the default tolerance
    return OpInfo.<Integer>op("scatterAdd")
        .covers("Tensor.scatterAdd(int,Tensor,Tensor)")
        .call((in, dim) -> in[0].scatterAdd(dim, in[1], in[2]))
        .reference((s, in) -> {
          long[] xs = s.shape(0), is = s.shape(1), ss = s.shape(2);
          int d = LayoutRows.dimOf(s.params, xs.length);
          double[] y = in[0].clone();
          for (int p = 0; p < in[1].length; p++) {
            long[] idx = Refs.unravel(p, is);
            double v = in[2][LayoutRows.flat(idx, ss)];
            idx[d] = (long) in[1][p];
            y[LayoutRows.flat(idx, xs)] += v;
          }
          return Expected.of(y, xs);
        })
        .samples(r -> List.of(
            Sample.of("[3, 4] dim 1, repeated targets", 1, unit(r, 3, 4),
                Input.ints(DType.INT64, new long[] {0, 0, 3, 1, 1, 1, 2, 0, 2}, 3, 3), unit(r, 3, 3)),
            Sample.of("[4, 2] dim 0, src larger than index", 0, unit(r, 4, 2),
                Input.ints(DType.INT32, picks(r, 6, 4), 3, 2), unit(r, 5, 3)),
            Sample.of("[2, 3, 4] dim -2", -2, unit(r, 2, 3, 4), Input.ints(DType.INT64, picks(r, 20, 3), 2, 5, 2),
                unit(r, 2, 5, 4)),
            Sample.of("[5] bincount-like", 0, unit(r, 5), Input.ints(DType.INT64, picks(r, 12, 5), 12),
                unit(r, 12)),
            Sample.of("[3, 2] empty index", 0, unit(r, 3, 2), Input.ints(DType.INT64, new long[0], 0, 2),
                unit(r, 1, 2)),
            Sample.of("[40, 16] dim 0, 300 rows", 0, unit(r, 40, 16),
                Input.ints(DType.INT64, picks(r, 4800, 40), 300, 16), unit(r, 300, 16)).forwardOnly()))
        .parityNormwise()
        .error("index 3 of 3", 0, List.of(Input.of(new double[6], 3, 2),
            Input.ints(DType.INT64, new long[] {0, 1, 2, 3}, 2, 2), Input.of(new double[4], 2, 2)),
            IndexOutOfBoundsException.class, "scatter_add", "index 3 at position 3", "[0, 3)")
        .error("index larger than src", 0, List.of(Input.of(new double[6], 3, 2),
            Input.ints(DType.INT64, new long[] {0, 1, 2, 0}, 2, 2), Input.of(new double[2], 1, 2)),
            IllegalArgumentException.class, "scatterAdd", "larger than src", "dimension 0")
        .error("src dtype differs", 0, List.of(Input.of(new double[6], 3, 2),
            Input.ints(DType.INT64, new long[] {0, 1}, 1, 2), Input.of(new double[2], 1, 2).as(DType.FLOAT64)),
            IllegalArgumentException.class, "scatterAdd", "dtype");
  }

  static OpInfo<Double> maskedFill() {
    return LayoutRows.exact(OpInfo.<Double>op("maskedFill"))
        .covers("Tensor.maskedFill(Tensor,double)")
        .call((in, v) -> in[0].maskedFill(in[1], v))
        .reference((s, in) -> {
          long[] xs = s.shape(0), ms = s.shape(1);
          double[] y = new double[in[0].length];
          for (int i = 0; i < y.length; i++) {
            y[i] = in[1][Refs.broadcastIndex(ms, Refs.unravel(i, xs))] != 0 ? s.params : in[0][i];
          }
          return Expected.of(y, xs);
        })
        .samples(r -> List.of(
            Sample.of("[3, 4] full mask, 5", 5.0, values(r, 3, 4), mask(r, 3, 4)),
            Sample.of("[2, 3, 4] mask [3, 1]", -2.0, values(r, 2, 3, 4), mask(r, 3, 1)),
            Sample.of("[2, 3] scalar mask", 1.0, values(r, 2, 3), Input.ints(DType.UINT8, new long[] {1})),
            Sample.of("[2, 3] mask of 2s", 0.0, values(r, 2, 3), Input.ints(DType.UINT8, new long[] {2, 0, 2, 0, 0, 2}, 2, 3))))
        .error("mask int64", 1.0, List.of(Input.of(new double[6], 2, 3), Input.ints(DType.INT64, new long[6], 2, 3)),
            IllegalArgumentException.class, "maskedFill", "uint8", "int64")
        .error("mask larger", 1.0, List.of(Input.of(new double[6], 2, 3), Input.ints(DType.UINT8, new long[12], 2, 2, 3)),
            IllegalArgumentException.class, "maskedFill", "does not broadcast to")
        .error("mask of another shape", 1.0, List.of(Input.of(new double[6], 2, 3), Input.ints(DType.UINT8, new long[2], 2)),
            IllegalArgumentException.class, "maskedFill", "do not broadcast");
  }

  static OpInfo<Void> maskedSelect() {
    return LayoutRows.exact(OpInfo.<Void>op("maskedSelect"))
        .covers("Tensor.maskedSelect(Tensor)")
        .call((in, p) -> in[0].maskedSelect(in[1]))
        .reference((s, in) -> {
          long[] shape = Refs.broadcastShape(s.shape(0), s.shape(1));
          List<Double> out = new ArrayList<>();
          for (int i = 0; i < Refs.numel(shape); i++) {
            long[] idx = Refs.unravel(i, shape);
            if (in[1][Refs.broadcastIndex(s.shape(1), idx)] != 0) out.add(in[0][Refs.broadcastIndex(s.shape(0), idx)]);
          }
          return Expected.of(out.stream().mapToDouble(Double::doubleValue).toArray(), out.size());
        })
        .samples(r -> List.of(
            Sample.of("[3, 4] full mask", null, values(r, 3, 4), mask(r, 3, 4)),
            Sample.of("[2, 3, 4] mask [3, 1]", null, values(r, 2, 3, 4), mask(r, 3, 1)),
            Sample.of("[3, 1] mask [2, 3, 4] (x broadcast)", null, values(r, 3, 1), mask(r, 2, 3, 4)),
            Sample.of("[2, 3] nothing selected", null, values(r, 2, 3), Input.ints(DType.UINT8, new long[6], 2, 3)),
            Sample.of("[2, 2] mask of 3s", null, values(r, 2, 2), Input.ints(DType.UINT8, new long[] {3, 0, 0, 3}, 2, 2))))
        .error("mask float", null, List.of(Input.of(new double[6], 2, 3), Input.of(new double[6], 2, 3).as(DType.FLOAT32)),
            IllegalArgumentException.class, "maskedSelect", "uint8", "float32")
        .error("shapes do not broadcast", null, List.of(Input.of(new double[6], 2, 3),
            Input.ints(DType.UINT8, new long[2], 2)), IllegalArgumentException.class, "maskedSelect", "do not broadcast");
  }

  static OpInfo<Void> where() {
    return LayoutRows.exact(OpInfo.<Void>op("where"))
        .covers("Tensor.where(Tensor,Tensor,Tensor)")
        .call((in, p) -> Tensor.where(in[0], in[1], in[2]))
        .reference((s, in) -> {
          long[] cs = s.shape(0), as = s.shape(1), bs = s.shape(2);
          long[] shape = Refs.broadcastShape(Refs.broadcastShape(cs, as), bs);
          double[] y = new double[Refs.numel(shape)];
          for (int i = 0; i < y.length; i++) {
            long[] idx = Refs.unravel(i, shape);
            y[i] = in[0][Refs.broadcastIndex(cs, idx)] != 0 ? in[1][Refs.broadcastIndex(as, idx)]
                : in[2][Refs.broadcastIndex(bs, idx)];
          }
          return Expected.of(y, shape);
        })
        .samples(r -> List.of(
            Sample.of("[3, 4] all same shape", null, mask(r, 3, 4), values(r, 3, 4), values(r, 3, 4)),
            Sample.of("cond [3, 1], a [4], b [2, 3, 4]", null, mask(r, 3, 1), values(r, 4), values(r, 2, 3, 4)),
            Sample.of("cond [2, 3], a scalar, b [2, 3]", null, mask(r, 2, 3), values(r), values(r, 2, 3)),
            Sample.of("cond scalar, a [2], b [3, 1]", null, Input.ints(DType.UINT8, new long[] {1}), values(r, 2),
                values(r, 3, 1))))
        .error("condition float", null, List.of(Input.of(new double[3], 3).as(DType.FLOAT32), Input.of(new double[3], 3),
            Input.of(new double[3], 3)), IllegalArgumentException.class, "where", "uint8", "float32")
        .error("shapes do not broadcast", null, List.of(Input.ints(DType.UINT8, new long[3], 3), Input.of(new double[3], 3),
            Input.of(new double[2], 2)), IllegalArgumentException.class, "where", "do not broadcast");
  }
}
