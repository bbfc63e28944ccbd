package org.jdnn.distributed;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * One rank of ProcessGroupTest's collectives check: joins the group the environment describes, runs
 * every collective on data that depends on the rank, and compares each result with the value computed
 * here in float64 from what every rank sent. Exits non-zero (the message on stderr) on any mismatch.
 */
public final class CollectivesWorker {
  private CollectivesWorker() {}

  public static void main(String[] args) {
    Device device = args.length > 0 ? Device.byName(args[0]) : Device.cpu();
    Device.setDefault(device);  // every tensor below on it: the CPU's go through Gloo, a GPU's through NCCL
    try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
      int rank = group.rank();
      int world = group.worldSize();
      // allReduce SUM, float32, an odd length and one past Gloo's 1 MiB segment
      for (int n : new int[] {1, 1001, 300_007}) {
        float[] mine = new float[n];
        for (int i = 0; i < n; i++) mine[i] = (rank + 1) * (i % 97) + 0.25f * rank;
        try (Tensor t = Tensor.of(mine, n)) {
          group.allReduce(t, ReduceOp.SUM);
          float[] got = t.toFloatArray();
          for (int i = 0; i < n; i++) {
            double want = 0;
            for (int r = 0; r < world; r++) want += (r + 1) * (i % 97) + 0.25 * r;
            check(got[i] == (float) want, "allReduce SUM n=" + n + " [" + i + "]: " + got[i] + " != " + want);
          }
        }
      }
      // AVG, float64
      try (Tensor t = Tensor.of(new double[] {rank, 10.0 * rank, -1.5}, 3)) {
        group.allReduce(t, ReduceOp.AVG);
        double mean = (world - 1) / 2.0;
        check(Arrays.equals(t.toDoubleArray(), new double[] {mean, 10 * mean, -1.5}),
            "allReduce AVG: " + Arrays.toString(t.toDoubleArray()));
      }
      // MAX, int32
      try (Tensor t = Tensor.ofInts(new int[] {rank, -rank, rank % 2, 7}, 4)) {
        group.allReduce(t, ReduceOp.MAX);
        check(Arrays.equals(t.toIntArray(), new int[] {world - 1, 0, world > 1 ? 1 : 0, 7}),
            "allReduce MAX: " + Arrays.toString(t.toIntArray()));
      }
      // broadcast from the last rank
      try (Tensor t = Tensor.of(new float[] {rank, rank * 2f}, 2)) {
        group.broadcast(t, world - 1);
        check(Arrays.equals(t.toFloatArray(), new float[] {world - 1, 2f * (world - 1)}),
            "broadcast: " + Arrays.toString(t.toFloatArray()));
      }
      // allGather, int64: block k holds rank k's tensor
      try (Tensor in = Tensor.ofLongs(new long[] {rank, 100L + rank, -rank}, 3);
          Tensor out = Tensor.zeros(DType.INT64, world, 3)) {
        group.allGather(in, out);
        long[] want = new long[3 * world];
        for (int r = 0; r < world; r++) {
          want[3 * r] = r;
          want[3 * r + 1] = 100L + r;
          want[3 * r + 2] = -r;
        }
        check(Arrays.equals(out.toLongArray(), want), "allGather: " + Arrays.toString(out.toLongArray()));
      }
      // reduceScatter SUM, float32: rank k receives the sum of every rank's block k
      int block = 5;
      float[] blocks = new float[block * world];
      for (int k = 0; k < world; k++) for (int i = 0; i < block; i++) blocks[k * block + i] = 100 * rank + 10 * k + i;
      try (Tensor in = Tensor.of(blocks, world * block); Tensor out = Tensor.zeros(DType.FLOAT32, block)) {
        group.reduceScatter(in, out, ReduceOp.SUM);
        float[] want = new float[block];
        for (int i = 0; i < block; i++) for (int r = 0; r < world; r++) want[i] += 100 * r + 10 * rank + i;
        check(Arrays.equals(out.toFloatArray(), want), "reduceScatter: " + Arrays.toString(out.toFloatArray())
            + " != " + Arrays.toString(want));
      }
      // several asynchronous all-reduces in flight, awaited out of order
      Tensor[] ts = new Tensor[3];
      Work[] works = new Work[3];
      for (int j = 0; j < 3; j++) {
        ts[j] = Tensor.of(new float[] {j + rank}, 1);
        works[j] = group.allReduceAsync(ts[j], ReduceOp.SUM);
      }
      for (int j = 2; j >= 0; j--) {
        works[j].await();
        float want = 0;
        for (int r = 0; r < world; r++) want += j + r;
        check(ts[j].toFloatArray()[0] == want, "async allReduce " + j + ": " + ts[j].toFloatArray()[0]);
        ts[j].close();
      }
      if (device == Device.cpu()) {
        // a dtype Gloo cannot carry is refused before anything is sent
        try (Tensor half = Tensor.zeros(DType.FLOAT16, 2)) {
          group.allReduce(half);
          check(false, "float16 allReduce was not refused");
        } catch (IllegalArgumentException expected) {
          check(expected.getMessage().contains("float16"), "refusal does not name the dtype: " + expected.getMessage());
        }
      } else {
        // NCCL reduces 16-bit floats; these values and their sums are exact in both types
        for (DType half : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
          try (Tensor f = Tensor.of(new float[] {rank, 0.5f * rank, -2}, 3); Tensor t = f.to(half)) {
            group.allReduce(t, ReduceOp.SUM);
            float sum = world * (world - 1) / 2f;
            try (Tensor back = t.to(DType.FLOAT32)) {
              check(Arrays.equals(back.toFloatArray(), new float[] {sum, 0.5f * sum, -2f * world}),
                  half + " allReduce: " + Arrays.toString(back.toFloatArray()));
            }
          }
        }
        // a CPU tensor still goes through Gloo in the same group, in call order
        try (Tensor cpu = Tensor.of(new float[] {rank}, 1).to(Device.cpu())) {
          group.allReduce(cpu, ReduceOp.SUM);
          check(cpu.toFloatArray()[0] == world * (world - 1) / 2f, "CPU allReduce beside NCCL: " + cpu.toFloatArray()[0]);
        }
        check(group.backend().equals("gloo+nccl"), "backend " + group.backend());
        try (Tensor ints = Tensor.ofInts(new int[] {1}, 1)) {
          group.allReduce(ints, ReduceOp.AVG);
          check(false, "int32 AVG was not refused");
        } catch (IllegalArgumentException expected) {
          check(expected.getMessage().contains("AVG"), "refusal does not name AVG: " + expected.getMessage());
        }
      }
      group.barrier();
      System.out.println("collectives ok on rank " + rank + " of " + world + " on " + device + " (" + group.backend() + ")");
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }
}
