package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.data.FashionMnist;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Module;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Benchmark workload W1: 784-512-256-10 MLP on Fashion-MNIST, Adam lr 1e-3, batch 128, 3 epochs.
 * Prints per-epoch loss, test accuracy, seconds and training samples/s.
 *
 * <p>Arguments (all optional): {@code --epochs N --batch N --limit N --seed N --data DIR}.
 */
public final class FashionMnistMlp {
  private FashionMnistMlp() {}

  public static void main(String[] args) throws Exception {
    int epochs = 3, batch = 128, limit = 0;
    long seed = 42;
    Path dir = FashionMnist.defaultDir();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--epochs": epochs = Integer.parseInt(args[++i]); break;
        case "--batch": batch = Integer.parseInt(args[++i]); break;
        case "--limit": limit = Integer.parseInt(args[++i]); break;
        case "--seed": seed = Long.parseLong(args[++i]); break;
        case "--data": dir = Path.of(args[++i]); break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]
            + " (expected --epochs, --batch, --limit, --seed, --data)");
      }
    }
    Result r = run(dir, epochs, batch, limit, seed, true);
    System.out.printf(Locale.ROOT, "final test accuracy %.4f%n", r.testAccuracy);
  }

  /** Outcome of a run: final test accuracy and the training throughput of each epoch. */
  public static final class Result {
    public final double testAccuracy;
    public final double[] samplesPerSecond;
    public final double[] seconds;

    Result(double testAccuracy, double[] samplesPerSecond, double[] seconds) {
      this.testAccuracy = testAccuracy;
      this.samplesPerSecond = samplesPerSecond;
      this.seconds = seconds;
    }
  }

  public static Module model() {
    return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
  }

  /** Trains W1; {@code limit} > 0 uses only the first {@code limit} training images. */
  public static Result run(Path dir, int epochs, int batchSize, int limit, long seed, boolean print) throws Exception {
    Generator.manualSeed(seed);
    try (ArrayDataset rawTrain = FashionMnist.load(dir, true, limit);
        ArrayDataset rawTest = FashionMnist.load(dir, false, 0);
        // standardized with the training set's pixel mean and std (benchmarks.md allows either scaling)
        ArrayDataset train = rawTrain.standardized(rawTrain.featureMeanStd()[0], rawTrain.featureMeanStd()[1]);
        ArrayDataset test = rawTest.standardized(rawTrain.featureMeanStd()[0], rawTrain.featureMeanStd()[1]);
        Module model = model();
        Adam adam = new Adam(model.parameters(), 1e-3)) {
      if (print) {
        System.out.printf(Locale.ROOT, "W1 MLP 784-512-256-10 (%,d parameters), %d train / %d test images, batch %d, "
            + "%d CPU threads, GEMM kernel %s%n", model.parameterCount(), train.size(), test.size(), batchSize,
            Device.cpuThreads(), Device.cpuGemmKernel());
      }
      CrossEntropyLoss lossFn = new CrossEntropyLoss();
      double[] rates = new double[epochs], secs = new double[epochs];
      double accuracy = 0;
      for (int epoch = 0; epoch < epochs; epoch++) {
        model.train();
        double lossSum = 0;
        int seen = 0;
        long start = System.nanoTime();
        for (Batch b : train.batches(batchSize, true, seed, epoch)) {
          try (TensorScope step = new TensorScope()) {
            adam.zeroGrad();
            Tensor loss = lossFn.compute(model.forward(b.inputs()), b.targets());
            loss.backward();
            adam.step();
            lossSum += loss.item() * b.size();
            seen += b.size();
          } finally {
            b.close();
          }
        }
        secs[epoch] = (System.nanoTime() - start) / 1e9;
        rates[epoch] = seen / secs[epoch];
        accuracy = accuracy(model, test, 1000);
        if (print) {
          System.out.printf(Locale.ROOT, "epoch %d/%d  loss %.4f  test accuracy %.4f  %.2f s  %,.0f samples/s%n",
              epoch + 1, epochs, lossSum / seen, accuracy, secs[epoch], rates[epoch]);
        }
      }
      return new Result(accuracy, rates, secs);
    }
  }

  /** Fraction of {@code data} classified correctly, in eval mode without gradient recording. */
  public static double accuracy(Module model, ArrayDataset data, int batchSize) {
    model.eval();
    long correct = 0;
    try (GradMode.Guard g = GradMode.disable()) {
      for (Batch b : data.batches(batchSize, false, 0, 0)) {
        try (TensorScope s = new TensorScope(); b) {
          long[] predicted = model.forward(b.inputs()).argmax().toLongArray();
          int[] labels = b.targets().toIntArray();
          for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) correct++;
        }
      }
    }
    return (double) correct / data.size();
  }
}
