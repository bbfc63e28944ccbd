package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DistributedDataParallel's gradient rules beyond one backward per step, two ranks as threads of this
 * JVM: two backward passes before a step add up (a head the second pass reached on one rank only
 * keeps the first pass's average plus the average of the second's); a head only rank 0 used gets
 * the average of rank 0's gradient and nothing, on both ranks; a head no rank used keeps no gradient. Expected values are computed here in float64:
 * for a head h(x) = x w + b summed over rows, d/dw is the column sums of x and d/db the row count.
 */
class DdpSemanticsTest {
  @BeforeAll
  static void glooPresent() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
  }

  /** Two heads on one input; forward is head a, head b is called directly. */
  static final class TwoHeads extends Layer {
    final Linear a = registerModule("a", new Linear(2, 1));
    final Linear b = registerModule("b", new Linear(2, 1));

    @Override
    public Tensor forward(Tensor x) {
      return a.forward(x);
    }
  }

  // rank r's rows: {r + 1, 2}, {1, r}: column sums {r + 2, r + 2}
  private static Tensor input(int rank) {
    return Tensor.of(new float[] {rank + 1, 2, 1, rank}, 2, 2);
  }

  @Test
  void severalPassesAddUpAndUnusedHeadsFollowTheRanksThatUsedThem() throws Exception {
    int port = Ranks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<float[][]>> results = new ArrayList<>();
      for (int rank = 0; rank < 2; rank++) {
        int r = rank;
        results.add(pool.submit(() -> runRank(r, port)));
      }
      for (Future<float[][]> f : results) {
        float[][] got = f.get();
        // pass 1 (both ranks: head a), pass 2 (rank 0: head b): a = avg of {2, 2} and {3, 3}; b = avg of {2, 2} and 0
        assertArrayEquals(new float[] {2.5f, 2.5f, 2f}, got[0], "head a after two passes");
        assertArrayEquals(new float[] {1f, 1f, 1f}, got[1], "head b, used on rank 0 only");
        assertArrayEquals(new float[] {2.5f, 2.5f, 2f}, got[2], "head a after a pass that did not reach it");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static float[][] runRank(int rank, int port) {
    try (ProcessGroup group = ProcessGroup.builder().rank(rank).worldSize(2).master("127.0.0.1", port)
            .timeout(Duration.ofSeconds(30)).connect();
        TensorScope scope = new TensorScope();
        TwoHeads model = new TwoHeads();
        DistributedDataParallel ddp = new DistributedDataParallel(model, group)) {
      float[][] out = new float[3][];
      ddp.forward(input(rank)).sum().backward();  // pass 1: head a on both ranks
      // Pass 2, which every rank must run as it reaches the model's parameters (their all-reduces are
      // collective): head b on rank 0 only; rank 1 reaches head a with a zero gradient.
      if (rank == 0) model.b.forward(input(rank)).sum().backward();
      else model.a.forward(input(rank)).mul(0.0).sum().backward();
      out[0] = grads(model.a);
      out[1] = grads(model.b);
      // A fresh step whose pass reaches head b on no rank: b keeps no gradient, as without DDP.
      for (Tensor p : model.parameters()) p.clearGrad();
      ddp.forward(input(rank)).sum().backward();
      assertNull(model.b.parameters().get(0).grad(), "head b, used by no rank, must keep no gradient");
      out[2] = grads(model.a);
      return out;
    }
  }

  @Test
  void aBackwardThatThrowsMidwayLeavesTheNextStepCorrect() throws Exception {
    int port = Ranks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int rank = 0; rank < 2; rank++) {
        int r = rank;
        results.add(pool.submit(() -> failThenStep(r, port)));
      }
      for (Future<float[]> f : results) assertArrayEquals(new float[] {2.5f, 2.5f, 2f}, f.get());
    } finally {
      pool.shutdownNow();
    }
  }

  // y = b(planted(x)): backward computes head b's gradients (each its own bucket, first in bucket
  // order, so both all-reduces start) and then reaches the planted op, which throws.
  private static float[] failThenStep(int rank, int port) {
    try (ProcessGroup group = ProcessGroup.builder().rank(rank).worldSize(2).master("127.0.0.1", port)
            .timeout(Duration.ofSeconds(30)).connect();
        TensorScope scope = new TensorScope();
        TwoHeads model = new TwoHeads();
        DistributedDataParallel ddp = new DistributedDataParallel(model, group, 4)) {
      Tensor x = input(rank).requiresGrad(true);
      Tensor planted = org.jdnn.tensor.Autograd.record("planted", x.detach(), g -> {
        throw new IllegalStateException("planted");
      }, x);
      try {
        model.b.forward(planted).sum().backward();
        throw new AssertionError("the planted backward did not throw");
      } catch (IllegalStateException expected) {
        // the pass ended midway, two all-reduces started
      }
      for (Tensor p : model.parameters()) p.clearGrad();
      ddp.forward(input(rank)).sum().backward();  // a whole pass: head a only
      assertNull(model.b.parameters().get(0).grad(), "head b, reached by no rank in this pass, keeps no gradient");
      return grads(model.a);
    }
  }

  private static float[] grads(Linear head) {
    float[] w = head.parameters().get(0).grad().toFloatArray();
    float[] b = head.parameters().get(1).grad().toFloatArray();
    return new float[] {w[0], w[1], b[0]};
  }
}
