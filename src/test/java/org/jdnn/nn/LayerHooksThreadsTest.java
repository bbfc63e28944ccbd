package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * An eval-mode model serving calls from several threads while hooks are added and removed: no
 * call fails, every output is the bit-exact output without hooks, and the hooks did run.
 */
class LayerHooksThreadsTest {
  @Test
  void callsFromSeveralThreadsWhileHooksComeAndGo() throws Exception {
    Generator.manualSeed(41);
    try (Sequential net = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 4))) {
      net.eval();
      float[] x = new float[3 * 8];
      for (int i = 0; i < x.length; i++) x[i] = (i % 7) * 0.25f - 0.7f;
      float[] expected;
      try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
        expected = net.call(Tensor.of(x, 3, 8)).toFloatArray();
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger hookRuns = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          workers.add(pool.submit(() -> {
            int calls = 0;
            while (!stop.get() || calls < 50) {
              try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
                assertArrayEquals(expected, net.call(Tensor.of(x, 3, 8)).toFloatArray());
              }
              calls++;
            }
            return calls;
          }));
        }
        for (int i = 0; i < 300; i++) {
          try (HookHandle h = net.get(1).registerForwardHook((l, in, out) -> {
            hookRuns.incrementAndGet();
            return null;
          })) {
            if (i % 50 == 0) {  // now and then, keep the hook until a worker's call has run it
              int seen = hookRuns.get();
              long deadline = System.nanoTime() + 10_000_000_000L;
              while (hookRuns.get() == seen && System.nanoTime() < deadline) Thread.onSpinWait();
              assertTrue(hookRuns.get() > seen, "a registered hook runs in the other threads' calls");
            }
          }
        }
        stop.set(true);
        for (Future<Integer> w : workers) assertTrue(w.get() >= 50);
      } finally {
        pool.shutdownNow();
      }
      assertFalse(net.get(1).hasHooks());
    }
  }
}
