package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * Rows for MemoryOps.gatherRows (the data loaders' batching): out[i] = src[index[i]] over dimension 0, any dtype;
 * and for its two-source form (a batch's features and targets by one index, one kernel on a GPU), one row per output.
 */
final class GatherRows {
  private GatherRows() {}

  static List<OpInfo<?>> rows() {
    return List.of(gatherRows(), gatherRowsPair(0), gatherRowsPair(1), gatherNextRows(0), gatherNextRows(1));
  }

  /** src's rows picked by idx: the float64 reference of both forms. */
  private static Expected gathered(double[] src, long[] shape, double[] idx) {
    int rowLength = shape[0] == 0 ? 0 : src.length / (int) shape[0];
    double[] y = new double[idx.length * rowLength];
    for (int i = 0; i < idx.length; i++) System.arraycopy(src, (int) idx[i] * rowLength, y, i * rowLength, rowLength);
    long[] out = shape.clone();
    out[0] = idx.length;
    return Expected.of(y, out);
  }

  /**
   * MemoryOps.gatherRows(a, b, index): output {@code which} (0: a's rows, 1: b's) against the single gather's
   * reference; b has a's rows and another row length, so each output's words are placed by its own row length.
   */
  static OpInfo<DType> gatherRowsPair(int which) {
    OpInfo<DType> row = OpInfo.<DType>op("gatherRowsPair(" + (which == 0 ? "first" : "second") + ")")
        .covers("MemoryOps.gatherRows")
        .dtypes(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)
        .call((in, indexType) -> {
          Tensor[] both = MemoryOps.gatherRows(in[0], in[1], in[2]);
          both[1 - which].close();
          return both[which];
        })
        .reference((s, in) -> gathered(in[which], s.shape(which), in[2]))
        .samples(r -> {
          List<Sample<DType>> out = new ArrayList<>();
          long[][] shapes = {{7, 3}, {1, 1}, {5, 1}, {9, 13}, {4, 0}, {6, 2, 3}, {3, 2}};
          for (DType indexType : new DType[] {DType.INT32, DType.INT64}) {
            for (long[] shape : shapes) {
              int picks = shape[0] == 1 ? 1 : shape[0] == 3 ? 0 : 11;
              long[] idx = new long[picks];
              for (int i = 0; i < picks; i++) idx[i] = r.nextInt((int) shape[0]);
              long[] other = {shape[0], 2};
              out.add(Sample.of(Arrays.toString(shape) + " and " + Arrays.toString(other) + " by " + picks + " "
                  + indexType, indexType,
                  Input.of(Domain.range(-50, 50).draw(r, Refs.numel(shape)), shape).constant(),
                  Input.of(Domain.range(-50, 50).draw(r, Refs.numel(other)), other).constant(),
                  Input.ints(indexType, idx, picks)));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 0, 0)
        .tol(DType.FLOAT64, 0, 0)
        .notRecorded()
        .messageName(null);
    row.error("index 7 of 3 rows", DType.INT32, List.of(Input.of(new double[6], 3, 2), Input.of(new double[3], 3),
        Input.ints(DType.INT32, new long[] {0, 2, 7, 1, -1, 9}, 6)), RuntimeException.class,
        "gather_rows", "index 7 at position 2", "[0, 3)");
    row.error("sources of 3 and 4 rows", DType.INT32, List.of(Input.of(new double[6], 3, 2), Input.of(new double[4], 4),
        Input.ints(DType.INT32, new long[] {0}, 1)), IllegalArgumentException.class, "gatherRows", "as many rows");
    return row;
  }

  /**
   * MemoryOps.gatherNextRows(a, b, order, cursor, intoA, intoB) with the cursor at 1 and a batch of the order's
   * length less one: output {@code which} against the gather of rows order[1..]; the cursor's move and the refusals
   * are GatherNextRowsTest's.
   */
  static OpInfo<DType> gatherNextRows(int which) {
    // no covers(): OpCoverageTest lists the ops that return a tensor, and this one writes into its destinations
    return OpInfo.<DType>op("gatherNextRows(" + (which == 0 ? "first" : "second") + ")")
        .dtypes(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)
        .call((in, indexType) -> {
          Device d = in[0].device();
          long batch = in[2].numel() - 1;
          long[] sa = in[0].shape(), sb = in[1].shape();
          sa[0] = batch;
          sb[0] = batch;
          Tensor a = Tensor.empty(in[0].dtype(), d, sa), b = Tensor.empty(in[1].dtype(), d, sb);
          try (Tensor host = Tensor.ofLongs(new long[] {1}, 1); Tensor cursor = host.to(d)) {
            MemoryOps.gatherNextRows(in[0], in[1], in[2], cursor, a, b);
          }
          (which == 0 ? b : a).close();
          return which == 0 ? a : b;
        })
        .reference((s, in) -> gathered(in[which], s.shape(which), Arrays.copyOfRange(in[2], 1, in[2].length)))
        .samples(r -> {
          List<Sample<DType>> out = new ArrayList<>();
          long[][] shapes = {{7, 3}, {1, 1}, {5, 1}, {9, 13}, {4, 0}, {6, 2, 3}};
          for (DType indexType : new DType[] {DType.INT32, DType.INT64}) {
            for (long[] shape : shapes) {
              int picks = shape[0] == 1 ? 3 : 12;
              long[] idx = new long[picks];
              for (int i = 0; i < picks; i++) idx[i] = r.nextInt((int) shape[0]);
              long[] other = {shape[0], 2};
              out.add(Sample.of(Arrays.toString(shape) + " and " + Arrays.toString(other) + ", " + (picks - 1)
                  + " rows of an order of " + picks + " " + indexType, indexType,
                  Input.of(Domain.range(-50, 50).draw(r, Refs.numel(shape)), shape).constant(),
                  Input.of(Domain.range(-50, 50).draw(r, Refs.numel(other)), other).constant(),
                  Input.ints(indexType, idx, picks)));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 0, 0)
        .tol(DType.FLOAT64, 0, 0)
        .notRecorded()
        .messageName(null);
  }

  static OpInfo<DType> gatherRows() {
    OpInfo<DType> row = OpInfo.<DType>op("gatherRows")
        .covers("MemoryOps.gatherRows")
        .dtypes(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)
        .call((in, indexType) -> MemoryOps.gatherRows(in[0], in[1]))
        .reference((s, in) -> gathered(in[0], s.shape(0), in[1]))
        .samples(r -> {
          List<Sample<DType>> out = new ArrayList<>();
          // a batch of 1, odd row lengths, rows of 0 elements, an empty index, rank 3
          long[][] shapes = {{7, 3}, {1, 1}, {5, 1}, {9, 13}, {4, 0}, {6, 2, 3}, {3, 2}};
          for (DType indexType : new DType[] {DType.INT32, DType.INT64}) {
            for (long[] shape : shapes) {
              int picks = shape[0] == 1 ? 1 : shape[0] == 3 ? 0 : 11;
              long[] idx = new long[picks];
              for (int i = 0; i < picks; i++) idx[i] = r.nextInt((int) shape[0]);
              out.add(Sample.of(Arrays.toString(shape) + " by " + picks + " " + indexType, indexType,
                  Input.of(Domain.range(-50, 50).draw(r, Refs.numel(shape)), shape).constant(),
                  Input.ints(indexType, idx, picks)));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 0, 0)
        .tol(DType.FLOAT64, 0, 0)
        .notRecorded()
        .messageName(null);
    row.error("index 7 of 3 rows", DType.INT32, List.of(Input.of(new double[6], 3, 2),
        Input.ints(DType.INT32, new long[] {0, 2, 7, 1, -1, 9}, 6)), RuntimeException.class,
        "gather_rows", "index 7 at position 2", "[0, 3)");
    row.error("a rank-0 source", DType.INT32, List.of(Input.of(new double[] {1}), Input.ints(DType.INT32, new long[] {0}, 1)),
        IllegalArgumentException.class, "gatherRows", "rows");
    return row;
  }
}
