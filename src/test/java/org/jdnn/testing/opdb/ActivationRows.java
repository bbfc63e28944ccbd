package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Rows for the activations, with their parameters. References follow PyTorch's definitions:
 * sigmoid computed without overflow, softplus linear above its threshold, ELU with expm1,
 * torch.heaviside's value at 0 and its 0 for NaN. Every kinked activation keeps its random inputs
 * 0.05 away from the kink; NaN inputs are forward-only samples (NaN in, NaN out, as in PyTorch).
 */
final class ActivationRows {
  private ActivationRows() {}

  /** Shapes the activations run on. */
  static final long[][] SHAPES = {{4, 6}, {1, 1}, {3, 5, 7}, {13}, {3, 5}};

  /** Away from the kink at 0 (relu, leakyRelu, elu), both signs. */
  static final Domain AWAY_FROM_ZERO = Domain.range(0.05, 4).signed();

  static List<OpInfo<?>> rows() {
    List<OpInfo<?>> rows = new ArrayList<>();
    rows.add(activation("relu", "Tensor.relu()", "RELU", (x, a) -> x.relu(), (x, a) -> Math.max(0, x), 0.0));
    rows.add(activation("sigmoid", "Tensor.sigmoid()", "SIGMOID", (x, a) -> x.sigmoid(), (x, a) -> sigmoid(x), 0.0));
    rows.add(activation("tanh", "Tensor.tanh()", "TANH", (x, a) -> x.tanh(), (x, a) -> Math.tanh(x), 0.0));
    rows.add(activation("silu", "Tensor.silu()", "SILU", (x, a) -> x.silu(), (x, a) -> x * sigmoid(x), 0.0));
    rows.add(activation("gelu", "Tensor.gelu()", "GELU", (x, a) -> x.gelu(), (x, a) -> Formulas.gelu(x, false), 0.0));
    rows.add(geluApproximate());
    rows.add(activation("leakyRelu", "Tensor.leakyRelu(double)", "LEAKY_RELU", Tensor::leakyRelu,
        (x, a) -> x > 0 ? x : a * x, 0.01, 0.2, 1.5, 0.0));
    rows.add(activation("elu", "Tensor.elu(double)", "ELU", Tensor::elu, (x, a) -> x > 0 ? x : a * Math.expm1(x),
        1.0, 0.5, 2.0));
    rows.add(activation("softplus", "Tensor.softplus()", "SOFTPLUS", (x, a) -> x.softplus(),
        (x, a) -> softplus(x, 1, 20), 0.0));
    rows.add(softplusWithParameters());
    rows.add(heaviside("heaviside", "Tensor.heaviside()", (x, v) -> x.heaviside(), 1.0));
    rows.add(heaviside("heaviside(value)", "Tensor.heaviside(double)", Tensor::heaviside, 0.5, 0.0, -3.0));
    return rows;
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** PyTorch's Softplus(beta, threshold): x where beta x > threshold, else log1p(e^(beta x)) / beta. */
  static double softplus(double x, double beta, double threshold) {
    double z = beta * x;
    return z > threshold ? x : Math.log1p(Math.exp(z)) / beta;
  }

  /** An activation with one scalar parameter (unused by some), checked for each of {@code params}. */
  static OpInfo<Double> activation(String name, String method, String code, BiFunction<Tensor, Double, Tensor> op,
      DoubleBinaryOperator ref, double... params) {
    return OpInfo.<Double>op(name)
        .covers(method, "UnaryOp." + code)
        .call((in, a) -> op.apply(in[0], a))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> ref.applyAsDouble(x, s.params)), s.shape(0)))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double a : params) {
            String p = params.length > 1 || a != 0 ? "(" + a + ") " : "";
            for (long[] shape : SHAPES) {
              out.add(Sample.of(p + Arrays.toString(shape), a, Input.of(AWAY_FROM_ZERO.draw(r, Refs.numel(shape)), shape)));
            }
            out.add(Sample.<Double>of(p + "NaN", a, Input.of(new double[] {-1, Double.NaN, 0.5}, 3)).forwardOnly());
          }
          return out;
        });
  }

  /** gelu(approximate): PyTorch's "none" (erf) and "tanh" forms, over a range that reaches both tails. */
  static OpInfo<String> geluApproximate() {
    return OpInfo.<String>op("gelu(approximate)")
        .covers("Tensor.gelu(String)")
        .messageName("gelu")
        .call((in, a) -> in[0].gelu(a))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> Formulas.gelu(x, s.params.equals("tanh"))), s.shape(0)))
        .samples(r -> {
          List<Sample<String>> out = new ArrayList<>();
          for (String a : new String[] {"none", "tanh"}) {
            for (long[] shape : SHAPES) {
              out.add(Sample.of(a + " " + Arrays.toString(shape), a, Input.of(Domain.range(-5, 5).draw(r, Refs.numel(shape)), shape)));
            }
            out.add(Sample.of(a + " tails", a, Input.of(new double[] {-9, -6, -3.5, -1e-3, 0, 1e-3, 3.5, 6, 9}, 9)));
            out.add(Sample.<String>of(a + " NaN and infinity", a, Input.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 2}, 3))
                .forwardOnly());
          }
          return out;
        })
        .error("approximate \"exact\"", "exact", List.of(Input.of(new double[] {1}, 1)), IllegalArgumentException.class,
            "gelu", "\"none\" or \"tanh\"", "\"exact\"")
        .error("approximate null", null, List.of(Input.of(new double[] {1}, 1)), IllegalArgumentException.class,
            "gelu", "null");
  }

  /** softplus(beta, threshold), inputs on both sides of each threshold but away from its jump at beta x = threshold. */
  static OpInfo<double[]> softplusWithParameters() {
    double[] x = {-10, -2.5, -0.3, 0, 0.4, 1.1, 2.6, 4.9, 7.3, 15};
    return OpInfo.<double[]>op("softplus(beta, threshold)")
        .covers("Tensor.softplus(double,double)")
        .messageName("softplus")
        .call((in, bt) -> in[0].softplus(bt[0], bt[1]))
        .reference((s, in) -> Expected.of(Refs.map(in[0], v -> softplus(v, s.params[0], s.params[1])), s.shape(0)))
        .samples(r -> {
          List<Sample<double[]>> out = new ArrayList<>();
          for (double[] bt : new double[][] {{1, 20}, {2, 5}, {0.5, 1}, {3, 10}, {-1.5, 4}}) {
            out.add(Sample.of("beta " + bt[0] + ", threshold " + bt[1], bt, Input.of(x.clone(), x.length)));
          }
          out.add(Sample.of("both regions (beta 1, threshold 20)", new double[] {1, 20},
              Input.of(new double[] {21, 25, 40, -8, 0.3}, 5)));
          // a threshold past e^z's overflow (z > 88 in float32) stays finite
          out.add(Sample.of("threshold 1000", new double[] {1, 1000}, Input.of(new double[] {100, 200}, 2)).forwardOnly());
          return out;
        })
        .tol(DType.FLOAT64, 1e-14, 0)
        .gradTol(1e-7, 1e-6)
        .error("beta 0", new double[] {0, 20}, List.of(Input.of(new double[] {1}, 1)), IllegalArgumentException.class,
            "softplus", "beta 0.0")
        .error("beta NaN", new double[] {Double.NaN, 20}, List.of(Input.of(new double[] {1}, 1)),
            IllegalArgumentException.class, "softplus", "beta NaN")
        .error("threshold NaN", new double[] {1, Double.NaN}, List.of(Input.of(new double[] {1}, 1)),
            IllegalArgumentException.class, "softplus", "threshold NaN")
        .error("beta infinite", new double[] {Double.POSITIVE_INFINITY, 1}, List.of(Input.of(new double[] {1}, 1)),
            IllegalArgumentException.class, "softplus", "beta Infinity");
  }

  /** torch.heaviside(x, value): 1 above 0, value at 0 (and -0), 0 below and for NaN; no derivative. */
  static OpInfo<Double> heaviside(String name, String method, BiFunction<Tensor, Double, Tensor> op, double... values) {
    return OpInfo.<Double>op(name)
        .covers(method, "UnaryOp.HEAVISIDE")
        .messageName("heaviside")
        .call((in, v) -> op.apply(in[0], v))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> x > 0 ? 1 : x == 0 ? s.params : 0), s.shape(0)))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double v : values) {
            out.add(Sample.of("value " + v + " at the edges", v,
                Input.of(new double[] {-3, -1e-30, 0, -0.0, 1e-30, 0.5, 7, Double.NaN}, 2, 4)));
            out.add(Sample.of("value " + v + " random", v, Input.of(AWAY_FROM_ZERO.draw(r, 15), 3, 5)));
          }
          return out;
        })
        .tol(DType.FLOAT32, 0, 0)
        .tol(DType.FLOAT64, 0, 0)
        .backwardThrows(UnsupportedOperationException.class, "derivative");
  }
}
