package org.jdnn.examples;

import java.util.Locale;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.TensorScope;

/**
 * Fits y = x^2 on [-1, 1] with one hidden layer of 32 tanh units (a 1-D regression). HiddenUnitFits
 * does the same with three units, and draws them.
 */
public final class SquareFit {
  private static final String USAGE = "usage: SquareFit [--seed N] [--steps N]\n"
      + "Fits y = x^2 on 64 points of [-1, 1] with a 1-32-1 tanh network (full-batch Adam) and prints its error on 101\n"
      + "points in between. Defaults: --seed 7 --steps 2000.";

  private SquareFit() {}

  public static void main(String[] args) {
    Options o = Options.parse(args, USAGE, "--seed", "--steps");
    if (o == null) return;
    double mse = train(o.longValue("--seed", 7), o.integer("--steps", 2000, 1), true);
    System.out.printf(Locale.ROOT, "mean squared error on a fresh grid: %.2e%n", mse);
  }

  /** Trains on 64 evenly spaced points and returns the MSE on 101 points in between. */
  public static double train(long seed, int steps, boolean print) {
    Generator.manualSeed(seed);
    try (Layer net = CurveFit.train(x -> x * x, -1, 1, 64, 32, new Tanh(), steps, 0.01, print)) {
      if (print) {
        try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
          float[] p = net.forward(CurveFit.grid(-1, 1, 101)).toFloatArray();
          for (int i = 0; i <= 100; i += 25) {
            double xv = CurveFit.at(-1, 1, 101, i);
            System.out.printf(Locale.ROOT, "x = %5.2f  x^2 = %.4f  predicted %.4f%n", xv, xv * xv, p[i]);
          }
        }
      }
      return CurveFit.error(net, x -> x * x, -1, 1, 101);
    }
  }
}
