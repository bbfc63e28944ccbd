package org.jdnn.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Init;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.plot.LineChart;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Vanishing gradients: a deep stack of sigmoid layers against the same stack with ReLUs, each
 * initialized as recommended for its activation (Glorot for sigmoid, He for ReLU). One backward
 * pass of the cross-entropy on the spirals data gives every Linear weight's gradient; its norm
 * ||dL/dW|| (the square root of the sum of squares, computed here from the gradient's values) is
 * drawn per layer. Going back from the output, each sigmoid layer multiplies the gradient by the
 * logistic derivative, at most 1/4, so the first layers of the sigmoid net receive gradients orders
 * of magnitude smaller than the last and barely learn; the ReLU net's derivative is 1 where a unit
 * is active, and its norms stay within a small factor across depth.
 */
public final class VanishingGradients {
  private static final String USAGE = "usage: VanishingGradients [--depth N] [--width N] [--seed N] [--out DIR]\n"
      + "Builds a deep sigmoid MLP and a deep ReLU MLP (N Linear layers of the given width), runs one backward pass on\n"
      + "the spirals data, prints each layer's weight-gradient norm and writes DIR/vanishing-gradients.png.\n"
      + "Defaults: --depth 10 --width 32 --seed 5 --out target/examples.";

  private VanishingGradients() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--depth", "--width", "--seed", "--out");
    if (o == null) return;
    int depth = o.integer("--depth", 10, 2);
    int width = o.integer("--width", 32, 1);
    long seed = o.longValue("--seed", 5);
    double[] sigmoid = norms(false, depth, width, seed);
    double[] relu = norms(true, depth, width, seed);
    System.out.println("layer   ||dL/dW|| sigmoid   ||dL/dW|| ReLU");
    double[] layers = new double[depth];
    for (int i = 0; i < depth; i++) {
      layers[i] = i + 1;
      System.out.printf(Locale.ROOT, "%5d   %.3e           %.3e%n", i + 1, sigmoid[i], relu[i]);
    }
    System.out.printf(Locale.ROOT, "first layer / last layer: sigmoid %.1e, ReLU %.1e%n", sigmoid[0] / sigmoid[depth - 1],
        relu[0] / relu[depth - 1]);
    Path png = o.out().resolve("vanishing-gradients.png");
    LineChart.of("Weight-gradient norm per layer at initialization (" + depth + " layers of " + width + ")",
        "layer (1 = next to the input)", "||dL/dW||").logY(true)
        .line("sigmoid (Glorot init)", layers, sigmoid).line("ReLU (He init)", layers, relu)
        .legend(LineChart.Legend.BOTTOM_RIGHT).save(png, 720, 440);
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /**
   * The norm of each Linear weight's gradient, first layer first, after one backward pass of the
   * cross-entropy over 2 x 150 spiral points through a {@code depth}-layer MLP.
   */
  static double[] norms(boolean relu, int depth, int width, long seed) {
    Generator g = new Generator(seed);
    List<Linear> linears = new ArrayList<>();
    PlaneData data = PlaneData.spirals(150, 1.25, 0.04, seed);
    try (Sequential model = new Sequential(); TensorScope s = new TensorScope()) {
      for (int i = 0; i < depth; i++) {
        Linear l = new Linear(i == 0 ? 2 : width, i == depth - 1 ? 2 : width);
        model.add(l);  // owned by the model from here, so closed with it
        linears.add(l);
        if (relu) {
          Init.kaimingNormal(l.weight(), 0, g);
        } else {
          Init.xavierUniform(l.weight(), 1, g);
        }
        if (i < depth - 1) model.add(relu ? new ReLU() : new Sigmoid());
      }
      new CrossEntropyLoss().compute(model.forward(data.points()), data.classes()).backward();
      double[] norms = new double[depth];
      for (int i = 0; i < depth; i++) {
        double sum = 0;
        for (double v : linears.get(i).weight().grad().to(DType.FLOAT64).toDoubleArray()) sum += v * v;
        norms[i] = Math.sqrt(sum);
      }
      return norms;
    }
  }
}
