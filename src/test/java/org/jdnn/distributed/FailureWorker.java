package org.jdnn.distributed;

import java.time.Duration;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * One rank of ProcessGroupTest's failure checks, with a short timeout. Mode "die": the last rank
 * halts (no goodbye, as a killed process) after three all-reduces; mode "late": the last rank stays
 * alive but starts its fourth all-reduce only after the others' timeout. The other ranks print the
 * failure's message after "FAILED: " and exit 0; a collective that succeeds where it should not
 * exits 1. Args: mode, timeout in seconds, and optionally the device of the tensor (cpu or cuda-emu).
 */
public final class FailureWorker {
  private FailureWorker() {}

  public static void main(String[] args) throws InterruptedException {
    String mode = args[0];
    Duration timeout = Duration.ofSeconds(Long.parseLong(args[1]));
    if (args.length > 2) Device.setDefault(Device.byName(args[2]));  // cuda-emu: the all-reduces go through NCCL
    ProcessGroup group = ProcessGroup.builder().environment(System.getenv()).timeout(timeout).connect();
    int victim = group.worldSize() - 1;
    try (Tensor t = Tensor.of(new float[] {1, 2, 3}, 3)) {
      for (int step = 0; step < 3; step++) group.allReduce(t);
      if (group.rank() == victim) {
        if (mode.equals("die")) Runtime.getRuntime().halt(9);
        Thread.sleep(timeout.toMillis() + 3000);
      }
      long begin = System.nanoTime();
      try {
        group.allReduce(t);
        System.out.println("UNEXPECTED: the fourth allReduce succeeded on rank " + group.rank());
        System.exit(group.rank() == victim ? 0 : 1);
      } catch (DistributedException e) {
        System.out.println("FAILED after " + (System.nanoTime() - begin) / 1_000_000 + " ms: " + e.getMessage());
      }
    }
    if (group.rank() != victim) group.close();
    System.exit(0);
  }
}
