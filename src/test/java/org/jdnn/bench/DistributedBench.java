package org.jdnn.bench;

import java.util.Arrays;
import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.FashionMnist;
import org.jdnn.distributed.DistributedDataParallel;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.distributed.ReduceOp;
import org.jdnn.examples.FashionMnistCnn;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Benchmark of the Gloo process group (not a test), run as the ranks of a job through
 * scripts/jdnn-run (scripts/bench-distributed.sh does it): (1) float32 all-reduce (SUM) from 4 KB
 * to 256 MB, the median time of several calls after a warm-up, as algorithm bandwidth (bytes /
 * time) and bus bandwidth (times 2(n-1)/n, the bytes each rank sends and receives in a ring, so
 * figures compare across world sizes); (2) W1 and W2 training steps under DistributedDataParallel
 * at 64 samples per rank (128 in all at 2 ranks), reporting per step the wall time, the time the
 * communication thread spent in all-reduces, and the exposed part (backward waiting for them after
 * its last gradient). Rank 0 prints.
 *
 * <pre>
 * scripts/bench-distributed.sh [ranks]
 * </pre>
 */
public final class DistributedBench {
  private DistributedBench() {}

  public static void main(String[] args) throws Exception {
    try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
      boolean print = group.rank() == 0;
      int n = group.worldSize();
      if (print) {
        System.out.printf(Locale.ROOT, "Gloo all-reduce (float32 SUM), %d ranks over loopback%n", n);
        System.out.printf(Locale.ROOT, "%10s %12s %14s %14s%n", "bytes", "median ms", "algbw GB/s", "busbw GB/s");
      }
      for (long bytes = 4096; bytes <= 256L << 20; bytes *= 4) {
        int reps = bytes <= (1 << 20) ? 50 : bytes <= (16 << 20) ? 10 : 4;
        double[] ms = new double[reps];
        try (Tensor t = Tensor.zeros(bytes / 4)) {
          group.allReduce(t, ReduceOp.SUM);  // warm-up
          for (int r = 0; r < reps; r++) {
            group.barrier();
            long begin = System.nanoTime();
            group.allReduce(t, ReduceOp.SUM);
            ms[r] = (System.nanoTime() - begin) / 1e6;
          }
        }
        Arrays.sort(ms);
        double median = ms[reps / 2];
        double algbw = bytes / (median / 1e3) / 1e9;
        if (print) {
          System.out.printf(Locale.ROOT, "%10d %12.3f %14.3f %14.3f%n", bytes, median, algbw, algbw * 2 * (n - 1) / n);
        }
      }
      step(group, "W1", FashionMnistMlp.model(), new long[] {784}, 60);
      step(group, "W2", FashionMnistCnn.model(), new long[] {1, 28, 28}, 20);
    }
  }

  // Per-step wall time and communication of DDP training at 64 samples per rank, after warm-up steps.
  private static void step(ProcessGroup group, String name, Layer model, long[] sampleShape, int steps) throws Exception {
    int batch = 64;
    Generator.manualSeed(1);
    try (model; ArrayDataset data = FashionMnist.load(FashionMnist.defaultDir(), true, batch * (steps + 5), sampleShape);
        DistributedDataParallel ddp = new DistributedDataParallel(model, group);
        Adam adam = new Adam(model.parameters(), 1e-3)) {
      CrossEntropyLoss loss = new CrossEntropyLoss();
      long wall = 0;
      long comm0 = 0;
      long exposed0 = 0;
      for (int s = 0; s < steps + 5; s++) {
        if (s == 5) {
          wall = System.nanoTime();
          comm0 = group.collectiveNanos();
          exposed0 = ddp.exposedCommunicationNanos();
        }
        try (TensorScope scope = new TensorScope(); ArrayDataset part = data.rows(s * batch, (s + 1) * batch)) {
          adam.zeroGrad();
          loss.compute(ddp.forward(part.features()), part.targets()).backward();
          adam.step();
        }
      }
      double stepMs = (System.nanoTime() - wall) / 1e6 / steps;
      double commMs = (group.collectiveNanos() - comm0) / 1e6 / steps;
      double exposedMs = (ddp.exposedCommunicationNanos() - exposed0) / 1e6 / steps;
      if (group.rank() == 0) {
        System.out.printf(Locale.ROOT, "%s step at %d x %d samples: %.2f ms; all-reduce %.2f ms (%.0f%%), exposed %.2f ms"
            + " (%.0f%%); %d bucket(s), %,d parameters%n", name, group.worldSize(), batch, stepMs, commMs,
            100 * commMs / stepMs, exposedMs, 100 * exposedMs / stepMs, ddp.bucketCount(), model.parameterCount());
      }
    }
  }
}
