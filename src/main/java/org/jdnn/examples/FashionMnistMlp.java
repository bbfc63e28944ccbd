package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;

/**
 * Benchmark workload W1: 784-512-256-10 MLP on Fashion-MNIST, Adam lr 1e-3, batch 128, 3 epochs,
 * inputs standardized with the training set's pixel mean and std. Prints per-epoch loss, test
 * accuracy, seconds and training samples/s.
 *
 * <p>Arguments (all optional): {@code --epochs N --batch N --limit N --seed N --data DIR --device cpu|cuda|cuda-emu
 * --precision fp32|bf16|fp16}
 * (default: the GPU when one is usable, else the CPU).
 */
public final class FashionMnistMlp {
  private static final String USAGE = "usage: FashionMnistMlp [options]\n"
      + "Benchmark workload W1: a 784-512-256-10 MLP trained on Fashion-MNIST (Adam, 3 epochs by default),\n"
      + "printing the loss, test accuracy, seconds and samples/s of every epoch.";

  private FashionMnistMlp() {}

  public static void main(String[] args) throws Exception {
    if (ExampleArgs.helpRequested(args, USAGE)) return;
    ExampleArgs a = new ExampleArgs(3, args);
    Device device = a.device();
    try (ProcessGroup group = a.joinIfLaunched(device)) {  // null unless scripts/jdnn-run started several ranks
      ClassifierTraining.Result r = run(a.data, a.epochs, a.batch, a.limit, a.seed, device, a.precision, group, true);
      if (group == null || group.rank() == 0) System.out.printf(Locale.ROOT, "final test accuracy %.4f%n", r.testAccuracy);
    }
  }

  public static Layer model() {
    return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
  }

  /** Trains W1; {@code limit} > 0 uses only the first {@code limit} training images. */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, boolean print)
      throws Exception {
    return run(dir, epochs, batchSize, limit, seed, Device.cpu(), print);
  }

  /**
   * Trains W1 on {@code device}: the model is built on the CPU from the seed (so every device starts from the same
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
    try (StandardizedFashionMnist data = StandardizedFashionMnist.load(dir, limit, 0, new long[] {784});
        // Linear+ReLU pairs fused: the test pass after each epoch runs each pair as one call (training
        // records the two ops as before, so the weights are the same)
        Layer model = model().fuseForInference().to(device)) {
      if (print) {
        System.out.printf(Locale.ROOT, "W1 MLP 784-512-256-10 (%,d parameters), %d train / %d test images, batch %d%s, "
            + "%s, on %s%n", model.parameterCount(), data.train.size(), data.test.size(), batchSize, ExampleArgs.ranks(group), precision,
            ExampleArgs.describe(device));
      }
      return ClassifierTraining.run(model, data.train, data.test, epochs, batchSize, 1e-3, seed, precision, group,
          print);
    }
  }
}
