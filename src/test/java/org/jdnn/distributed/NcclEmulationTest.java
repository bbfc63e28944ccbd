package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdnn.tensor.Communicator;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Process groups on GPU tensors through NCCL, here the emulated NCCL of cuda-emu (ranks as separate
 * JVMs, each on the emulated GPU of its LOCAL_RANK, bytes through shared memory): every collective against values computed from what each rank
 * sent, at 2 and 3 ranks, with Gloo's CPU collectives interleaved in the same group; a rank that dies
 * or stalls makes the others fail with a message naming it (the stall through the communicator's
 * watchdog, which aborts NCCL at the timeout); data-parallel W1 training through NCCL equal to one
 * process at the whole batch. The ranks still meet through Gloo (the group's CPU engine), so these
 * need libjdnn_gloo too.
 */
class NcclEmulationTest {
  @BeforeAll
  static void enginesPresent() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
  }

  @Test
  void collectivesOnCudaTensorsAgreeWithTheirDefinition() {
    for (int world : new int[] {2, 3}) {
      List<Ranks.Result> results = Ranks.run(world, 180, gpus(world), CollectivesWorker.class, "cuda-emu");
      Ranks.requireAllSucceeded(results);
      for (Ranks.Result r : results) {
        // each rank on the emulated GPU of its LOCAL_RANK: cuda-emu (GPU 0), cuda-emu:1, ...
        String gpu = r.rank() == 0 ? "cuda-emu" : "cuda-emu:" + r.rank();
        assertTrue(r.output().contains("collectives ok on rank " + r.rank() + " of " + world + " on " + gpu + " (gloo+nccl)"),
            r.toString());
      }
    }
  }

  @Test
  void aRankThatDiesIsNamedByTheOthers() {
    List<Ranks.Result> results = Ranks.run(3, 120, gpus(3), FailureWorker.class, "die", "20", "cuda-emu");
    for (int r = 0; r < 2; r++) {
      Ranks.Result survivor = results.get(r);
      assertEquals(0, survivor.status(), Ranks.all(results));
      Matcher m = Pattern.compile("FAILED after (\\d+) ms: (.*)").matcher(survivor.output());
      assertTrue(m.find(), survivor.toString());
      assertTrue(Long.parseLong(m.group(1)) < 20_000, "failed only after the timeout: " + survivor);
      assertTrue(m.group(2).contains("rank 2 has died"), "the message does not name the dead rank: " + m.group(2));
      assertTrue(m.group(2).contains("nccl all_reduce"), "the message does not name the NCCL call: " + m.group(2));
    }
  }

  @Test
  void aStalledRankIsNamedWhenTheWatchdogAbortsAtTheTimeout() {
    List<Ranks.Result> results = Ranks.run(2, 120, gpus(2), FailureWorker.class, "late", "4", "cuda-emu");
    Ranks.Result waiting = results.get(0);
    assertEquals(0, waiting.status(), Ranks.all(results));
    Matcher m = Pattern.compile("FAILED after (\\d+) ms: (.*)").matcher(waiting.output());
    assertTrue(m.find(), waiting.toString());
    long ms = Long.parseLong(m.group(1));
    assertTrue(ms >= 3_500 && ms < 15_000, "failed after " + ms + " ms with a 4 s timeout: " + waiting);
    assertTrue(m.group(2).contains("did not complete within 4000 ms"), m.group(2));
    assertTrue(m.group(2).contains("rank 1 had not reached it"), "the message does not name the late rank: " + m.group(2));
  }

  @Test
  void w1TrainedThroughNcclOnTwoRanksEqualsOneProcess() {
    // 20 steps: the emulated device runs every kernel on one host thread. Tolerance as in
    // DistributedDataParallelTest (float32 summation order only).
    List<Ranks.Result> results = Ranks.run(2, 420, gpus(2), DdpWorker.class, "w1", "64", "20", "cuda-emu");
    Ranks.requireAllSucceeded(results);
    Matcher w0 = Pattern.compile("WEIGHTS (\\S+)").matcher(results.get(0).output());
    Matcher w1 = Pattern.compile("WEIGHTS (\\S+)").matcher(results.get(1).output());
    assertTrue(w0.find() && w1.find(), Ranks.all(results));
    assertEquals(w0.group(1), w1.group(1), "rank 1's replica differs from rank 0's\n" + Ranks.all(results));
    Matcher m = Pattern.compile("MAXDIFF (\\S+)").matcher(results.get(0).output());
    assertTrue(m.find(), Ranks.all(results));
    double diff = Double.parseDouble(m.group(1));
    assertTrue(diff <= 1e-5, "replica differs from single-process training by " + diff + "\n" + Ranks.all(results));
  }

  @Test
  void theTrainerFitsOnGpuRanksWithTheSameLogsAndWeightsEverywhere() {
    List<Ranks.Result> results = Ranks.run(2, 240, gpus(2), TrainerWorker.class, "fit", "2", "cuda-emu");
    Ranks.requireAllSucceeded(results);
    List<String> logs0 = lines(results.get(0), "LOGS");
    assertEquals(2, logs0.size(), results.get(0).toString());
    assertEquals(logs0, lines(results.get(1), "LOGS"), Ranks.all(results));
    assertEquals(lines(results.get(0), "WEIGHTS"), lines(results.get(1), "WEIGHTS"), Ranks.all(results));
  }

  private static List<String> lines(Ranks.Result r, String prefix) {
    return r.output().lines().filter(l -> l.startsWith(prefix)).toList();
  }

  // One emulated GPU per rank: each rank binds the GPU of its LOCAL_RANK, as on a multi-GPU machine.
  private static Map<String, String> gpus(int world) {
    return Map.of("JDNN_EMU_MODES", "devices=" + world);
  }

  @Test
  void aCommunicatorOfOneRankAndItsRefusals() {
    Device emu = Device.cudaEmulated();
    byte[] id = Communicator.deviceGroupId(emu);
    assertEquals(128, id.length, "NCCL's unique id has 128 bytes");
    try (TensorScope scope = new TensorScope();
        Communicator c = Communicator.openDevice(emu, 0, 1, id, Duration.ofSeconds(30))) {
      Tensor t = Tensor.of(new float[] {1.5f, -2f, 3f}, 3).to(emu);
      Tensor cpu = Tensor.of(new float[] {1f}, 1);
      assertEquals("nccl", c.engine());
      assertEquals(emu, c.device());
      c.allReduce(t, Communicator.Op.AVG, null);
      assertArrayEquals(new float[] {1.5f, -2f, 3f}, t.toFloatArray());
      assertTrue(Communicator.deviceEngine(emu).startsWith("NCCL emulated"), Communicator.deviceEngine(emu));
      IllegalArgumentException wrongDevice = assertThrows(IllegalArgumentException.class,
          () -> c.allReduce(cpu, Communicator.Op.SUM, null));
      assertTrue(wrongDevice.getMessage().contains("carries cuda-emu tensors"), wrongDevice.getMessage());
    }
    IllegalArgumentException onCpu = assertThrows(IllegalArgumentException.class, () -> Communicator.deviceGroupId(Device.cpu()));
    assertTrue(onCpu.getMessage().contains("Gloo"), onCpu.getMessage());
    IllegalArgumentException badRank = assertThrows(IllegalArgumentException.class,
        () -> Communicator.openDevice(emu, 2, 2, id, Duration.ofSeconds(1)));
    assertTrue(badRank.getMessage().contains("rank 2 is outside [0, 2)"), badRank.getMessage());
    // An id that NCCL did not make is refused by NCCL itself, not hung on.
    Exception forged = assertThrows(RuntimeException.class,
        () -> Communicator.openDevice(emu, 0, 1, new byte[128], Duration.ofSeconds(1)));
    assertTrue(forged.getMessage().contains("unique id"), forged.getMessage());
  }
}
