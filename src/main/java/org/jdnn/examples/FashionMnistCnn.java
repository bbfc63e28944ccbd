package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;

/**
 * Benchmark workload W2: conv 3x3 32 pad 1, BatchNorm, ReLU, maxpool 2, conv 3x3 64 pad 1,
 * BatchNorm, ReLU, maxpool 2, Linear 128, ReLU, Dropout 0.5, Linear 10; Adam lr 1e-3, batch 128,
 * 1 epoch by default. Prints the model summary, then per-epoch loss, test accuracy, seconds and
 * training samples/s. Arguments as {@link FashionMnistMlp}.
 */
public final class FashionMnistCnn {
  private static final String USAGE = "usage: FashionMnistCnn [options]\n"
      + "Benchmark workload W2: a two-convolution CNN with batch norm and dropout trained on Fashion-MNIST (Adam,\n"
      + "1 epoch by default), printing its summary and the loss, test accuracy, seconds and samples/s of every epoch.";

  private FashionMnistCnn() {}

  public static void main(String[] args) throws Exception {
    if (ExampleArgs.helpRequested(args, USAGE)) return;
    ExampleArgs a = new ExampleArgs(1, args);
    Device device = a.device();
    try (ProcessGroup group = a.joinIfLaunched(device)) {  // null unless scripts/jdnn-run started several ranks
      ClassifierTraining.Result r = run(a.data, a.epochs, a.batch, a.limit, a.seed, device, a.precision, group, true);
      if (group == null || group.rank() == 0) System.out.printf(Locale.ROOT, "final test accuracy %.4f%n", r.testAccuracy);
    }
  }

  public static Layer model() {
    return new Sequential(
        new Conv2d(1, 32, 3, ConvOptions.padding(1)), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3, ConvOptions.padding(1)), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.5), new Linear(128, 10));
  }

  /** Trains W2; {@code limit} > 0 uses only the first {@code limit} training images. */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, boolean print)
      throws Exception {
    return run(dir, epochs, batchSize, limit, seed, Device.cpu(), print);
  }

  /**
   * Trains W2 on {@code device}: the model is built on the CPU from the seed (so every device starts from the same
   * weights), then moved; batches are copied to the device each step.
   */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, Device device,
      boolean print) throws Exception {
    return run(dir, epochs, batchSize, limit, seed, device, DType.FLOAT32, print);
  }

  /** As above, with the forward passes under {@link org.jdnn.tensor.Autocast} when {@code precision} is BFLOAT16 or FLOAT16 (loss-scaled). */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, Device device,
      DType precision, boolean print) throws Exception {
    return run(dir, epochs, batchSize, limit, seed, device, precision, null, print);
  }

  /** As above, data-parallel over {@code group} when it is not null (see {@link ClassifierTraining}); only rank 0 prints. */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, Device device,
      DType precision, ProcessGroup group, boolean print) throws Exception {
    print = print && (group == null || group.rank() == 0);
    Generator.manualSeed(seed);
    long[] image = {1, 28, 28};
    try (StandardizedFashionMnist data = StandardizedFashionMnist.load(dir, limit, 0, image);
        // Linear+ReLU fused for the test pass after each epoch (training is unchanged)
        Layer model = model().fuseForInference().to(device)) {
      if (print) {
        model.summary(image);
        System.out.printf(Locale.ROOT, "W2 CNN, %d train / %d test images, batch %d%s, %s, on %s%n",
            data.train.size(), data.test.size(), batchSize, ExampleArgs.ranks(group), precision, ExampleArgs.describe(device));
      }
      return ClassifierTraining.run(model, data.train, data.test, epochs, batchSize, 1e-3, seed, precision, group,
          print);
    }
  }
}
