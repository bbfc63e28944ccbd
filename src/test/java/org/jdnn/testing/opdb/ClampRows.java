package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows for torch.clamp and its one-sided forms: max(x, min) then min with max, so min &gt; max gives
 * max everywhere; NaN passes through. Random inputs keep 0.05 from both bounds (the gradient jumps
 * there); values on the bounds, NaN and infinities are forward-only samples, and the gradient at a
 * bound (PyTorch passes it) is checked by ClampTest.
 */
final class ClampRows {
  private ClampRows() {}

  static final long[][] SHAPES = {{3, 7}, {1}, {}, {2, 3, 4}};
  static final double INF = Double.POSITIVE_INFINITY;

  static List<OpInfo<?>> rows() {
    return List.of(clamp(), oneSided("clampMin", "Tensor.clampMin(double)", true),
        oneSided("clampMax", "Tensor.clampMax(double)", false));
  }

  static double clamp(double x, double min, double max) {
    if (Double.isNaN(x)) return x;
    return Math.min(Math.max(x, min), max);
  }

  /** clamp(min, max) for bound pairs: ordinary, equal, crossed (min &gt; max), and each side open. */
  static OpInfo<double[]> clamp() {
    double[][] bounds = {{-1, 1}, {0, 2.5}, {-0.5, -0.5}, {1, -1}, {-INF, 0.5}, {-1.25, INF}, {-INF, INF}};
    return OpInfo.<double[]>op("clamp")
        .covers("Tensor.clamp(double,double)", "UnaryOp.CLAMP")
        .call((in, b) -> in[0].clamp(b[0], b[1]))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> clamp(x, s.params[0], s.params[1])), s.shape(0)))
        .samples(r -> {
          List<Sample<double[]>> out = new ArrayList<>();
          for (double[] b : bounds) {
            Domain d = Domain.range(-3, 3).avoiding(0.05, b[0], b[1]);
            for (long[] shape : SHAPES) {
              out.add(Sample.of(Arrays.toString(b) + " " + Arrays.toString(shape), b, Input.of(d.draw(r, Refs.numel(shape)), shape)));
            }
            out.add(Sample.of(Arrays.toString(b) + " on the bounds, NaN, infinities", b, Input.of(new double[] {
                b[0], b[1], Double.NaN, INF, -INF, 0}, 6)).forwardOnly());
          }
          return out;
        })
        .error("min NaN", new double[] {Double.NaN, 1}, List.of(Input.of(new double[] {1}, 1)),
            IllegalArgumentException.class, "clamp", "min NaN", "Infinity")
        .error("max NaN", new double[] {0, Double.NaN}, List.of(Input.of(new double[] {1}, 1)),
            IllegalArgumentException.class, "clamp", "max NaN");
  }

  /** clampMin(bound) or clampMax(bound). */
  static OpInfo<Double> oneSided(String name, String method, boolean lower) {
    return OpInfo.<Double>op(name)
        .covers(method)
        .call((in, b) -> lower ? in[0].clampMin(b) : in[0].clampMax(b))
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> lower ? clamp(x, s.params, INF) : clamp(x, -INF, s.params)),
            s.shape(0)))
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          for (double b : new double[] {0, -1.5, 2}) {
            Domain d = Domain.range(-3, 3).avoiding(0.05, b);
            for (long[] shape : SHAPES) {
              out.add(Sample.of(b + " " + Arrays.toString(shape), b, Input.of(d.draw(r, Refs.numel(shape)), shape)));
            }
            out.add(Sample.of(b + " on the bound, NaN, infinities", b, Input.of(new double[] {b, Double.NaN, INF, -INF}, 4))
                .forwardOnly());
          }
          return out;
        })
        .error("bound NaN", Double.NaN, List.of(Input.of(new double[] {1}, 1)), IllegalArgumentException.class,
            name, "NaN");
  }
}
