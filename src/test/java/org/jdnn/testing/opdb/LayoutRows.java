package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Rows for the layout ops (transpose, permute, contiguous, expand, squeeze, unsqueeze, view), the
 * slicing ops (select, slice), cat, stack and pad: values moved without arithmetic, so exact in every
 * dtype, integers included. References index the input by the definition, element by element.
 */
final class LayoutRows {
  private LayoutRows() {}

  static final DType[] ALL_TYPES = ShapeRows.ALL_TYPES;
  static final Domain VALUES = ShapeRows.VALUES;

  static List<OpInfo<?>> rows() {
    return List.of(transpose(), permute(), contiguous(), expand(), squeezeAll(), squeezeDim(), unsqueeze(), view(),
        select(), slice(), cat(), stack(), pad());
  }

  /** Flat row-major position of multi-index {@code idx} in {@code shape}. */
  static int flat(long[] idx, long[] shape) {
    long f = 0;
    for (int k = 0; k < shape.length; k++) f = f * shape[k] + idx[k];
    return Math.toIntExact(f);
  }

  static int dimOf(int dim, int rank) {
    return dim < 0 ? dim + rank : dim;
  }

  static Input values(java.util.Random r, long... shape) {
    return Input.of(VALUES.draw(r, Refs.numel(shape)), shape);
  }

  /** y[i] = x[idx(i) permuted]: output dimension k is input dimension perm[k]. */
  static Expected permuted(double[] x, long[] xs, int[] perm) {
    long[] ys = new long[perm.length];
    for (int k = 0; k < perm.length; k++) ys[k] = xs[perm[k]];
    double[] y = new double[x.length];
    for (int i = 0; i < y.length; i++) {
      long[] out = Refs.unravel(i, ys);
      long[] in = new long[xs.length];
      for (int k = 0; k < perm.length; k++) in[perm[k]] = out[k];
      y[i] = x[flat(in, xs)];
    }
    return Expected.of(y, ys);
  }

  static <P> OpInfo<P> exact(OpInfo<P> row) {
    return row.dtypes(ALL_TYPES).tol(DType.FLOAT32, 0, 0).tol(DType.FLOAT64, 0, 0);
  }

  static OpInfo<int[]> transpose() {
    return exact(OpInfo.<int[]>op("transpose"))
        .covers("Tensor.transpose(int,int)")
        .call((in, d) -> in[0].transpose(d[0], d[1]))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          int[] perm = new int[xs.length];
          for (int k = 0; k < perm.length; k++) perm[k] = k;
          if (xs.length > 0) {
            int a = dimOf(s.params[0], xs.length), b = dimOf(s.params[1], xs.length);
            perm[a] = b;
            perm[b] = a;
          }
          return permuted(in[0], xs, perm);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 4] dims 0, 2", new int[] {0, 2}, values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] dims -1, -2", new int[] {-1, -2}, values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] dims 1, 1", new int[] {1, 1}, values(r, 2, 3, 4)),
            Sample.of("[3, 5] dims 0, 1", new int[] {0, 1}, values(r, 3, 5)),
            Sample.of("[1, 4, 1, 3] dims 1, 3", new int[] {1, 3}, values(r, 1, 4, 1, 3)),
            Sample.of("[4] dims 0, -1", new int[] {0, -1}, values(r, 4)),
            Sample.of("rank 0 dims 0, -1", new int[] {0, -1}, values(r)),
            Sample.of("[2, 0, 3] dims 0, 1", new int[] {0, 1}, Input.of(new double[0], 2, 0, 3)),
            Sample.of("[33, 17] dims 1, 0", new int[] {1, 0}, values(r, 33, 17))))
        .error("dimension 3 of rank 3", new int[] {0, 3}, List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "transpose", "dimension 3", "[2, 3, 4]", "[-3, 2]")
        .error("rank 9", new int[] {0, 1}, List.of(Input.of(new double[1], 1, 1, 1, 1, 1, 1, 1, 1, 1)),
            IllegalArgumentException.class, "permute", "at most 8");
  }

  static OpInfo<int[]> permute() {
    return exact(OpInfo.<int[]>op("permute"))
        .covers("Tensor.permute(int[])")
        .call((in, d) -> in[0].permute(d))
        .reference((s, in) -> {
          int[] perm = new int[s.params.length];
          for (int k = 0; k < perm.length; k++) perm[k] = dimOf(s.params[k], perm.length);
          return permuted(in[0], s.shape(0), perm);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 4] to 2, 0, 1", new int[] {2, 0, 1}, values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] to -1, 0, -2", new int[] {-1, 0, -2}, values(r, 2, 3, 4)),
            Sample.of("[2, 1, 3, 2] to 3, 1, 0, 2", new int[] {3, 1, 0, 2}, values(r, 2, 1, 3, 2)),
            Sample.of("[2, 3, 2, 2] to 0, 2, 1, 3 (attention heads)", new int[] {0, 2, 1, 3}, values(r, 2, 3, 2, 2)),
            Sample.of("[5] identity", new int[] {0}, values(r, 5)),
            Sample.of("rank 0", new int[0], values(r)),
            Sample.of("[2, 0, 3] to 1, 2, 0", new int[] {1, 2, 0}, Input.of(new double[0], 2, 0, 3)),
            Sample.of("rank 8", new int[] {7, 6, 5, 4, 3, 2, 1, 0}, values(r, 2, 1, 2, 1, 3, 1, 2, 2))))
        .error("dimension twice", new int[] {0, 0, 1}, List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "permute", "dimension 0 appears twice", "[0, 0, 1]")
        .error("two dims for rank 3", new int[] {1, 0}, List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "permute", "expected 3 dimensions", "[1, 0]")
        .error("dimension out of range", new int[] {0, 1, 5}, List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "permute", "dimension 5");
  }

  /** Every jdnn tensor is contiguous: contiguous() is the tensor itself. */
  static OpInfo<Void> contiguous() {
    return exact(OpInfo.<Void>op("contiguous"))
        .covers("Tensor.contiguous()")
        .call((in, p) -> {
          Tensor y = in[0].contiguous();
          if (y != in[0]) throw new AssertionError("contiguous() must return the tensor itself");
          return y;
        })
        .reference((s, in) -> Expected.of(in[0].clone(), s.shape(0)))
        .samples(r -> List.of(Sample.of("[2, 3]", null, values(r, 2, 3)), Sample.of("rank 0", null, values(r))));
  }

  static OpInfo<long[]> expand() {
    return exact(OpInfo.<long[]>op("expand"))
        .covers("Tensor.expand(long[])")
        .call((in, sizes) -> in[0].expand(sizes))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          long[] ys = s.params.clone();
          int lead = ys.length - xs.length;
          for (int k = 0; k < ys.length; k++) if (ys[k] == -1) ys[k] = xs[k - lead];
          double[] y = new double[Refs.numel(ys)];
          for (int i = 0; i < y.length; i++) y[i] = in[0][Refs.broadcastIndex(xs, Refs.unravel(i, ys))];
          return Expected.of(y, ys);
        })
        .samples(r -> List.of(
            Sample.of("[3, 1] to [3, 4]", new long[] {3, 4}, values(r, 3, 1)),
            Sample.of("[3, 1] to [-1, 4]", new long[] {-1, 4}, values(r, 3, 1)),
            Sample.of("[3] to [2, 3]", new long[] {2, 3}, values(r, 3)),
            Sample.of("[2, 1, 1] to [2, 3, 4]", new long[] {2, 3, 4}, values(r, 2, 1, 1)),
            Sample.of("[1, 3] to [2, 5, 3]", new long[] {2, 5, 3}, values(r, 1, 3)),
            Sample.of("rank 0 to [3, 2]", new long[] {3, 2}, values(r)),
            Sample.of("[1, 2] to [0, 2]", new long[] {0, 2}, values(r, 1, 2)),
            Sample.of("[2, 3] unchanged", new long[] {2, 3}, values(r, 2, 3))))
        .error("size 2 to 4", new long[] {3, 4}, List.of(Input.of(new double[6], 3, 2)),
            IllegalArgumentException.class, "expand", "dimension 1", "from 2 to 4")
        .error("fewer sizes", new long[] {4}, List.of(Input.of(new double[6], 3, 2)),
            IllegalArgumentException.class, "expand", "fewer dimensions", "[3, 2]")
        .error("new dimension -1", new long[] {-1, 3, 2}, List.of(Input.of(new double[6], 3, 2)),
            IllegalArgumentException.class, "expand", "new leading dimension 0");
  }

  /** The input's shape without its size-1 dims ({@code dim} < 0: all of them). */
  static Expected squeezed(double[] x, long[] xs, int dim) {
    List<Long> out = new ArrayList<>();
    for (int k = 0; k < xs.length; k++) if (xs[k] != 1 || (dim >= 0 && k != dim)) out.add(xs[k]);
    return Expected.of(x.clone(), out.stream().mapToLong(Long::longValue).toArray());
  }

  static OpInfo<Void> squeezeAll() {
    return exact(OpInfo.<Void>op("squeeze"))
        .covers("Tensor.squeeze()")
        .call((in, p) -> in[0].squeeze())
        .reference((s, in) -> squeezed(in[0], s.shape(0), -1))
        .samples(r -> List.of(
            Sample.of("[1, 3, 1, 2]", null, values(r, 1, 3, 1, 2)),
            Sample.of("[1]", null, values(r, 1)),
            Sample.of("[2, 3]", null, values(r, 2, 3)),
            Sample.of("[1, 0]", null, Input.of(new double[0], 1, 0))));
  }

  static OpInfo<Integer> squeezeDim() {
    return exact(OpInfo.<Integer>op("squeeze(dim)"))
        .covers("Tensor.squeeze(int)")
        .call((in, d) -> in[0].squeeze(d))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          if (xs.length == 0) return Expected.of(in[0].clone());
          return squeezed(in[0], xs, dimOf(s.params, xs.length));
        })
        .samples(r -> List.of(
            Sample.of("[1, 3, 1, 2] dim 0", 0, values(r, 1, 3, 1, 2)),
            Sample.of("[1, 3, 1, 2] dim -2", -2, values(r, 1, 3, 1, 2)),
            Sample.of("[1, 3, 1, 2] dim 1 (size 3: unchanged)", 1, values(r, 1, 3, 1, 2)),
            Sample.of("rank 0 dim 0", 0, values(r))))
        .error("dimension 4 of rank 4", 4, List.of(Input.of(new double[6], 1, 3, 1, 2)),
            IllegalArgumentException.class, "squeeze", "dimension 4");
  }

  static OpInfo<Integer> unsqueeze() {
    return exact(OpInfo.<Integer>op("unsqueeze"))
        .covers("Tensor.unsqueeze(int)")
        .call((in, d) -> in[0].unsqueeze(d))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          int d = dimOf(s.params, xs.length + 1);
          long[] ys = new long[xs.length + 1];
          for (int k = 0, j = 0; k < ys.length; k++) ys[k] = k == d ? 1 : xs[j++];
          return Expected.of(in[0].clone(), ys);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3] dim 0", 0, values(r, 2, 3)),
            Sample.of("[2, 3] dim 2", 2, values(r, 2, 3)),
            Sample.of("[2, 3] dim -1", -1, values(r, 2, 3)),
            Sample.of("[2, 3] dim -3", -3, values(r, 2, 3)),
            Sample.of("rank 0 dim 0", 0, values(r))))
        .error("dimension 3 of a [2, 3]", 3, List.of(Input.of(new double[6], 2, 3)),
            IllegalArgumentException.class, "unsqueeze", "dimension 3", "[-3, 2]");
  }

  static OpInfo<long[]> view() {
    return exact(OpInfo.<long[]>op("view"))
        .covers("Tensor.view(long[])")
        .call((in, shape) -> in[0].view(shape))
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
            Sample.of("[2, 3, 2] to [3, -1]", new long[] {3, -1}, values(r, 2, 3, 2)),
            Sample.of("[6] to [2, 3]", new long[] {2, 3}, values(r, 6))))
        .error("6 elements into [4, 2]", new long[] {4, 2}, List.of(Input.of(new double[6], 6)),
            IllegalArgumentException.class, "[4, 2]");
  }

  static OpInfo<long[]> select() {
    return exact(OpInfo.<long[]>op("select"))
        .covers("Tensor.select(int,long)")
        .call((in, p) -> in[0].select((int) p[0], p[1]))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          int d = dimOf((int) s.params[0], xs.length);
          long i = s.params[1] < 0 ? s.params[1] + xs[d] : s.params[1];
          long[] ys = new long[xs.length - 1];
          for (int k = 0, j = 0; k < xs.length; k++) if (k != d) ys[j++] = xs[k];
          double[] y = new double[Refs.numel(ys)];
          for (int f = 0; f < y.length; f++) {
            long[] out = Refs.unravel(f, ys);
            long[] idx = new long[xs.length];
            for (int k = 0, j = 0; k < xs.length; k++) idx[k] = k == d ? i : out[j++];
            y[f] = in[0][flat(idx, xs)];
          }
          return Expected.of(y, ys);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3, 4] dim 1 index 2", new long[] {1, 2}, values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] dim 0 index -1", new long[] {0, -1}, values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] dim -1 index 0", new long[] {-1, 0}, values(r, 2, 3, 4)),
            Sample.of("[5] dim 0 index 3 (a scalar)", new long[] {0, 3}, values(r, 5))))
        .error("index 3 of size 3", new long[] {1, 3}, List.of(Input.of(new double[24], 2, 3, 4)),
            IndexOutOfBoundsException.class, "select", "index 3", "[-3, 2]")
        .error("a scalar", new long[] {0, 0}, List.of(Input.of(new double[] {1})),
            IllegalArgumentException.class, "select", "scalar")
        .error("dimension 3", new long[] {3, 0}, List.of(Input.of(new double[24], 2, 3, 4)),
            IllegalArgumentException.class, "select", "dimension 3");
  }

  static OpInfo<long[]> slice() {
    return exact(OpInfo.<long[]>op("slice"))
        .covers("Tensor.slice(int,long,long,long)")
        .call((in, p) -> in[0].slice((int) p[0], p[1], p[2], p[3]))
        .reference((s, in) -> {
          // Python's slice: negative ends count from the end, then both clamp to [0, size]
          long[] xs = s.shape(0);
          int d = dimOf((int) s.params[0], xs.length);
          long size = xs[d], step = s.params[3];
          long from = Math.min(Math.max(s.params[1] < 0 ? s.params[1] + size : s.params[1], 0), size);
          long to = Math.min(Math.max(s.params[2] < 0 ? s.params[2] + size : s.params[2], 0), size);
          List<Long> picks = new ArrayList<>();
          for (long i = from; i < to; i += step) picks.add(i);
          long[] ys = xs.clone();
          ys[d] = picks.size();
          double[] y = new double[Refs.numel(ys)];
          for (int f = 0; f < y.length; f++) {
            long[] idx = Refs.unravel(f, ys);
            idx[d] = picks.get((int) idx[d]);
            y[f] = in[0][flat(idx, xs)];
          }
          return Expected.of(y, ys);
        })
        .samples(r -> List.of(
            Sample.of("[2, 7, 3] dim 1 0:7:2", new long[] {1, 0, 7, 2}, values(r, 2, 7, 3)),
            Sample.of("[2, 7, 3] dim 1 1:6:3", new long[] {1, 1, 6, 3}, values(r, 2, 7, 3)),
            Sample.of("[2, 7, 3] dim -1 1:3:1", new long[] {-1, 1, 3, 1}, values(r, 2, 7, 3)),
            Sample.of("[8] -5:-1:2", new long[] {0, -5, -1, 2}, values(r, 8)),
            Sample.of("[8] 2:100:3 (end clamped)", new long[] {0, 2, 100, 3}, values(r, 8)),
            Sample.of("[8] 5:2:1 (empty)", new long[] {0, 5, 2, 1}, values(r, 8)),
            Sample.of("[4, 6] dim 0 -100:4:2 (start clamped)", new long[] {0, -100, 4, 2}, values(r, 4, 6)),
            Sample.of("[40, 30] dim 1 3:29:4", new long[] {1, 3, 29, 4}, values(r, 40, 30))))
        .error("step 0", new long[] {0, 0, 2, 0}, List.of(Input.of(new double[6], 6)),
            IllegalArgumentException.class, "slice", "step must be positive", "0")
        .error("dimension 2 of rank 1", new long[] {2, 0, 2, 1}, List.of(Input.of(new double[6], 6)),
            IllegalArgumentException.class, "slice", "dimension 2");
  }

  static OpInfo<Integer> cat() {
    return exact(OpInfo.<Integer>op("cat"))
        .covers("Tensor.cat(int,Tensor[])")
        .call((in, dim) -> Tensor.cat(dim, in))
        .reference((s, in) -> {
          long[] first = s.shape(0);
          int d = dimOf(s.params, first.length);
          long[] out = first.clone();
          out[d] = 0;
          for (Input x : s.inputs) out[d] += x.shape[d];
          double[] y = new double[Refs.numel(out)];
          for (int f = 0; f < y.length; f++) {
            long[] idx = Refs.unravel(f, out);
            int t = 0;
            while (idx[d] >= s.inputs.get(t).shape[d]) idx[d] -= s.inputs.get(t++).shape[d];
            y[f] = in[t][flat(idx, s.inputs.get(t).shape)];
          }
          return Expected.of(y, out);
        })
        .samples(r -> List.of(
            Sample.of("dim 1 of [2, 1, 3], [2, 4, 3]", 1, values(r, 2, 1, 3), values(r, 2, 4, 3)),
            Sample.of("dim -1 of three", -1, values(r, 2, 2), values(r, 2, 1), values(r, 2, 3)),
            Sample.of("dim 0 with an empty one", 0, values(r, 2, 3), Input.of(new double[0], 0, 3))))
        .error("sizes differ outside dim", 0, List.of(Input.of(new double[6], 2, 3), Input.of(new double[4], 2, 2)),
            IllegalArgumentException.class, "cat", "tensor 1", "[2, 2]", "[*, 3]");
  }

  static OpInfo<Integer> stack() {
    return exact(OpInfo.<Integer>op("stack"))
        .covers("Tensor.stack(int,Tensor[])")
        .call((in, dim) -> Tensor.stack(dim, in))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          int d = dimOf(s.params, xs.length + 1);
          long[] out = new long[xs.length + 1];
          for (int k = 0, j = 0; k < out.length; k++) out[k] = k == d ? in.length : xs[j++];
          double[] y = new double[Refs.numel(out)];
          for (int f = 0; f < y.length; f++) {
            long[] idx = Refs.unravel(f, out);
            long[] inIdx = new long[xs.length];
            for (int k = 0, j = 0; k < out.length; k++) if (k != d) inIdx[j++] = idx[k];
            y[f] = in[(int) idx[d]][flat(inIdx, xs)];
          }
          return Expected.of(y, out);
        })
        .samples(r -> List.of(
            Sample.of("dim 0 of three [2, 3]", 0, values(r, 2, 3), values(r, 2, 3), values(r, 2, 3)),
            Sample.of("dim 1 of two [2, 3]", 1, values(r, 2, 3), values(r, 2, 3)),
            Sample.of("dim -1 of two [2, 3]", -1, values(r, 2, 3), values(r, 2, 3)),
            Sample.of("dim 0 of scalars", 0, values(r), values(r)),
            Sample.of("dim 0 of one", 0, values(r, 4))))
        .error("shapes differ", 0, List.of(Input.of(new double[6], 2, 3), Input.of(new double[6], 3, 2)),
            IllegalArgumentException.class, "stack", "tensor 1", "[3, 2]", "one shape")
        .error("dimension 3 for rank 1", 3, List.of(Input.of(new double[2], 2), Input.of(new double[2], 2)),
            IllegalArgumentException.class, "stack", "dimension 3")
        .error("none", 0, List.of(), IllegalArgumentException.class, "stack", "at least one");
  }

  /** Padding: the value (null: the default 0 of pad(long...)) and the pads. */
  static final class Pads {
    final Double value;
    final long[] pads;

    Pads(Double value, long... pads) {
      this.value = value;
      this.pads = pads;
    }
  }

  static OpInfo<Pads> pad() {
    return exact(OpInfo.<Pads>op("pad"))
        .covers("Tensor.pad(long[])", "Tensor.pad(double,long[])")
        .call((in, p) -> p.value == null ? in[0].pad(p.pads) : in[0].pad(p.value, p.pads))
        .reference((s, in) -> {
          long[] xs = s.shape(0);
          long[] lo = new long[xs.length], ys = xs.clone();
          for (int q = 0; q < s.params.pads.length / 2; q++) {
            int d = xs.length - 1 - q;
            lo[d] = s.params.pads[2 * q];
            ys[d] += s.params.pads[2 * q] + s.params.pads[2 * q + 1];
          }
          double fill = s.params.value == null ? 0 : s.params.value;
          double[] y = new double[Refs.numel(ys)];
          for (int f = 0; f < y.length; f++) {
            long[] idx = Refs.unravel(f, ys);
            boolean inside = true;
            for (int k = 0; k < xs.length; k++) {
              idx[k] -= lo[k];
              inside &= idx[k] >= 0 && idx[k] < xs[k];
            }
            y[f] = inside ? in[0][flat(idx, xs)] : fill;
          }
          return Expected.of(y, ys);
        })
        .samples(r -> List.of(
            Sample.of("[2, 3] last dim (1, 2)", new Pads(null, 1, 2), values(r, 2, 3)),
            Sample.of("[2, 3, 4] two dims (1, 0, 2, 1) with 7", new Pads(7.0, 1, 0, 2, 1), values(r, 2, 3, 4)),
            Sample.of("[2, 3, 4] crop (-1, 1, 0, -2)", new Pads(-3.0, -1, 1, 0, -2), values(r, 2, 3, 4)),
            Sample.of("[1, 2, 3, 3] image (1, 1, 1, 1)", new Pads(null, 1, 1, 1, 1), values(r, 1, 2, 3, 3)),
            Sample.of("[3] nothing", new Pads(null), values(r, 3)),
            Sample.of("[2, 2] first dim only (0, 0, 1, 1)", new Pads(2.0, 0, 0, 1, 1), values(r, 2, 2))))
        .error("odd count", new Pads(null, 1, 2, 3), List.of(Input.of(new double[6], 2, 3)),
            IllegalArgumentException.class, "pad", "even number", "[1, 2, 3]")
        .error("three dims of rank 2", new Pads(null, 1, 1, 1, 1, 1, 1), List.of(Input.of(new double[6], 2, 3)),
            IllegalArgumentException.class, "pad", "at most 2 per dimension")
        .error("crop past the size", new Pads(null, -2, -2), List.of(Input.of(new double[6], 2, 3)),
            IllegalArgumentException.class, "pad", "crop more than its size 3");
  }
}
