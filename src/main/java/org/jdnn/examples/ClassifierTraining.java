package org.jdnn.examples;

import org.jdnn.data.DataLoader;
import org.jdnn.distributed.DistributedDataParallel;
import org.jdnn.distributed.DistributedSampler;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.distributed.ReduceOp;
import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradScaler;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.MetricOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** The training loop the Fashion-MNIST benchmark examples share: Adam, softmax cross-entropy, per-epoch report. */
public final class ClassifierTraining {
  private ClassifierTraining() {}

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

  /**
   * Trains {@code model} for {@code epochs} and evaluates on {@code test} after each, printing a line per epoch.
   * Runs on the model's device; batches are gathered from the (CPU) datasets and copied there.
   */
  public static Result run(Layer model, ArrayDataset train, ArrayDataset test, int epochs, int batchSize, double lr,
      long seed, boolean print) {
    return run(model, train, test, epochs, batchSize, lr, seed, DType.FLOAT32, print);
  }

  /**
   * As {@link #run(Layer, ArrayDataset, ArrayDataset, int, int, double, long, boolean)}, with the forward passes (and
   * the loss) under {@link Autocast} when {@code precision} is a 16-bit type: the hand-written loop's form of mixed
   * precision. The parameters and Adam's state stay float32. Float16 steps are loss-scaled by a {@link GradScaler}
   * (a step whose gradients overflowed is skipped on the device); the epoch line then shows the scale and the skipped
   * steps.
   */
  public static Result run(Layer model, ArrayDataset train, ArrayDataset test, int epochs, int batchSize, double lr,
      long seed, DType precision, boolean print) {
    return run(model, train, test, epochs, batchSize, lr, seed, precision, null, print);
  }

  /**
   * As above, data-parallel over {@code group} when it is not null (a job started by scripts/jdnn-run): the model is
   * wrapped in a {@link DistributedDataParallel} (rank 0's weights everywhere, gradients averaged), each rank trains
   * on its {@link DistributedSampler} shard of every epoch in batches of {@code batchSize / worldSize}, so a step
   * still sees {@code batchSize} samples in all, and the epoch's loss and sample count are summed over the ranks. Only
   * rank 0 prints; every rank returns the same result.
   */
  public static Result run(Layer model, ArrayDataset train, ArrayDataset test, int epochs, int batchSize, double lr,
      long seed, DType precision, ProcessGroup group, boolean print) {
    if (group == null) return train(model, model, train, test, epochs, batchSize, lr, seed, precision, null, print);
    if (batchSize % group.worldSize() != 0) {
      throw new IllegalArgumentException("batch " + batchSize + " does not split evenly over " + group.worldSize()
          + " ranks; give a multiple of " + group.worldSize());
    }
    try (DistributedDataParallel ddp = new DistributedDataParallel(model, group)) {
      return train(ddp, model, train, test, epochs, batchSize / group.worldSize(), lr, seed, precision, group,
          print && group.rank() == 0);
    }
  }

  // trained: what the loop runs (the model, or its DistributedDataParallel wrapper); model: its parameters.
  private static Result train(Layer trained, Layer model, ArrayDataset train, ArrayDataset test, int epochs,
      int batchSize, double lr, long seed, DType precision, ProcessGroup group, boolean print) {
    Device device = model.device();
    CrossEntropyLoss lossFn = new CrossEntropyLoss();
    double[] rates = new double[epochs], secs = new double[epochs];
    double accuracy = 0;
    // The loss is summed where the model is and read once per epoch: on a GPU no step waits for the device.
    try (Adam adam = new Adam(model.parameters(), lr); Tensor sums = Tensor.empty(DType.FLOAT64, device, 4);
        GradScaler scaler = precision == DType.FLOAT16 ? new GradScaler(device) : null) {
      for (int epoch = 0; epoch < epochs; epoch++) {
        model.train();
        MemoryOps.fill(sums, 0);
        long start = System.nanoTime();
        Iterable<Batch> epochBatches = batches(train, batchSize, seed, epoch, group);
        for (Batch b : epochBatches) {
          try (TensorScope step = new TensorScope(); b; Autocast.Scope mixed = Autocast.scope(precision)) {
            adam.zeroGrad();
            Tensor loss = lossFn.compute(trained.forward(b.inputs().to(device)), b.targets().to(device));
            GradScaler.backwardAndStep(scaler, loss, adam);
            MetricOps.accumulateLoss(loss, sums, b.size(), 1);
          }
        }
        if (epochBatches instanceof DataLoader loader) loader.close();
        if (group != null) group.allReduce(sums, ReduceOp.SUM);  // every rank's loss sum and samples
        double[] read = sums.toDoubleArray();  // waits for the epoch's work (and raises errors a GPU recorded)
        double lossSum = read[0];
        int seen = (int) read[1];
        secs[epoch] = (System.nanoTime() - start) / 1e9;
        rates[epoch] = seen / secs[epoch];
        try (Autocast.Scope mixed = Autocast.scope(precision)) {
          accuracy = accuracy(model, test, 1000);
        }
        if (print) {
          String scaling = scaler == null ? ""
              : String.format(Locale.ROOT, "  loss scale %.0f  skipped steps %d", scaler.scaleValue(), scaler.skippedSteps());
          System.out.printf(Locale.ROOT, "epoch %d/%d  loss %.4f  test accuracy %.4f  %.2f s  %,.0f samples/s%s%n",
              epoch + 1, epochs, lossSum / seen, accuracy, secs[epoch], rates[epoch], scaling);
        }
      }
    }
    return new Result(accuracy, rates, secs);
  }

  // The epoch's batches: all of train, shuffled, or this rank's shard of it.
  private static Iterable<Batch> batches(ArrayDataset train, int batchSize, long seed, int epoch, ProcessGroup group) {
    if (group == null) return train.batches(batchSize, true, seed, epoch);
    DistributedSampler sampler = new DistributedSampler(train.size(), group.rank(), group.worldSize(), true, seed, false);
    return DataLoader.ofIndices(train, batchSize, sampler.indices(epoch), seed + group.rank(), epoch, null, 0, null);
  }

  /** Fraction of {@code data} classified correctly, in eval mode without gradient recording. */
  public static double accuracy(Layer model, ArrayDataset data, int batchSize) {
    model.eval();
    Device device = model.device();
    long correct = 0;
    try (GradMode.Guard g = GradMode.disable()) {
      for (Batch b : data.batches(batchSize, false, 0, 0)) {
        try (TensorScope s = new TensorScope(); b) {
          long[] predicted = model.forward(b.inputs().to(device)).argmax().toLongArray();
          int[] labels = b.targets().toIntArray();
          for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) correct++;
        }
      }
    }
    return (double) correct / data.size();
  }
}
