package org.jdnn.examples;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.jdnn.loss.MSELoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The loop SquareFit and HiddenUnitFits share: a 1-input, 1-output network with one hidden layer
 * fitted to y = f(x) on evenly spaced points of an interval by full-batch Adam on the squared
 * error. The network is Sequential(Linear(1, h), activation, Linear(h, 1)), so layers 0 and 1
 * give the hidden units' outputs.
 */
final class CurveFit {
  private CurveFit() {}

  /**
   * Trains and returns the network (the caller closes it), in evaluation mode. The parameters
   * start from the global generator: seed it first for a reproducible fit.
   */
  static Sequential train(DoubleUnaryOperator f, double lo, double hi, int points, int hidden, Layer activation, int steps,
      double lr, boolean print) {
    Sequential net = new Sequential(new Linear(1, hidden), activation, new Linear(hidden, 1));
    try (Adam adam = new Adam(net.parameters(), lr); TensorScope data = new TensorScope()) {
      Tensor x = grid(lo, hi, points);
      Tensor y = apply(f, lo, hi, points);
      MSELoss mse = new MSELoss();
      for (int step = 1; step <= steps; step++) {
        try (TensorScope s = new TensorScope()) {
          adam.zeroGrad();
          Tensor loss = mse.compute(net.forward(x), y);
          loss.backward();
          adam.step();
          if (print && (step == 1 || step % Math.max(1, steps / 4) == 0)) {
            System.out.printf(Locale.ROOT, "step %4d  mse %.2e%n", step, loss.item());
          }
        }
      }
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    net.eval();
    return net;
  }

  /** The network's mean squared error against f on {@code points} evenly spaced points of [lo, hi]. */
  static double error(Layer net, DoubleUnaryOperator f, double lo, double hi, int points) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return new MSELoss().compute(net.forward(grid(lo, hi, points)), apply(f, lo, hi, points)).item();
    }
  }

  /** (n, 1) points evenly spaced on [lo, hi], ends included. */
  static Tensor grid(double lo, double hi, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) at(lo, hi, n, i);
    return Tensor.of(v, n, 1);
  }

  /** The i-th of n evenly spaced points of [lo, hi]. */
  static double at(double lo, double hi, int n, int i) {
    return lo + (hi - lo) * i / (n - 1);
  }

  private static Tensor apply(DoubleUnaryOperator f, double lo, double hi, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) f.applyAsDouble(at(lo, hi, n, i));
    return Tensor.of(v, n, 1);
  }
}
