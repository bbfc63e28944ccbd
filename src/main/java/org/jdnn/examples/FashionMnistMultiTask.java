package org.jdnn.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.FashionMnist;
import org.jdnn.data.NamedDataset;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradScaler;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.GraphTraining;
import org.jdnn.train.History;
import org.jdnn.train.Metric;
import org.jdnn.train.ProgressLogger;
import org.jdnn.train.Trainer;

/**
 * Two tasks, one network: a {@link Graph} with a shared trunk (784-256-128) and two heads trained
 * together on standardized Fashion-MNIST: "class" (the 10 classes, cross-entropy) and "footwear"
 * (sandal, sneaker or ankle boot: one logit, BCE with logits, weight 0.5). Prints each head's test
 * accuracy as the trainer logs it, saves the graph as a model file, loads it back and recomputes both
 * accuracies from the loaded graph. Skips with a message when the data set is not installed.
 *
 * <p>Arguments (all optional): {@code --epochs N (5) --batch N (128) --limit N --seed N --data DIR --out
 * DIR --device cpu|cuda|cuda-emu --precision fp32|bf16|fp16}; {@code --help} prints them. Under bf16 or fp16 the
 * trainer runs each forward under autocast ({@link org.jdnn.train.Trainer#mixedPrecision}), fp16 with a loss scaler.
 */
public final class FashionMnistMultiTask {
  /** The footwear classes of Fashion-MNIST: 5 sandal, 7 sneaker, 9 ankle boot. */
  static final int[] FOOTWEAR = {5, 7, 9};
  private static final double FOOTWEAR_WEIGHT = 0.5;

  private FashionMnistMultiTask() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("usage: FashionMnistMultiTask [--epochs N (5)] [--batch N (128)] [--limit N"
          + " training images (all)] [--seed N (42)] [--data DIR (" + FashionMnist.defaultDir() + ")] [--out DIR"
          + " (target/fashion-mnist-multitask)] [--device cpu|cuda|cuda-emu (best)] [--precision fp32|bf16|fp16 (fp32)]\n"
          + "Trains one network with two heads on Fashion-MNIST: the class (10-way) and whether it is footwear"
          + " (sandal, sneaker, ankle boot), and prints both heads' test accuracies.");
      return;
    }
    String[] withOut = new String[args.length + 2];
    withOut[0] = "--out";
    withOut[1] = "target/fashion-mnist-multitask";
    System.arraycopy(args, 0, withOut, 2, args.length);  // a given --out comes later and wins
    ExampleArgs a = new ExampleArgs(5, withOut);
    if (!FashionMnist.isAvailable(a.data)) {
      System.out.println("Fashion-MNIST not found in " + a.data + ": install it with `sudo apt-get install dataset-fashion-mnist`"
          + " or pass --data DIR. Skipping.");
      return;
    }
    Device device = a.device();
    System.out.println("device: " + ExampleArgs.describe(device));
    double[] acc = run(a.data, a.out, a.epochs, a.batch, a.limit, a.seed, device, a.precision, ProgressLogger.auto());
    System.out.printf(Locale.ROOT, "loaded model file: test class accuracy %.4f, test footwear accuracy %.4f%n", acc[0], acc[1]);
  }

  /** The shared trunk and the two heads. */
  static Graph model() {
    return Graph.builder()
        .input("image")
        .node("trunk", new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU()), "image")
        .node("class", new Linear(128, 10), "trunk")
        .node("footwear", new Linear(128, 1), "trunk")
        .output("class").output("footwear")
        .build();
  }

  /**
   * Trains, saves the graph under {@code out}, and returns the loaded graph's test accuracies.
   *
   * @return {class accuracy, footwear accuracy} on the 10,000 test images
   */
  static double[] run(Path data, Path out, int epochs, int batch, int limit, long seed, Device device, ProgressLogger progress)
      throws Exception {
    return run(data, out, epochs, batch, limit, seed, device, DType.FLOAT32, progress);
  }

  /** As above, training under autocast in {@code precision} when it is BFLOAT16 or FLOAT16 (loss-scaled). */
  static double[] run(Path data, Path out, int epochs, int batch, int limit, long seed, Device device, DType precision,
      ProgressLogger progress) throws Exception {
    Generator.manualSeed(seed);
    Files.createDirectories(out);
    Path file = out.resolve("multitask.safetensors");
    try (StandardizedFashionMnist fm = StandardizedFashionMnist.load(data, limit, 0, new long[] {784});
        Graph graph = model()) {
      graph.to(device);
      graph.summary(784);  // one row per node: trunk.0 ... class, footwear
      GraphTraining task = GraphTraining.of(graph)
          .loss("class", new CrossEntropyLoss())
          .loss("footwear", new BCEWithLogitsLoss(), FOOTWEAR_WEIGHT)
          .metrics("class", Metric.accuracy())
          .metrics("footwear", Metric.accuracy());  // one logit: footwear when above 0
      try (ArrayDataset train = packed(task, fm.train); ArrayDataset test = packed(task, fm.test);
          Adam adam = new Adam(graph.parameters(), 1e-3);
          GradScaler scaler = precision == DType.FLOAT16 ? new GradScaler(device) : null) {
        Trainer trainer = task.trainer(adam).epochs(epochs).batchSize(batch).seed(seed).callbacks(progress);
        if (precision != DType.FLOAT32) trainer.mixedPrecision(precision, scaler);
        long start = System.nanoTime();
        History h = trainer.fit(train, test);
        double seconds = (System.nanoTime() - start) / 1e9;
        int last = h.epochs() - 1;
        System.out.printf(Locale.ROOT, "%d epochs in %.1f s (%,.0f training samples/s, test pass included)%n", epochs, seconds,
            (double) train.size() * epochs / seconds);
        System.out.printf(Locale.ROOT, "test: class accuracy %.4f, footwear accuracy %.4f; losses: class %.4f, footwear %.4f,"
            + " total %.4f (= class + %.1f footwear)%n", h.get("val_class_accuracy").get(last),
            h.get("val_footwear_accuracy").get(last), h.get("val_class_loss").get(last), h.get("val_footwear_loss").get(last),
            h.get("val_loss").get(last), FOOTWEAR_WEIGHT);
      }
      ModelFile.save(file, graph);
      try (SavedModel saved = ModelFile.load(file)) {
        return accuracies((Graph) saved.model(), fm.test);
      }
    }
  }

  /** The images as input "image", the labels as target "class" and "is footwear" (0/1) as target "footwear". */
  private static ArrayDataset packed(GraphTraining task, ArrayDataset images) {
    try (TensorScope s = new TensorScope();
        NamedDataset named = NamedDataset.of(Map.of("image", images.features().copy()),
            Map.of("class", images.targets().copy(), "footwear", footwear(images.targets().toIntArray())))) {
      return task.pack(named);
    }
  }

  private static Tensor footwear(int[] labels) {
    float[] f = new float[labels.length];
    for (int i = 0; i < labels.length; i++) f[i] = isFootwear(labels[i]) ? 1 : 0;
    return Tensor.of(f, labels.length, 1);
  }

  static boolean isFootwear(int label) {
    for (int c : FOOTWEAR) if (c == label) return true;
    return false;
  }

  /** Both heads' accuracies, counted here from the graph's outputs. */
  static double[] accuracies(Graph graph, ArrayDataset test) {
    graph.eval();
    long classRight = 0;
    long footRight = 0;
    int[] labels = test.targets().toIntArray();
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Map<String, Tensor> out = graph.forward(Map.of("image", test.features().to(graph.device())));
      long[] predicted = out.get("class").argmax().toLongArray();
      float[] footLogit = out.get("footwear").toFloatArray();
      for (int i = 0; i < labels.length; i++) {
        if (predicted[i] == labels[i]) classRight++;
        if ((footLogit[i] > 0) == isFootwear(labels[i])) footRight++;
      }
    }
    return new double[] {(double) classRight / labels.length, (double) footRight / labels.length};
  }
}
