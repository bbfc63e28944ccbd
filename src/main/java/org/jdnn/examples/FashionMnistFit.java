package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.FashionMnist;
import org.jdnn.data.Normalizer;
import org.jdnn.io.ModelFile;
import org.jdnn.io.SavedModel;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradScaler;
import org.jdnn.plot.TrainingCurves;
import org.jdnn.plot.WeightGrid;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.EarlyStopping;
import org.jdnn.train.History;
import org.jdnn.train.Metric;
import org.jdnn.train.ModelCheckpoint;
import org.jdnn.train.ProgressLogger;
import org.jdnn.train.Trainer;

/**
 * Trainer.fit on Fashion-MNIST: a 784-256-10 MLP with a per-channel input normalizer, the last 10%
 * of the training images held out for validation, early stopping on validation loss (best weights
 * restored), checkpoints (last and best) and pictures: training curves and the first layer's 256
 * weight images. Skips with a message when the data set is not installed.
 *
 * <p>Arguments (all optional): {@code --epochs N --batch N --limit N --seed N --data DIR --out DIR}
 * (default out: target/fashion-mnist-fit).
 */
public final class FashionMnistFit {
  private static final String USAGE = "usage: FashionMnistFit [options]\n"
      + "Trainer.fit on Fashion-MNIST: a 784-256-10 MLP with validation, early stopping, checkpoints, a saved model,\n"
      + "curves.png and first-layer.png in --out (default target/fashion-mnist-fit); 10 epochs by default.";

  private FashionMnistFit() {}

  public static void main(String[] args) throws Exception {
    if (ExampleArgs.helpRequested(args, USAGE)) return;
    ExampleArgs a = new ExampleArgs(10, args);
    if (!FashionMnist.isAvailable(a.data)) {
      System.out.println("Fashion-MNIST not found in " + a.data + ": install it with `sudo apt-get install dataset-fashion-mnist`"
          + " or pass --data DIR. Skipping.");
      return;
    }
    double accuracy = run(a.data, a.out, a.epochs, a.batch, a.limit, a.seed, a.device(), a.precision, ProgressLogger.auto());
    System.out.printf(Locale.ROOT, "test accuracy of the best model %.4f; files in %s%n", accuracy, a.out.toAbsolutePath());
  }

  /** Trains, saves checkpoints and pictures under {@code out}, and returns the best model's test accuracy. */
  public static double run(Path data, Path out, int epochs, int batch, int limit, long seed, ProgressLogger progress)
      throws Exception {
    return run(data, out, epochs, batch, limit, seed, Device.cpu(), progress);
  }

  /** As {@link #run(Path, Path, int, int, int, long, ProgressLogger)}, training on {@code device}. */
  public static double run(Path data, Path out, int epochs, int batch, int limit, long seed, Device device,
      ProgressLogger progress) throws Exception {
    return run(data, out, epochs, batch, limit, seed, device, DType.FLOAT32, progress);
  }

  /**
   * As above, with the trainer's forward passes under autocast in {@code precision} when it is BFLOAT16 or FLOAT16
   * ({@link Trainer#mixedPrecision}; float16 with a loss scaler, closed here).
   */
  public static double run(Path data, Path out, int epochs, int batch, int limit, long seed, Device device,
      DType precision, ProgressLogger progress) throws Exception {
    Generator.manualSeed(seed);
    long[] image = {1, 28, 28};
    try (ArrayDataset all = FashionMnist.load(data, true, limit, image);
        ArrayDataset test = FashionMnist.load(data, false, 0, image)) {
      int split = all.size() * 9 / 10;
      try (ArrayDataset train = all.rows(0, split); ArrayDataset validation = all.rows(split, all.size());
          Layer model = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10)).to(device);
          Adam adam = new Adam(model.parameters(), 1e-3);
          GradScaler scaler = precision == DType.FLOAT16 ? new GradScaler(device) : null) {
        // val_loss: the same "best" that EarlyStopping restores
        ModelCheckpoint checkpoint = new ModelCheckpoint(out, "val_loss");
        Trainer trainer = new Trainer(model, adam, new CrossEntropyLoss())
            .epochs(epochs).batchSize(batch).seed(seed)
            .normalizer(Normalizer.fit(train))   // per channel: (x - mean) / std, saved with the model
            .metrics(Metric.accuracy(), Metric.topK(3))
            .callbacks(new EarlyStopping("val_loss", 2), checkpoint, progress);
        if (precision != DType.FLOAT32) trainer.mixedPrecision(precision, scaler);
        History history = trainer.fit(train, validation);
        System.out.printf(Locale.ROOT, "test accuracy of the trained model (lowest validation loss restored) %.4f%n",
            trainer.evaluate(test).get("accuracy"));
        TrainingCurves.save(history, out.resolve("curves.png"), 1000, 400);
        try (TensorScope s = new TensorScope()) {
          WeightGrid.save(model.namedParameters().get("1.weight"), out.resolve("first-layer.png"), 2);
        }
        try (SavedModel best = ModelFile.load(checkpoint.bestPath())) {
          return accuracy(best, test);
        }
      }
    }
  }

  private static double accuracy(SavedModel model, ArrayDataset test) {
    long correct = 0;
    try (TensorScope s = new TensorScope()) {
      long[] predicted = model.predict(test.features()).argmax().toLongArray();
      int[] labels = test.targets().toIntArray();
      for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) correct++;
    }
    return (double) correct / test.size();
  }
}
