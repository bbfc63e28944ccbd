package org.jdnn.examples;

import java.util.Locale;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * XOR learned by a 2-2-1 network: the classic task a single perceptron cannot solve, because no
 * line separates {(0,1), (1,0)} from {(0,0), (1,1)}. Two tanh hidden units suffice.
 */
public final class Xor {
  private static final float[] INPUTS = {0, 0, 0, 1, 1, 0, 1, 1};
  private static final float[] TARGETS = {0, 1, 1, 0};

  private Xor() {}

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
    double[] p = train(seed, 2000, true);
    System.out.printf(Locale.ROOT, "predictions for (0,0) (0,1) (1,0) (1,1): %.3f %.3f %.3f %.3f%n", p[0], p[1], p[2], p[3]);
  }

  /** Trains from {@code seed} with full-batch SGD and returns the four predicted probabilities. */
  public static double[] train(long seed, int steps, boolean print) {
    Generator.manualSeed(seed);
    try (Layer net = new Sequential(new Linear(2, 2), new Tanh(), new Linear(2, 1));
        SGD sgd = new SGD(net.parameters(), 0.5).momentum(0.9);
        TensorScope data = new TensorScope()) {
      Tensor x = Tensor.of(INPUTS, 4, 2);
      Tensor y = Tensor.of(TARGETS, 4, 1);
      BCEWithLogitsLoss lossFn = new BCEWithLogitsLoss();
      for (int step = 1; step <= steps; step++) {
        try (TensorScope s = new TensorScope()) {
          sgd.zeroGrad();
          Tensor loss = lossFn.compute(net.forward(x), y);
          loss.backward();
          sgd.step();
          if (print && (step == 1 || step % 500 == 0)) {
            System.out.printf(Locale.ROOT, "step %4d  loss %.5f%n", step, loss.item());
          }
        }
      }
      try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
        float[] p = net.forward(x).sigmoid().toFloatArray();
        return new double[] {p[0], p[1], p[2], p[3]};
      }
    }
  }
}
