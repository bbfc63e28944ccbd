package org.jdnn.examples;

import java.util.Locale;
import org.jdnn.loss.MSELoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** Fits y = x^2 on [-1, 1] with one hidden layer of 32 tanh units (a 1-D regression). */
public final class SquareFit {
  private SquareFit() {}

  public static void main(String[] args) {
    double mse = train(7, 2000, true);
    System.out.printf(Locale.ROOT, "mean squared error on a fresh grid: %.2e%n", mse);
  }

  /** Trains on 64 evenly spaced points and returns the MSE on 101 points in between. */
  public static double train(long seed, int steps, boolean print) {
    Generator.manualSeed(seed);
    try (Layer net = new Sequential(new Linear(1, 32), new Tanh(), new Linear(32, 1));
        Adam adam = new Adam(net.parameters(), 0.01);
        TensorScope data = new TensorScope()) {
      Tensor x = grid(64);
      Tensor y = x.square();
      MSELoss mse = new MSELoss();
      for (int step = 1; step <= steps; step++) {
        try (TensorScope s = new TensorScope()) {
          adam.zeroGrad();
          Tensor loss = mse.compute(net.forward(x), y);
          loss.backward();
          adam.step();
          if (print && (step == 1 || step % 500 == 0)) {
            System.out.printf(Locale.ROOT, "step %4d  mse %.2e%n", step, loss.item());
          }
        }
      }
      net.eval();
      try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
        Tensor test = grid(101);
        if (print) {
          float[] p = net.forward(test).toFloatArray();
          for (int i = 0; i <= 100; i += 25) {
            double xv = -1 + 2.0 * i / 100;
            System.out.printf(Locale.ROOT, "x = %5.2f  x^2 = %.4f  predicted %.4f%n", xv, xv * xv, p[i]);
          }
        }
        return mse.compute(net.forward(test), test.square()).item();
      }
    }
  }

  private static Tensor grid(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (-1 + 2.0 * i / (n - 1));
    return Tensor.of(v, n, 1);
  }
}
