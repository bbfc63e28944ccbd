package org.jdnn.distributed;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.train.Callback;
import org.jdnn.train.Metric;
import org.jdnn.train.ModelCheckpoint;
import org.jdnn.train.ProgressLogger;
import org.jdnn.train.Trainer;

/**
 * One rank of TrainerDistributedTest: a small classifier trained by Trainer.distributed on random
 * data. Modes: "fit E [DEVICE]" trains E epochs (on DEVICE, cpu by default); "first DIR" trains 1 of 2 epochs with a ModelCheckpoint in
 * DIR; "resume DIR" resumes from DIR's last checkpoint and trains to 2; "fail" has the last rank's
 * callback throw during epoch 1, "fail0" rank 0's (the store's host). Prints each epoch's logs ("LOGS epoch ..."), the weights' bits
 * ("WEIGHTS ...") and, on a failure, "FAILED: " with the message.
 */
public final class TrainerWorker {
  private TrainerWorker() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
      Generator.manualSeed(77 + group.rank());  // replicas differ until the broadcast
      try (Layer model = new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 3)); ArrayDataset data = data()) {
        if (mode.equals("fit") && args.length > 2) model.to(Device.byName(args[2]));  // cuda-emu: gradients through NCCL
        Adam adam = new Adam(model.parameters(), 1e-2);
        Trainer trainer = new Trainer(model, adam, new CrossEntropyLoss()).batchSize(16).seed(5).metrics(Metric.accuracy())
            .distributed(group).callbacks(new ProgressLogger(System.out, false, 0), new Callback() {
              @Override
              public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
                System.out.println("LOGS epoch " + epoch + " " + logs);
              }

              @Override
              public void onBatchEnd(Trainer t, int epoch, int batch, int batches, int samples, double loss) {
                int victim = mode.equals("fail0") ? 0 : group.worldSize() - 1;
                if (mode.startsWith("fail") && group.rank() == victim && batch == 3) {
                  throw new IllegalStateException("planted failure in rank " + group.rank());
                }
              }
            });
        try {
          switch (mode) {
            case "fit" -> trainer.epochs(Integer.parseInt(args[1])).fit(data, null);
            case "first" -> trainer.epochs(1).callbacks(new ModelCheckpoint(Path.of(args[1]), "loss")).fit(data, null);
            case "resume" -> {
              ModelCheckpoint checkpoint = new ModelCheckpoint(Path.of(args[1]), "loss");
              trainer.callbacks(checkpoint).resume(checkpoint.lastPath()).epochs(2).fit(data, null);
            }
            case "fail", "fail0" -> trainer.epochs(2).fit(data, null);
            default -> throw new IllegalArgumentException(mode);
          }
        } catch (RuntimeException e) {
          System.out.println("FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage());
          System.out.flush();
          return;
        }
        printWeights(System.out, model);
      }
    }
  }

  private static ArrayDataset data() {
    SplittableRandom random = new SplittableRandom(3);
    int n = 200;
    float[] x = new float[n * 12];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int j = 0; j < 12; j++) sum += x[i * 12 + j] = (float) random.nextGaussian();
      y[i] = sum > 1 ? 2 : sum < -1 ? 0 : 1;
    }
    return ArrayDataset.withLabels(x, new long[] {12}, y);
  }

  private static void printWeights(PrintStream out, Layer model) {
    long hash = 1;
    for (Tensor p : model.parameters()) for (float v : p.toFloatArray()) hash = hash * 1_000_003 + Float.floatToIntBits(v);
    out.println("WEIGHTS " + Long.toHexString(hash));
  }
}
