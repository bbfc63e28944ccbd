package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/** Rows for element-wise arithmetic: binary ops with NumPy broadcasting, their scalar variants, unary math, pow. */
final class ElementwiseRows {
  private ElementwiseRows() {}

  /** Operand shape pairs: bias rows, per-row scales, rank-0 scalars, rank-3 broadcasts on both sides, batch 1. */
  static final long[][][] BROADCASTS = {
      {{3, 4}, {3, 4}}, {{3, 5}, {3, 5}},
      {{4, 3}, {3}}, {{3}, {4, 3}}, {{4, 1}, {4, 3}}, {{4, 3}, {4, 1}}, {{4, 3}, {1, 3}}, {{4, 3}, {}}, {{}, {4, 3}},
      {{}, {}}, {{4, 3}, {1}}, {{1, 1}, {2, 5}}, {{2, 1, 3}, {4, 1}}, {{4, 1}, {2, 1, 3}}, {{2, 3, 1}, {1, 3, 5}},
      {{3, 1, 5}, {2, 1}}, {{1, 4}, {3, 1}}, {{3}, {2, 1}}, {{1, 7}, {1, 7}}};

  /** An odd count large enough to be split across threads, leaving a ragged last chunk. */
  static final int LARGE = 100_003;

  static List<OpInfo<?>> rows() {
    List<OpInfo<?>> rows = new ArrayList<>();
    rows.add(binary("add", Tensor::add, (a, b) -> a + b));
    rows.add(binary("sub", Tensor::sub, (a, b) -> a - b));
    rows.add(binary("mul", Tensor::mul, (a, b) -> a * b));
    rows.add(binary("div", Tensor::div, (a, b) -> a / b));
    rows.add(scalar("add(scalar)", "Tensor.add(double)", "UnaryOp.ADD_SCALAR", Tensor::add, (x, c) -> x + c));
    rows.add(scalar("sub(scalar)", "Tensor.sub(double)", "UnaryOp.ADD_SCALAR", Tensor::sub, (x, c) -> x - c));
    rows.add(scalar("mul(scalar)", "Tensor.mul(double)", "UnaryOp.SCALE", Tensor::mul, (x, c) -> x * c));
    rows.add(scalar("div(scalar)", "Tensor.div(double)", "UnaryOp.SCALE", Tensor::div, (x, c) -> x / c));
    rows.add(unary("neg", "NEG", Tensor::neg, x -> -x, Domain.range(-3, 3)));
    rows.add(unary("exp", "EXP", Tensor::exp, Math::exp, Domain.range(-4, 4)));
    rows.add(unary("log", "LOG", Tensor::log, Math::log, Domain.range(0.05, 5)));
    rows.add(unary("sqrt", "SQRT", Tensor::sqrt, Math::sqrt, Domain.range(0.05, 5)));
    rows.add(unary("abs", "ABS", Tensor::abs, Math::abs, Domain.range(0.05, 3).signed()));
    rows.add(unary("square", "SQUARE", Tensor::square, x -> x * x, Domain.range(-3, 3)));
    rows.add(unary("reciprocal", "RECIPROCAL", Tensor::reciprocal, x -> 1 / x, Domain.range(0.2, 3).signed()));
    rows.add(pow());
    rows.add(rsqrt());
    rows.add(powTensor());
    return rows;
  }

  /** a op b with broadcasting; b is kept away from 0 (div). Gradients sum over the broadcast dimensions. */
  static OpInfo<Void> binary(String name, BiFunction<Tensor, Tensor, Tensor> op, DoubleBinaryOperator ref) {
    Domain da = Domain.range(-3, 3), db = Domain.range(0.5, 2).signed();
    return OpInfo.<Void>op(name)
        .covers("Tensor." + name + "(Tensor)")
        .promotes()
        .call((in, p) -> op.apply(in[0], in[1]))
        .reference((s, in) -> Expected.of(Refs.broadcast(in[0], s.shape(0), in[1], s.shape(1), ref),
            Refs.broadcastShape(s.shape(0), s.shape(1))))
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[][] pair : BROADCASTS) {
            out.add(Sample.of(Arrays.toString(pair[0]) + " with " + Arrays.toString(pair[1]), null,
                Input.of(da.draw(r, Refs.numel(pair[0])), pair[0]), Input.of(db.draw(r, Refs.numel(pair[1])), pair[1])));
          }
          out.add(Sample.<Void>of("large " + LARGE, null, Input.of(Domain.range(-2, 2).draw(r, LARGE), LARGE),
              Input.of(db.draw(r, LARGE), LARGE)).forwardOnly());
          return out;
        })
        .error("shapes that do not broadcast", null, List.of(Input.of(new double[12], 4, 3), Input.of(new double[4], 4)),
            IllegalArgumentException.class, name, "[4, 3]", "[4]", "cannot be broadcast")
        .error("rank-3 shape that does not broadcast", null,
            List.of(Input.of(new double[12], 4, 3), Input.of(new double[4], 2, 1, 2)),
            IllegalArgumentException.class, name, "[2, 1, 2]")
        .error("int32 with int32 (no float type to compute in; mixed dtypes promote: TypePromotionTest)", null,
            List.of(Input.ints(DType.INT32, new long[12], 4, 3), Input.ints(DType.INT32, new long[12], 4, 3)),
            IllegalArgumentException.class, name, "expected a float32, float64, float16 or bfloat16 tensor", "int32");
  }

  /** x op c for a double c: the scalar overloads, which run as the ADD_SCALAR and SCALE unary ops and are named as called. */
  static OpInfo<Double> scalar(String name, String method, String unaryOp, BiFunction<Tensor, Double, Tensor> op,
      DoubleBinaryOperator ref) {
    return OpInfo.<Double>op(name)
        .covers(method, unaryOp)
        .call((in, c) -> op.apply(in[0], c))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> ref.applyAsDouble(x, s.params)), s.shape(0)))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double c : new double[] {2.5, -0.75, 3.0, 1e-3}) {
            out.add(Sample.of("c = " + c, c, Input.of(Domain.range(-3, 3).draw(r, 10), 2, 5)));
          }
          out.add(Sample.of("rank 0, c = 2", 2.0, Input.of(new double[] {-1.25})));
          return out;
        });
  }

  /** Shapes every unary op runs on: a matrix, 1x1, rank 0, rank 3. */
  static final long[][] UNARY_SHAPES = {{3, 7}, {1, 1}, {}, {2, 3, 5}, {3, 4}};

  static OpInfo<Void> unary(String name, String code, Function<Tensor, Tensor> op, DoubleUnaryOperator ref, Domain d) {
    return OpInfo.<Void>op(name)
        .covers("Tensor." + name + "()", "UnaryOp." + code)
        .call((in, p) -> op.apply(in[0]))
        .reference((s, in) -> Expected.of(Refs.map(in[0], ref), s.shape(0)))
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[] shape : UNARY_SHAPES) out.add(Sample.of(Arrays.toString(shape), null, Input.of(d.draw(r, Refs.numel(shape)), shape)));
          if (name.equals("exp")) {
            out.add(Sample.<Void>of("large " + LARGE, null, Input.of(Domain.range(-2, 2).draw(r, LARGE), LARGE)).forwardOnly());
          }
          return out;
        });
  }

  /** x^p for several exponents on positive bases, and integer exponents of negative bases. */
  static OpInfo<Double> pow() {
    return OpInfo.<Double>op("pow")
        .covers("Tensor.pow(double)", "UnaryOp.POW")
        .call((in, p) -> in[0].pow(p))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> Math.pow(x, s.params)), s.shape(0)))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double p : new double[] {2, 3, 0.5, -1.5, 1, 0, 2.7}) {
            out.add(Sample.of("p = " + p, p, Input.of(Domain.range(0.2, 3).draw(r, 9), 3, 3)));
          }
          for (double p : new double[] {2, 3}) {
            out.add(Sample.of("negative base, p = " + p, p, Input.of(new double[] {-2, -0.5, 1.5}, 3)));
          }
          return out;
        });
  }
  /** torch.rsqrt: 1 / sqrt(x); infinity at +-0 (its sign), NaN below 0 and for NaN. */
  static OpInfo<Void> rsqrt() {
    return OpInfo.<Void>op("rsqrt")
        .covers("Tensor.rsqrt()", "UnaryOp.RSQRT")
        .call((in, p) -> in[0].rsqrt())
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> 1 / Math.sqrt(x)), s.shape(0)))
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[] shape : UNARY_SHAPES) {
            out.add(Sample.of(Arrays.toString(shape), null, Input.of(Domain.range(0.05, 5).draw(r, Refs.numel(shape)), shape)));
          }
          out.add(Sample.<Void>of("0, -0, negative, infinity, NaN", null, Input.of(new double[] {
              0, -0.0, -1, Double.POSITIVE_INFINITY, Double.NaN, 1e-30, 4}, 7)).forwardOnly());
          return out;
        });
  }
  /**
   * C's pow (C99 Annex F), which PyTorch computes with: as Java's Math.pow but 1^y = 1 for every y, NaN
   * included, and (-1)^(+-infinity) = 1, where Java gives NaN.
   */
  static double cPow(double a, double b) {
    if (a == 1 || (a == -1 && Double.isInfinite(b))) return 1;
    return Math.pow(a, b);
  }

  /**
   * torch.pow(Tensor, Tensor) with broadcasting: positive bases for the gradient checks (log(base) is
   * d/dexponent); zero and negative bases, NaN and infinities as forward-only samples (PowTest checks
   * the gradients PyTorch defines at base 0).
   */
  static OpInfo<Void> powTensor() {
    Domain base = Domain.range(0.2, 3), exponent = Domain.range(-2, 3);
    return OpInfo.<Void>op("pow(Tensor)")
        .covers("Tensor.pow(Tensor)")
        .promotes()
        .messageName("pow")
        .call((in, p) -> in[0].pow(in[1]))
        .reference((s, in) -> Expected.of(Refs.broadcast(in[0], s.shape(0), in[1], s.shape(1), ElementwiseRows::cPow),
            Refs.broadcastShape(s.shape(0), s.shape(1))))
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (long[][] pair : BROADCASTS) {
            out.add(Sample.of(Arrays.toString(pair[0]) + " with " + Arrays.toString(pair[1]), null,
                Input.of(base.draw(r, Refs.numel(pair[0])), pair[0]), Input.of(exponent.draw(r, Refs.numel(pair[1])), pair[1])));
          }
          double nan = Double.NaN, inf = Double.POSITIVE_INFINITY;
          out.add(Sample.<Void>of("zero and negative bases, NaN, infinities", null,
              Input.of(new double[] {0, 0, 0, -2, -2, -8, nan, 1, 2, 0.5, -0.0, inf}, 12),
              Input.of(new double[] {0, 2, -1, 3, 0.5, 1.0 / 3, 0, nan, inf, -inf, 3, -1}, 12)).forwardOnly());
          return out;
        })
        .tol(DType.FLOAT32, 2e-6, 1e-6)
        .error("shapes that do not broadcast", null, List.of(Input.of(new double[12], 4, 3), Input.of(new double[4], 4)),
            IllegalArgumentException.class, "pow", "[4, 3]", "[4]", "cannot be broadcast")
        .error("int32 with int32 (no float type to compute in; mixed dtypes promote: TypePromotionTest)", null,
            List.of(Input.ints(DType.INT32, new long[12], 4, 3), Input.ints(DType.INT32, new long[12], 4, 3)),
            IllegalArgumentException.class, "pow", "expected a float32, float64, float16 or bfloat16 tensor", "int32");
  }
}
