package org.jdnn.examples;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.optim.Adam;
import org.jdnn.plot.DecisionBoundary;
import org.jdnn.plot.Figures;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * What depth buys: networks with 1, 2 and 3 layers of weights trained on two interleaved spirals
 * and drawn with their decision regions. One layer (logistic regression) can only cut the plane
 * with a line; a hidden layer of a few tanh units bends the boundary; a second hidden layer of the
 * same width combines those bends into the spiral's arms.
 */
public final class DecisionSurfaces {
  private static final String USAGE = "usage: DecisionSurfaces [--hidden N] [--steps N] [--seed N] [--out DIR]\n"
      + "Trains 1-, 2- and 3-layer networks (hidden layers of N tanh units) on 2 x 150 points of two spirals with\n"
      + "full-batch Adam, prints each one's training accuracy and writes DIR/decision-surfaces.png with their decision\n"
      + "regions. Defaults: --hidden 4 --steps 2000 --seed 3 --out target/examples.";

  private DecisionSurfaces() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--hidden", "--steps", "--seed", "--out");
    if (o == null) return;
    int hidden = o.integer("--hidden", 4, 1);
    int steps = o.integer("--steps", 2000, 1);
    long seed = o.longValue("--seed", 3);
    Path png = o.out().resolve("decision-surfaces.png");
    PlaneData data = PlaneData.spirals(150, 1.25, 0.04, seed);
    BufferedImage[] panels = new BufferedImage[3];
    try (TensorScope s = new TensorScope()) {
      for (int layers = 1; layers <= 3; layers++) {
        try (Layer net = network(layers, hidden, seed)) {
          double accuracy = train(net, data, steps);
          String name = layers == 1 ? "1 layer (linear)" : layers + " layers, " + hidden + " tanh units each";
          System.out.printf(Locale.ROOT, "%-32s training accuracy %.3f%n", name, accuracy);
          panels[layers - 1] = DecisionBoundary.of(net).points(data.points(), data.classes())
              .title(String.format(Locale.ROOT, "%s: %.0f%%", name, 100 * accuracy)).render(380, 380);
        }
      }
    }
    Figures.save(Figures.row(panels), png);
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** A network of {@code layers} Linear layers (1 to 3), hidden ones {@code hidden} wide with tanh, two logits out. */
  static Layer network(int layers, int hidden, long seed) {
    Generator.manualSeed(seed);
    if (layers == 1) return new Sequential(new Linear(2, 2));
    Sequential net = new Sequential(new Linear(2, hidden), new Tanh());
    for (int k = 2; k < layers; k++) net.add(new Linear(hidden, hidden)).add(new Tanh());
    return net.add(new Linear(hidden, 2));
  }

  /** Full-batch Adam on the cross-entropy; returns the training accuracy. */
  static double train(Layer net, PlaneData data, int steps) {
    try (Adam adam = new Adam(net.parameters(), 0.02); TensorScope s = new TensorScope()) {
      Tensor x = data.points();
      Tensor y = data.classes();
      CrossEntropyLoss loss = new CrossEntropyLoss();
      for (int step = 0; step < steps; step++) {
        try (TensorScope inner = new TensorScope()) {
          adam.zeroGrad();
          loss.compute(net.forward(x), y).backward();
          adam.step();
        }
      }
      try (GradMode.Guard g = GradMode.disable()) {
        long[] predicted = net.forward(x).argmax().toLongArray();
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == data.labels[i]) correct++;
        return (double) correct / predicted.length;
      }
    }
  }
}
