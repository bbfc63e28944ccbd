package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoublePredicate;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Rows for the comparisons (torch.eq, ne, lt, le, gt, ge against a tensor with broadcasting and
 * against a scalar) and the logical ops (torch.logical_not, logical_and, logical_or): uint8 0/1
 * results, IEEE comparisons (NaN unequal to everything, itself included), nonzero read as true,
 * never recorded by autograd. Inputs take values from a small set so that ties are frequent.
 */
final class ComparisonRows {
  private ComparisonRows() {}

  /** The dtypes comparisons run in: floats and the integer types. */
  static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64};

  /** A comparison of two doubles. */
  interface Cmp {
    boolean test(double a, double b);
  }

  static List<OpInfo<?>> rows() {
    List<OpInfo<?>> rows = new ArrayList<>();
    String[] names = {"eq", "ne", "lt", "le", "gt", "ge"};
    Cmp[] refs = {(a, b) -> a == b, (a, b) -> a != b, (a, b) -> a < b, (a, b) -> a <= b, (a, b) -> a > b,
        (a, b) -> a >= b};
    List<BiFunction<Tensor, Tensor, Tensor>> withTensor = List.of(Tensor::eq, Tensor::ne, Tensor::lt, Tensor::le,
        Tensor::gt, Tensor::ge);
    List<BiFunction<Tensor, Double, Tensor>> withScalar = List.of(Tensor::eq, Tensor::ne, Tensor::lt, Tensor::le,
        Tensor::gt, Tensor::ge);
    for (int i = 0; i < names.length; i++) {
      rows.add(tensorRow(names[i], "Tensor." + names[i] + "(Tensor)", withTensor.get(i), refs[i]));
      rows.add(scalarRow(names[i] + "(scalar)", "Tensor." + names[i] + "(double)", names[i], withScalar.get(i), refs[i]));
    }
    rows.add(tensorRow("logicalAnd", "Tensor.logicalAnd(Tensor)", Tensor::logicalAnd, (a, b) -> a != 0 && b != 0)
        .dtypes(DType.UINT8, DType.FLOAT32, DType.FLOAT64, DType.INT32));
    rows.add(tensorRow("logicalOr", "Tensor.logicalOr(Tensor)", Tensor::logicalOr, (a, b) -> a != 0 || b != 0)
        .dtypes(DType.UINT8, DType.FLOAT32, DType.FLOAT64, DType.INT32));
    rows.add(logicalNot());
    return rows;
  }

  static double bit(boolean b) {
    return b ? 1 : 0;
  }

  /** Values in {-1, 0, 1, 2}: frequent ties, both signs. */
  static double[] levels(java.util.Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt(4) - 1;
    return v;
  }

  static OpInfo<Void> tensorRow(String name, String method, BiFunction<Tensor, Tensor, Tensor> op, Cmp ref) {
    return OpInfo.<Void>op(name)
        .covers(method)
        .call((in, p) -> op.apply(in[0], in[1]))
        .reference((s, in) -> Expected.of(Refs.broadcast(in[0], s.shape(0), in[1], s.shape(1),
            (a, b) -> bit(ref.test(a, b))), Refs.broadcastShape(s.shape(0), s.shape(1))).dtype(DType.UINT8))
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[][] pair : ElementwiseRows.BROADCASTS) {
            out.add(Sample.of(Arrays.toString(pair[0]) + " with " + Arrays.toString(pair[1]), null,
                Input.of(levels(r, Refs.numel(pair[0])), pair[0]), Input.of(levels(r, Refs.numel(pair[1])), pair[1])));
          }
          double nan = Double.NaN, inf = Double.POSITIVE_INFINITY;
          // in integer dtypes NaN and infinities become 0 and the type's extremes: still a valid sample
          out.add(Sample.of("NaN, infinities, -0 and 0", null,
              Input.of(new double[] {nan, nan, 1, inf, -inf, -0.0, 0, 1e-30, 3}, 9),
              Input.of(new double[] {nan, 1, nan, inf, inf, 0, -0.0, 0, 3}, 9)));
          out.add(Sample.of("large " + ElementwiseRows.LARGE, null,
              Input.of(levels(r, ElementwiseRows.LARGE), ElementwiseRows.LARGE), Input.of(new double[] {0}, 1)));
          out.add(Sample.of("empty", null, Input.of(new double[0], 0, 3), Input.of(new double[3], 3)));
          return out;
        })
        .dtypes(DTYPES)
        .notRecorded()
        .error("shapes that do not broadcast", null, List.of(Input.of(new double[12], 4, 3), Input.of(new double[4], 4)),
            IllegalArgumentException.class, name, "[4, 3]", "[4]", "cannot be broadcast");
  }

  static OpInfo<Double> scalarRow(String name, String method, String op, BiFunction<Tensor, Double, Tensor> call,
      Cmp ref) {
    return OpInfo.<Double>op(name)
        .covers(method)
        .messageName(op)
        .call((in, c) -> call.apply(in[0], c))
        // the scalars below are exact in every dtype; ComparisonTest checks the rounding of one that is not
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> bit(ref.test(x, s.params))), s.shape(0)).dtype(DType.UINT8))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double c : new double[] {0, 1, -1, 2}) {
            out.add(Sample.of("c = " + c, c, Input.of(levels(r, 15), 3, 5)));
          }
          out.add(Sample.of("rank 0, c = 1", 1.0, Input.of(new double[] {1})));
          out.add(Sample.of("NaN, infinities, -0 against 0", 0.0,
              Input.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0, 5}, 6)));
          return out;
        })
        .dtypes(DTYPES)
        .notRecorded()
        .error("2.5 against int64", 2.5, List.of(Input.of(new double[] {1, 2, 3}, 3).as(DType.INT64)),
            IllegalArgumentException.class, op, "2.5", "int64", "to(DType.FLOAT64)")
        .error("NaN against int32", Double.NaN, List.of(Input.of(new double[] {1}, 1).as(DType.INT32)),
            IllegalArgumentException.class, op, "NaN", "int32")
        .error("3e9 against int32", 3e9, List.of(Input.of(new double[] {1}, 1).as(DType.INT32)),
            IllegalArgumentException.class, op, "3.0E9", "int32");
  }

  static OpInfo<Void> logicalNot() {
    DoublePredicate nonzero = x -> x != 0;
    return OpInfo.<Void>op("logicalNot")
        .covers("Tensor.logicalNot()")
        .call((in, p) -> in[0].logicalNot())
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> bit(!nonzero.test(x))), s.shape(0)).dtype(DType.UINT8))
        .samples(r -> List.of(
            Sample.of("levels", null, Input.of(levels(r, 12), 3, 4)),
            Sample.of("rank 0", null, Input.of(new double[] {0})),
            Sample.of("NaN is true, -0 is false", null, Input.of(new double[] {Double.NaN, -0.0, 0, 1e-30, 2}, 5))))
        .dtypes(DType.UINT8, DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)
        .notRecorded();
  }
}
