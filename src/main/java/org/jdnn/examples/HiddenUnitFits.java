package org.jdnn.examples;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Tanh;
import org.jdnn.plot.Figures;
import org.jdnn.plot.LineChart;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Three hidden units are enough for simple curves: y = x^2 and |x| on [-1, 1] and sin(x) on
 * [-pi, pi], each fitted from 50 points by a 1-3-1 network (tanh or logistic hidden units), drawn
 * with every hidden unit's output beside the fit. The fit is the output layer's weighted sum of
 * those three curves plus its bias, so the picture shows how the units share the work: for x^2 two
 * units bend up at either side, for |x| they make the corner.
 */
public final class HiddenUnitFits {
  static final String[] FUNCTIONS = {"x^2", "sin(x)", "|x|"};
  private static final int POINTS = 50;
  private static final String USAGE = "usage: HiddenUnitFits [--activation tanh|sigmoid] [--steps N] [--seed N] [--out DIR]\n"
      + "Fits x^2 and |x| on [-1, 1] and sin(x) on [-pi, pi] with 3 hidden units each and writes DIR/hidden-units.png:\n"
      + "the data, the fit, and each hidden unit's output. Defaults: --activation tanh --steps 3000 --seed 1\n"
      + "--out target/examples.";

  private HiddenUnitFits() {}

  /** One function's fit: the points drawn, the target, the fit, each hidden unit's output and the output layer. */
  static final class Fit {
    final String function;
    final double[] x;
    final double[] target;
    final double[] fit;
    /** hidden[j][i]: unit j's output at x[i]. */
    final double[][] hidden;
    /** The output layer's weight per hidden unit, and its bias. */
    final double[] outWeights;
    final double outBias;
    /** Mean squared error over the 50 training points. */
    final double mse;

    Fit(String function, double[] x, double[] target, double[] fit, double[][] hidden, double[] outWeights, double outBias,
        double mse) {
      this.function = function;
      this.x = x;
      this.target = target;
      this.fit = fit;
      this.hidden = hidden;
      this.outWeights = outWeights;
      this.outBias = outBias;
      this.mse = mse;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--activation", "--steps", "--seed", "--out");
    if (o == null) return;
    String activation = o.choice("--activation", "tanh", "sigmoid");
    int steps = o.integer("--steps", 3000, 1);
    long seed = o.longValue("--seed", 1);
    BufferedImage[] panels = new BufferedImage[FUNCTIONS.length];
    for (int k = 0; k < FUNCTIONS.length; k++) {
      Fit f = fit(FUNCTIONS[k], activation, seed, steps);
      System.out.printf(Locale.ROOT, "%-7s mse %.2e  fit = %+.3f", f.function, f.mse, f.outBias);
      for (int j = 0; j < f.outWeights.length; j++) System.out.printf(Locale.ROOT, " %+.3f h%d(x)", f.outWeights[j], j + 1);
      System.out.println();
      panels[k] = picture(f, activation);
    }
    Path png = o.out().resolve("hidden-units.png");
    Figures.save(Figures.row(panels), png);
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** Fits one of {@link #FUNCTIONS} with 3 hidden units of {@code activation} ("tanh" or "sigmoid"). */
  static Fit fit(String function, String activation, long seed, int steps) {
    DoubleUnaryOperator f = function(function);
    double lo = function.equals("sin(x)") ? -Math.PI : -1;
    double hi = -lo;
    Generator.manualSeed(seed);
    try (Sequential net = CurveFit.train(f, lo, hi, POINTS, 3, activation.equals("tanh") ? new Tanh() : new Sigmoid(), steps,
        0.05, false); TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = CurveFit.grid(lo, hi, POINTS);
      Tensor h = net.get(1).forward(net.get(0).forward(x));  // (50, 3): the hidden units' outputs
      double[] xs = new double[POINTS];
      double[] target = new double[POINTS];
      for (int i = 0; i < POINTS; i++) {
        xs[i] = CurveFit.at(lo, hi, POINTS, i);
        target[i] = f.applyAsDouble(xs[i]);
      }
      double[] hv = h.to(DType.FLOAT64).toDoubleArray();
      double[][] hidden = new double[3][POINTS];
      for (int i = 0; i < POINTS; i++) for (int j = 0; j < 3; j++) hidden[j][i] = hv[i * 3 + j];
      Linear out = (Linear) net.get(2);
      double[] fit = net.forward(x).to(DType.FLOAT64).toDoubleArray();
      return new Fit(function, xs, target, fit, hidden, out.weight().to(DType.FLOAT64).toDoubleArray(), out.bias().item(),
          CurveFit.error(net, f, lo, hi, POINTS));
    }
  }

  private static DoubleUnaryOperator function(String name) {
    switch (name) {
      case "x^2": return x -> x * x;
      case "sin(x)": return Math::sin;
      case "|x|": return Math::abs;
      default: throw new IllegalArgumentException("HiddenUnitFits: unknown function " + name + "; expected x^2, sin(x) or |x|");
    }
  }

  private static BufferedImage picture(Fit f, String activation) {
    LineChart chart = LineChart.of(String.format(Locale.ROOT, "%s by 3 %s units (mse %.1e)", f.function, activation, f.mse),
        "x", "y").legend(LineChart.Legend.OUTSIDE_RIGHT);
    chart.points("data", f.x, f.target).line("fit", f.x, f.fit);
    for (int j = 0; j < f.hidden.length; j++) chart.dashed("unit " + (j + 1), f.x, f.hidden[j]);
    return chart.render(460, 360);
  }
}
