package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.NarrowOps;

/** Rows for ops that move values without arithmetic: reshape, flatten, copy, narrow, concat (integer dtypes too). */
final class ShapeRows {
  private ShapeRows() {}

  static final DType[] ALL_TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64};
  static final Domain VALUES = Domain.range(-100, 100);

  /** A slice: dimension, start, length. */
  static final class Slice {
    final int dim;
    final long start;
    final long length;

    Slice(int dim, long start, long length) {
      this.dim = dim;
      this.start = start;
      this.length = length;
    }
  }

  static List<OpInfo<?>> rows() {
    return List.of(reshape(), flatten(), copy(), narrow(), concat());
  }

  static OpInfo<long[]> reshape() {
    return OpInfo.<long[]>op("reshape")
        .covers("Tensor.reshape(long[])")
        .dtypes(ALL_TYPES)
        .call((in, shape) -> in[0].reshape(shape))
        .reference((s, in) -> {
          long[] shape = s.params.clone();
          long known = 1;
          int free = -1;
          for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) free = i;
            else known *= shape[i];
          }
          if (free >= 0) shape[free] = in[0].length / known;
          return Expected.of(in[0].clone(), shape);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 2] to [4, -1]", new long[] {4, -1}, Input.of(VALUES.draw(r, 12), 2, 3, 2)),
            Sample.of("[2, 3, 2] to [-1]", new long[] {-1}, Input.of(VALUES.draw(r, 12), 2, 3, 2)),
            Sample.of("[2, 3] to [3, 2]", new long[] {3, 2}, Input.of(VALUES.draw(r, 6), 2, 3)),
            Sample.of("[1] to rank 0", new long[0], Input.of(VALUES.draw(r, 1), 1)),
            Sample.of("rank 0 to [1, 1]", new long[] {1, 1}, Input.of(VALUES.draw(r, 1))),
            Sample.of("[0, 3] to [3, 0]", new long[] {3, 0}, Input.of(new double[0], 0, 3))))
        .error("12 elements into [5, -1]", new long[] {5, -1}, List.of(Input.of(new double[12], 2, 3, 2)),
            IllegalArgumentException.class, "[5, -1]")
        .error("two inferred dimensions", new long[] {-1, -1}, List.of(Input.of(new double[12], 2, 3, 2)),
            IllegalArgumentException.class, "[-1, -1]")
        .error("12 elements into [3, 3]", new long[] {3, 3}, List.of(Input.of(new double[12], 2, 3, 2)),
            IllegalArgumentException.class, "[3, 3]");
  }

  /** Keeps dimension 0 and flattens the rest (nn.Flatten's convention); a scalar becomes [1]. */
  static OpInfo<Void> flatten() {
    return OpInfo.<Void>op("flatten")
        .covers("Tensor.flatten()")
        .dtypes(ALL_TYPES)
        .call((in, p) -> in[0].flatten())
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          if (shape.length == 0) return Expected.of(in[0].clone(), 1);
          return Expected.of(in[0].clone(), shape[0], shape[0] == 0 ? 0 : in[0].length / shape[0]);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 2]", null, Input.of(VALUES.draw(r, 12), 2, 3, 2)),
            Sample.of("[4]", null, Input.of(VALUES.draw(r, 4), 4)),
            Sample.of("[1, 2, 2, 3]", null, Input.of(VALUES.draw(r, 12), 1, 2, 2, 3)),
            Sample.of("rank 0", null, Input.of(VALUES.draw(r, 1)))));
  }

  static OpInfo<Void> copy() {
    return OpInfo.<Void>op("copy")
        .covers("Tensor.copy()")
        .dtypes(ALL_TYPES)
        .call((in, p) -> in[0].copy())
        .reference((s, in) -> Expected.of(in[0].clone(), s.shape(0)))
        .samples(r -> List.of(
            Sample.of("[3, 4]", null, Input.of(VALUES.draw(r, 12), 3, 4)),
            Sample.of("rank 0", null, Input.of(VALUES.draw(r, 1))),
            Sample.of("[2, 0]", null, Input.of(new double[0], 2, 0))));
  }

  /** x.narrow(dim, start, length): the slice [start, start + length) of dim, copied. */
  static OpInfo<Slice> narrow() {
    return OpInfo.<Slice>op("narrow")
        .covers("NarrowOps.narrow")
        .dtypes(ALL_TYPES)
        .call((in, p) -> NarrowOps.narrow(in[0], p.dim, p.start, p.length))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          int d = s.params.dim < 0 ? shape.length + s.params.dim : s.params.dim;
          long[] out = shape.clone();
          out[d] = s.params.length;
          double[] y = new double[Refs.numel(out)];
          for (int i = 0; i < y.length; i++) {
            long[] idx = Refs.unravel(i, out);
            idx[d] += s.params.start;
            long flat = 0;
            for (int k = 0; k < shape.length; k++) flat = flat * shape[k] + idx[k];
            y[i] = in[0][(int) flat];
          }
          return Expected.of(y, out);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 4] dim 2 from 1, 2", new Slice(2, 1, 2), Input.of(VALUES.draw(r, 24), 2, 3, 4)),
            Sample.of("[2, 3, 4] dim -2 from 1, 1", new Slice(-2, 1, 1), Input.of(VALUES.draw(r, 24), 2, 3, 4)),
            Sample.of("[2, 3, 4] dim 0 from 1, 1", new Slice(0, 1, 1), Input.of(VALUES.draw(r, 24), 2, 3, 4)),
            Sample.of("[2, 3, 4] dim 1 from 3, empty", new Slice(1, 3, 0), Input.of(VALUES.draw(r, 24), 2, 3, 4)),
            Sample.of("[5, 6] dim 1 from 2, 3", new Slice(1, 2, 3), Input.of(VALUES.draw(r, 30), 5, 6))))
        .error("slice past the end", new Slice(1, 2, 2), List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "narrow", "[2, 2 + 2)", "[0, 3)", "[2, 3, 4]")
        .error("dimension 3 of rank 3", new Slice(3, 0, 1), List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "narrow", "dimension 3")
        .error("negative start", new Slice(0, -1, 1), List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "narrow", "[-1");
  }

  /** ConcatOps.concat(dim, layer, xs...) along dim (negative counts from the end). */
  static OpInfo<Integer> concat() {
    String layer = "Concat(test)";
    OpInfo<Integer> row = OpInfo.<Integer>op("concat")
        .covers("ConcatOps.concat")
        .messageName(layer)
        .dtypes(ALL_TYPES)
        .call((in, dim) -> ConcatOps.concat(dim, layer, in))
        .reference((s, in) -> {
          long[] first = s.shape(0);
          int d = s.params < 0 ? first.length + s.params : s.params;
          long[] out = first.clone();
          out[d] = 0;
          for (Input x : s.inputs) out[d] += x.shape[d];
          long outer = 1, inner = 1;
          for (int k = 0; k < d; k++) outer *= first[k];
          for (int k = d + 1; k < first.length; k++) inner *= first[k];
          double[] y = new double[Refs.numel(out)];
          int at = 0;
          for (long o = 0; o < outer; o++) {
            for (int t = 0; t < in.length; t++) {
              long run = s.inputs.get(t).shape[d] * inner;
              for (long j = 0; j < run; j++) y[at++] = in[t][(int) (o * run + j)];
            }
          }
          return Expected.of(y, out);
        })
        .samples(r -> {
          List<Sample<Integer>> out = new ArrayList<>();
          int[] sizes = {1, 2, 3};
          for (int dim = 0; dim < 3; dim++) {
            for (int signedDim : new int[] {dim, dim - 3}) {
              Input[] parts = new Input[3];
              for (int t = 0; t < 3; t++) {
                long[] shape = {2, 3, 4};
                shape[dim] = sizes[t];
                parts[t] = Input.of(VALUES.draw(r, Refs.numel(shape)), shape);
              }
              out.add(Sample.of("three tensors along dim " + signedDim, signedDim, parts));
            }
          }
          out.add(Sample.of("channels of an inception block", 1, Input.of(VALUES.draw(r, 4), 1, 1, 2, 2),
              Input.of(VALUES.draw(r, 8), 1, 2, 2, 2)));
          out.add(Sample.of("one tensor", 0, Input.of(VALUES.draw(r, 6), 2, 3)));
          out.add(Sample.of("vectors", 0, Input.of(VALUES.draw(r, 2), 2), Input.of(VALUES.draw(r, 1), 1)));
          return out;
        });
    long[] a = {2, 3, 4};
    row.error("sizes differ outside dim", 1, List.of(Input.of(new double[24], a), Input.of(new double[40], 2, 5, 4),
        Input.of(new double[30], 2, 3, 5)), IllegalArgumentException.class, layer, "tensor 2", "[2, 3, 5]", "[2, *, 4]",
        "tensor 0", "[2, 3, 4]");
    row.error("ranks differ", 1, List.of(Input.of(new double[24], a), Input.of(new double[6], 2, 3)),
        IllegalArgumentException.class, layer, "tensor 1", "[2, 3]");
    row.error("dimension out of range", 3, List.of(Input.of(new double[24], a), Input.of(new double[24], a)),
        IllegalArgumentException.class, layer, "dimension 3", "rank 3");
    row.error("no tensors", 0, List.of(), IllegalArgumentException.class, layer, "at least one tensor");
    row.error("scalars", 0, List.of(Input.of(new double[] {1}), Input.of(new double[] {2})),
        IllegalArgumentException.class, layer, "scalars");
    return row;
  }
}
