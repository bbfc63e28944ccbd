package org.jdnn.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.optim.SGD;
import org.jdnn.plot.TrainingCurves;
import org.jdnn.tensor.Generator;
import org.jdnn.train.History;
import org.jdnn.train.Metric;
import org.jdnn.train.Trainer;

/**
 * Training with and without batch norm: the same deep sigmoid MLP (5 hidden layers of 64 units)
 * on the spirals, trained by Trainer.fit with the same seed, optimizer and batches, once plain and
 * once with a BatchNorm1d before each sigmoid. Normalizing each unit's input over the batch keeps
 * the sigmoids out of their flat tails, so gradients reach the early layers and the normalized net
 * learns in a few epochs what the plain one is still far from. Both runs' loss and accuracy curves
 * (training solid, validation dashed) are drawn on shared axes.
 */
public final class BatchNormEffect {
  private static final String USAGE = "usage: BatchNormEffect [--epochs N] [--seed N] [--out DIR]\n"
      + "Trains a 5-hidden-layer sigmoid MLP on 2 x 1000 spiral points with and without batch norm (SGD with momentum,\n"
      + "batch 64), validating on 2 x 250 fresh points, prints both runs' last epoch and writes DIR/batch-norm.png with\n"
      + "their curves. Defaults: --epochs 15 --seed 11 --out target/examples.";
  private static final int HIDDEN_LAYERS = 5;
  private static final int WIDTH = 64;

  private BatchNormEffect() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, USAGE, "--epochs", "--seed", "--out");
    if (o == null) return;
    int epochs = o.integer("--epochs", 15, 1);
    long seed = o.longValue("--seed", 11);
    Map<String, History> runs = new LinkedHashMap<>();
    for (boolean norm : new boolean[] {false, true}) {
      History h = train(norm, epochs, seed);
      String name = norm ? "batch norm" : "plain";
      int last = h.epochs() - 1;
      System.out.printf(Locale.ROOT, "%-10s after %d epochs: loss %.4f, accuracy %.3f, validation accuracy %.3f%n", name,
          h.epochs(), h.get("loss").get(last), h.get("accuracy").get(last), h.get("val_accuracy").get(last));
      runs.put(name, h);
    }
    Path png = o.out().resolve("batch-norm.png");
    TrainingCurves.saveComparison(runs, png, 1000, 400);
    System.out.println("picture: " + png.toAbsolutePath());
  }

  /** One run: the MLP with or without batch norm, trained for {@code epochs}; its history. */
  static History train(boolean batchNorm, int epochs, long seed) {
    Generator.manualSeed(seed);
    PlaneData trainData = PlaneData.spirals(1000, 1.25, 0.04, seed);
    PlaneData validationData = PlaneData.spirals(250, 1.25, 0.04, seed + 1);
    try (Layer model = mlp(batchNorm); SGD sgd = new SGD(model.parameters(), 0.1).momentum(0.9);
        ArrayDataset train = trainData.dataset(); ArrayDataset validation = validationData.dataset()) {
      Trainer trainer = new Trainer(model, sgd, new CrossEntropyLoss()).epochs(epochs).batchSize(64).seed(seed)
          .metrics(Metric.accuracy());
      return trainer.fit(train, validation);
    }
  }

  /** Linear, [BatchNorm1d,] Sigmoid, five times, then Linear to two logits. */
  static Layer mlp(boolean batchNorm) {
    Sequential net = new Sequential();
    for (int i = 0; i < HIDDEN_LAYERS; i++) {
      net.add(new Linear(i == 0 ? 2 : WIDTH, WIDTH));
      if (batchNorm) net.add(new BatchNorm1d(WIDTH));
      net.add(new Sigmoid());
    }
    return net.add(new Linear(WIDTH, 2));
  }
}
