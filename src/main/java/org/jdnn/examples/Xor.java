package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.optim.SGD;
import org.jdnn.plot.DecisionBoundary;
import org.jdnn.plot.Figures;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * XOR two ways: learned by a 2-2-1 network, and wired by hand from threshold units. XOR is the
 * classic task a single perceptron cannot solve, because no line separates {(0,1), (1,0)} from
 * {(0,0), (1,1)} (see Perceptron); one hidden layer can. By hand: XOR(a, b) = AND(OR(a, b),
 * NAND(a, b)), each unit a {@link Step} of a weighted sum: OR fires when a + b - 0.5 &gt;= 0, NAND
 * when -a - b + 1.5 &gt;= 0, AND of the two when h1 + h2 - 1.5 &gt;= 0. Writes both networks'
 * decision regions side by side.
 */
public final class Xor {
  static final float[] INPUTS = {0, 0, 0, 1, 1, 0, 1, 1};
  static final float[] TARGETS = {0, 1, 1, 0};
  private static final String USAGE = "usage: Xor [--seed N] [--steps N] [--out DIR]\n"
      + "Trains a 2-2-1 tanh network on XOR (full-batch SGD with momentum), wires XOR by hand from OR, NAND and AND\n"
      + "threshold units, prints both truth tables and writes DIR/xor.png with both networks' decision regions.\n"
      + "Defaults: --seed 1 --steps 2000 --out target/examples.";

  private Xor() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--seed", "--steps", "--out");
    if (o == null) return;
    long seed = o.longValue("--seed", 1);
    int steps = o.integer("--steps", 2000, 1);
    Path png = o.out().resolve("xor.png");
    try (Layer learned = trained(seed, steps, true); Layer wired = byHand(); TensorScope s = new TensorScope()) {
      double[] p = predict(learned, true);
      System.out.printf(Locale.ROOT, "learned 2-2-1, probabilities for (0,0) (0,1) (1,0) (1,1): %.3f %.3f %.3f %.3f%n",
          p[0], p[1], p[2], p[3]);
      double[] h = predict(wired, false);
      System.out.printf(Locale.ROOT, "wired by hand from OR, NAND and AND units:          %.0f     %.0f     %.0f     %.0f%n",
          h[0], h[1], h[2], h[3]);
      Tensor x = Tensor.of(INPUTS, 4, 2);
      Tensor y = Tensor.of(TARGETS, 4);
      Figures.save(Figures.row(
          DecisionBoundary.of(learned).points(x, y).bounds(-0.5, 1.5, -0.5, 1.5).title("learned 2-2-1 (tanh)").render(360, 360),
          DecisionBoundary.of(wired).points(x, y).bounds(-0.5, 1.5, -0.5, 1.5).title("by hand: AND(OR, NAND)").render(360, 360)),
          png);
    }
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** Trains from {@code seed} with full-batch SGD and returns the four predicted probabilities. */
  public static double[] train(long seed, int steps, boolean print) {
    try (Layer net = trained(seed, steps, print)) {
      return predict(net, true);
    }
  }

  /** A 2-2-1 tanh network trained on XOR; it outputs a logit. The caller closes it. */
  static Layer trained(long seed, int steps, boolean print) {
    Generator.manualSeed(seed);
    Layer net = new Sequential(new Linear(2, 2), new Tanh(), new Linear(2, 1));
    try (SGD sgd = new SGD(net.parameters(), 0.5).momentum(0.9); TensorScope data = new TensorScope()) {
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
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /**
   * XOR from threshold units: hidden unit 1 is OR (a + b - 0.5), unit 2 NAND (-a - b + 1.5), the
   * output AND of the two (h1 + h2 - 1.5), each through a Step that is 1 at 0 and above. The
   * caller closes it.
   */
  static Layer byHand() {
    Linear hidden = new Linear(2, 2);
    Linear out = new Linear(2, 1);
    hidden.weight().write(new float[] {1, 1, -1, -1});
    hidden.bias().write(new float[] {-0.5f, 1.5f});
    out.weight().write(new float[] {1, 1});
    out.bias().write(new float[] {-1.5f});
    return new Sequential(hidden, new Step(), out, new Step());
  }

  /** The network's outputs for (0,0) (0,1) (1,0) (1,1): probabilities from a logit, or the raw output. */
  static double[] predict(Layer net, boolean logit) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Tensor out = net.forward(Tensor.of(INPUTS, 4, 2));
      float[] p = (logit ? out.sigmoid() : out).toFloatArray();
      return new double[] {p[0], p[1], p[2], p[3]};
    }
  }
}
