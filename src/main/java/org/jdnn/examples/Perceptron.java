package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Step;
import org.jdnn.plot.DecisionBoundary;
import org.jdnn.plot.Figures;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Rosenblatt's perceptron learning rule on AND and on XOR. The perceptron is a Linear(2, 1) and a
 * {@link Step} (output 1 where w.x + b &gt;= 0); the rule visits the four inputs in order and, after
 * each, adds (target - output) x to w and (target - output) to b, starting from zero. On AND, which
 * a line separates, it stops making mistakes after a few epochs, as the convergence theorem
 * promises. On XOR no line works: the rule is deterministic, so once the weights at the start of
 * an epoch repeat those of an earlier epoch it is proven to cycle forever, and the program says so.
 */
public final class Perceptron {
  static final float[] AND = {0, 0, 0, 1};
  static final float[] XOR = {0, 1, 1, 0};
  private static final String USAGE = "usage: Perceptron [--epochs N] [--out DIR]\n"
      + "Runs the perceptron learning rule on AND (it converges) and on XOR (it cycles: no line separates XOR), prints\n"
      + "each epoch's mistakes and writes DIR/perceptron.png with both final decision lines.\n"
      + "Defaults: --epochs 50 (the most epochs tried) --out target/examples.";

  private Perceptron() {}

  /** How a run of the rule ended. */
  static final class Result {
    /** True when an epoch made no mistake. */
    boolean converged;
    /** Epochs run. */
    int epochs;
    /** Mistakes in the last epoch run. */
    int mistakes;
    /** When the rule cycles: the earlier epoch (from 1) whose starting weights the last epoch's end repeated, else 0. */
    int cycleFrom;
    /** The final weights w1, w2 and bias b. */
    double[] weights;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--epochs", "--out");
    if (o == null) return;
    int epochs = o.integer("--epochs", 50, 1);
    Path png = o.out().resolve("perceptron.png");
    try (TensorScope s = new TensorScope(); Sequential and = perceptron(); Sequential xor = perceptron()) {
      System.out.println("AND:");
      Result a = learn(and, AND, epochs, true);
      System.out.printf(Locale.ROOT, "AND: converged after %d epochs: w = (%.0f, %.0f), b = %.0f%n", a.epochs, a.weights[0],
          a.weights[1], a.weights[2]);
      System.out.println("XOR:");
      Result x = learn(xor, XOR, epochs, true);
      String xorLine = x.cycleFrom > 0
          ? String.format(Locale.ROOT, "XOR: not learned: the weights after epoch %d repeat those after epoch %d, so the rule "
              + "cycles forever (%d mistakes in the last epoch); no line separates XOR", x.epochs, x.cycleFrom - 1,
              x.mistakes)
          : x.converged ? "XOR: converged (not expected)"
          : String.format(Locale.ROOT, "XOR: not learned in %d epochs (%d mistakes in the last)", x.epochs, x.mistakes);
      System.out.println(xorLine);
      Tensor inputs = Tensor.of(Xor.INPUTS, 4, 2);
      Figures.save(Figures.row(
          DecisionBoundary.of(and).points(inputs, Tensor.of(AND, 4)).bounds(-0.5, 1.5, -0.5, 1.5)
              .title("AND: converged in " + a.epochs + " epochs").render(360, 360),
          DecisionBoundary.of(xor).points(inputs, Tensor.of(XOR, 4)).bounds(-0.5, 1.5, -0.5, 1.5)
              .title("XOR: cycling, " + x.mistakes + " mistakes in epoch " + x.epochs).render(360, 360)),
          png);
    }
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** A perceptron with zero weights: Linear(2, 1) then a Step that is 1 at 0. The caller closes it. */
  static Sequential perceptron() {
    Linear unit = new Linear(2, 1);
    unit.weight().write(new float[2]);
    unit.bias().write(new float[1]);
    return new Sequential(unit, new Step());
  }

  /**
   * Runs the rule on {@code p} (updated in place) for at most {@code maxEpochs} epochs over the four
   * inputs (0,0) (0,1) (1,0) (1,1) with the given targets.
   */
  static Result learn(Sequential p, float[] targets, int maxEpochs, boolean print) {
    Linear unit = (Linear) p.get(0);
    double[] w = new double[3];  // w1, w2, b: the rule's state, written into the Linear after each update
    Map<String, Integer> seen = new HashMap<>();  // state at an epoch's start -> that epoch (from 1)
    Result r = new Result();
    for (int epoch = 1; epoch <= maxEpochs; epoch++) {
      Integer earlier = seen.putIfAbsent(Arrays.toString(w), epoch);
      if (earlier != null) {
        r.cycleFrom = earlier;
        break;
      }
      int mistakes = 0;
      for (int i = 0; i < 4; i++) {
        double a = Xor.INPUTS[2 * i];
        double b = Xor.INPUTS[2 * i + 1];
        double error = targets[i] - output(p, a, b);
        if (error != 0) {
          mistakes++;
          w[0] += error * a;
          w[1] += error * b;
          w[2] += error;
          unit.weight().write(new float[] {(float) w[0], (float) w[1]});  // small integers: exact in float32
          unit.bias().write(new float[] {(float) w[2]});
        }
      }
      r.epochs = epoch;
      r.mistakes = mistakes;
      if (print) {
        System.out.printf(Locale.ROOT, "  epoch %2d  mistakes %d  w = (%.0f, %.0f)  b = %.0f%n", epoch, mistakes, w[0], w[1], w[2]);
      }
      if (mistakes == 0) {
        r.converged = true;
        break;
      }
    }
    r.weights = w.clone();
    return r;
  }

  /** The perceptron's output for the input (a, b), computed by the network. */
  private static double output(Sequential p, double a, double b) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return p.forward(Tensor.of(new float[] {(float) a, (float) b}, 1, 2)).item();
    }
  }
}
