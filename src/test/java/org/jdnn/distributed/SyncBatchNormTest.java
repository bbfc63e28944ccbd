package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdnn.nn.ActivityL1;
import org.jdnn.nn.Add;
import org.jdnn.nn.BatchNorm;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.Identity;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SyncBatchNorm against float64 references. The key check: ranks (threads of this JVM, each with a
 * real Gloo group over loopback) holding uneven slices of one batch get, for their slice, the
 * output and input gradient that a float64 BatchNorm computes on the whole batch in one process,
 * the same running statistics, and weight/bias gradients that sum over the ranks to the whole
 * batch's (DistributedDataParallel then averages them). The loss is sum(y * r) with random r, so
 * dy differs per element and the cross-rank terms of the input gradient are large: a backward that
 * left them out (computed here in float64) misses the reference by far more than the tolerance.
 */
class SyncBatchNormTest {
  private static final int C = 3;
  private static final double TOL = 1e-5;  // normwise relative, float32 against float64
  private static final double TOL64 = 1e-12;

  @BeforeAll
  static void glooPresent() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
  }

  /** One comparison: 2-D or 1-D BatchNorm, the per-sample dims after C, each rank's sample count. */
  record Case(String name, boolean twoD, long[] sample, int[] split, boolean float64, boolean inputGrad) {
    int n() {
      return Arrays.stream(split).sum();
    }

    int perSample() {
      long p = C;
      for (long d : sample) p *= d;
      return (int) p;
    }

    long[] shape(int rows) {
      long[] s = new long[2 + sample.length];
      s[0] = rows;
      s[1] = C;
      System.arraycopy(sample, 0, s, 2, sample.length);
      return s;
    }

    int start(int rank) {
      int s = 0;
      for (int i = 0; i < rank; i++) s += split[i];
      return s;
    }
  }

  /** The batch, loss weights and affine parameters of a case, as float32 values (exact in float64). */
  record Data(float[] x, float[] r, float[] gamma, float[] beta) {
    static Data of(Case k, long seed) {
      Random rnd = new Random(seed);
      int spatial = k.perSample() / C;
      float[] x = new float[k.n() * k.perSample()];
      for (int i = 0; i < x.length; i++) {
        int c = (i / spatial) % C;
        x[i] = (float) (1.5 * c - 1 + (0.5 + c) * rnd.nextGaussian());  // channel means -1, 0.5, 2; stds 0.5, 1.5, 2.5
      }
      float[] r = new float[x.length];
      for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
      float[] gamma = new float[C];
      float[] beta = new float[C];
      for (int c = 0; c < C; c++) {
        gamma[c] = (float) (1 + 0.3 * rnd.nextGaussian());
        beta[c] = (float) (0.5 * rnd.nextGaussian());
      }
      return new Data(x, r, gamma, beta);
    }
  }

  /** What one rank (or the reference) computed: y, dx, dgamma, dbeta, running stats after 1 and 2 steps, count. */
  record Outcome(double[] y, double[] dx, double[] dgamma, double[] dbeta, double[] mean1, double[] var1, double[] mean2,
      double[] var2, long tracked) {}

  interface RankTask<T> {
    T run(ProcessGroup group) throws Exception;
  }

  /** Runs {@code task} on {@code world} ranks, threads of this JVM, each with its own group over loopback. */
  static <T> List<T> onRanks(int world, RankTask<T> task) throws Exception {
    int port = Ranks.freePort();
    ExecutorService pool = Executors.newFixedThreadPool(world);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int rank = 0; rank < world; rank++) {
        int r = rank;
        futures.add(pool.submit(() -> {
          try (ProcessGroup group = ProcessGroup.builder().rank(r).worldSize(world).master("127.0.0.1", port)
              .timeout(Duration.ofSeconds(30)).connect()) {
            return task.run(group);
          }
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) out.add(f.get(120, TimeUnit.SECONDS));
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static BatchNorm batchNorm(Case k, Data d) {
    BatchNorm bn = k.twoD ? new BatchNorm2d(C) : new BatchNorm1d(C);
    if (k.float64) bn.to(DType.FLOAT64);
    write(bn.namedParameters().get("weight"), d.gamma);
    write(bn.namedParameters().get("bias"), d.beta);
    return bn;
  }

  private static void write(Tensor t, float[] v) {
    if (t.dtype() == DType.FLOAT64) t.write(toDouble(v));
    else t.write(v);
  }

  private static Tensor tensor(float[] v, boolean float64, long... shape) {
    return float64 ? Tensor.of(toDouble(v), shape) : Tensor.of(v, shape);
  }

  /** Forward and backward of sum(layer(x) * r) on rows [start, start + rows), then a second forward without gradients. */
  private static Outcome step(Layer layer, Case k, Data d, int start, int rows, boolean float64) {
    try (TensorScope scope = new TensorScope()) {
      int from = start * k.perSample();
      int to = (start + rows) * k.perSample();
      Tensor x = tensor(Arrays.copyOfRange(d.x, from, to), float64, k.shape(rows)).requiresGrad(k.inputGrad);
      Tensor y = layer.forward(x);
      y.mul(tensor(Arrays.copyOfRange(d.r, from, to), float64, k.shape(rows))).sum().backward();
      Map<String, Tensor> p = layer.namedParameters();
      Map<String, Tensor> b = layer.namedBuffers();
      double[] mean1 = values(b.get("running_mean"));
      double[] var1 = values(b.get("running_var"));
      try (GradMode.Guard off = GradMode.disable()) {
        layer.forward(x);
      }
      return new Outcome(values(y), k.inputGrad ? values(x.grad()) : null, values(p.get("weight").grad()),
          values(p.get("bias").grad()), mean1, var1, values(b.get("running_mean")), values(b.get("running_var")),
          b.get("num_batches_tracked").toLongArray()[0]);
    }
  }

  private static double[] values(Tensor t) {
    return t.dtype() == DType.FLOAT64 ? t.toDoubleArray() : toDouble(t.toFloatArray());
  }

  private static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) d[i] = v[i];
    return d;
  }

  /** max |got - want| / max |want|. */
  static double relDiff(double[] got, double[] want) {
    assertEquals(want.length, got.length, "length");
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < want.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    return diff / Math.max(scale, Double.MIN_NORMAL);
  }

  private static double maxAbs(double[] v) {
    double m = 0;
    for (double x : v) m = Math.max(m, Math.abs(x));
    return m;
  }

  private static double[] concat(List<double[]> parts) {
    int n = 0;
    for (double[] p : parts) n += p.length;
    double[] out = new double[n];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static double[] sum(List<double[]> parts) {
    double[] out = new double[parts.get(0).length];
    for (double[] p : parts) for (int i = 0; i < out.length; i++) out[i] += p[i];
    return out;
  }

  /** The whole batch through a float64 BatchNorm in this process: the reference. */
  private static Outcome reference(Case k, Data d) {
    Case whole = new Case(k.name, k.twoD, k.sample, new int[] {k.n()}, true, true);
    try (BatchNorm bn = batchNorm(whole, d)) {
      return step(bn, whole, d, 0, k.n(), true);
    }
  }

  private static List<Case> cases(int world) {
    if (world == 2) {
      return List.of(
          new Case("BatchNorm1d (N, C), ranks 3 + 5", false, new long[0], new int[] {3, 5}, false, true),
          new Case("BatchNorm1d (N, C, L), ranks 2 + 3", false, new long[] {5}, new int[] {2, 3}, false, true),
          new Case("BatchNorm2d (N, C, H, W), ranks 1 + 4", true, new long[] {3, 2}, new int[] {1, 4}, false, true),
          new Case("BatchNorm2d float64, ranks 2 + 3", true, new long[] {2, 2}, new int[] {2, 3}, true, true),
          new Case("BatchNorm1d (N, C), input without gradient, ranks 4 + 2", false, new long[0], new int[] {4, 2}, false, false));
    }
    return List.of(
        new Case("BatchNorm2d (N, C, H, W), ranks 2 + 1 + 3", true, new long[] {2, 3}, new int[] {2, 1, 3}, false, true),
        new Case("BatchNorm1d (N, C), ranks 4 + 0 + 3 (an empty rank)", false, new long[0], new int[] {4, 0, 3}, false, true));
  }

  @Test
  void twoRanksMatchBatchNormOnTheWholeBatch() throws Exception {
    compareWithWholeBatch(2);
  }

  @Test
  void threeRanksMatchBatchNormOnTheWholeBatch() throws Exception {
    compareWithWholeBatch(3);
  }

  private static void compareWithWholeBatch(int world) throws Exception {
    List<Case> cases = cases(world);
    List<List<Outcome>> perRank = onRanks(world, group -> {
      List<Outcome> out = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        Case k = cases.get(i);
        Data d = Data.of(k, 100 + i);
        // converted from the BatchNorm one would use (which keeps its tensors), or built directly
        try (Layer layer = i % 2 == 0 ? SyncBatchNorm.convert(batchNorm(k, d), group) : direct(k, d, group)) {
          out.add(step(layer, k, d, k.start(group.rank()), k.split[group.rank()], k.float64));
        }
      }
      return out;
    });
    for (int i = 0; i < cases.size(); i++) {
      Case k = cases.get(i);
      Data d = Data.of(k, 100 + i);
      Outcome ref = reference(k, d);
      List<Outcome> ranks = new ArrayList<>();
      for (List<Outcome> r : perRank) ranks.add(r.get(i));
      double tol = k.float64 ? TOL64 : TOL;
      List<double[]> ys = new ArrayList<>();
      List<double[]> dxs = new ArrayList<>();
      List<double[]> dgs = new ArrayList<>();
      List<double[]> dbs = new ArrayList<>();
      for (Outcome o : ranks) {
        ys.add(o.y);
        dxs.add(o.dx);
        dgs.add(o.dgamma);
        dbs.add(o.dbeta);
      }
      double dy = relDiff(concat(ys), ref.y);
      double ddx = k.inputGrad ? relDiff(concat(dxs), ref.dx) : 0;
      double dg = relDiff(sum(dgs), ref.dgamma);
      double db = relDiff(sum(dbs), ref.dbeta);
      double stats = 0;
      for (Outcome o : ranks) {
        stats = Math.max(stats, Math.max(relDiff(o.mean1, ref.mean1), relDiff(o.var1, ref.var1)));
        stats = Math.max(stats, Math.max(relDiff(o.mean2, ref.mean2), relDiff(o.var2, ref.var2)));
        assertEquals(2, o.tracked, k.name + ": num_batches_tracked after two training forwards");
      }
      System.out.printf("%d ranks, %s: max relative differences y %.2e, dx %.2e, dweight %.2e, dbias %.2e, running stats %.2e%n",
          world, k.name, dy, ddx, dg, db, stats);
      assertTrue(dy <= tol, k.name + ": output differs from the whole batch's by " + dy);
      assertTrue(ddx <= tol, k.name + ": input gradient differs from the whole batch's by " + ddx);
      assertTrue(dg <= tol, k.name + ": weight gradient summed over ranks differs by " + dg);
      assertTrue(db <= tol, k.name + ": bias gradient summed over ranks differs by " + db);
      assertTrue(stats <= tol, k.name + ": running statistics differ by " + stats);
      if (k.inputGrad) {
        double[][] hand = handBackward(k, d, world);
        assertTrue(relDiff(hand[0], ref.dx) <= 1e-10, k.name + ": the hand-written float64 backward is not the reference's");
        double planted = relDiff(hand[1], ref.dx);
        System.out.printf("   a backward without the other ranks' sums would differ by %.2e%n", planted);
        assertTrue(planted > 1000 * TOL, k.name + ": the test cannot tell a backward without the cross-rank terms ("
            + planted + ")");
      }
    }
  }

  private static Layer direct(Case k, Data d, ProcessGroup group) {
    SyncBatchNorm s = new SyncBatchNorm(C, group);
    if (k.float64) s.to(DType.FLOAT64);
    write(s.namedParameters().get("weight"), d.gamma);
    write(s.namedParameters().get("bias"), d.beta);
    return s;
  }

  /**
   * The input gradient of sum(y * r) in float64 from the statistics of the whole batch:
   * gamma invstd (dy - SDY / n - (x - mean) invstd^2 SDYX / n), [0] with SDY, SDYX summed over the
   * whole batch, [1] with each rank's sums over its own slice only (the planted defect).
   */
  private static double[][] handBackward(Case k, Data d, int world) {
    int spatial = k.perSample() / C;
    int n = k.n() * spatial;
    double eps = 1e-5;
    double[] mean = new double[C];
    double[] var = new double[C];
    for (int i = 0; i < d.x.length; i++) mean[(i / spatial) % C] += d.x[i];
    for (int c = 0; c < C; c++) mean[c] /= n;
    for (int i = 0; i < d.x.length; i++) var[(i / spatial) % C] += Math.pow(d.x[i] - mean[(i / spatial) % C], 2);
    double[] invstd = new double[C];
    for (int c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(var[c] / n + eps);
    double[] whole = new double[d.x.length];
    double[] local = new double[d.x.length];
    for (int rank = -1; rank < world; rank++) {  // -1: the whole batch's sums
      int from = (rank < 0 ? 0 : k.start(rank)) * k.perSample();
      int to = (rank < 0 ? k.n() : k.start(rank) + k.split[rank]) * k.perSample();
      double[] sdy = new double[C];
      double[] sdyx = new double[C];
      for (int i = from; i < to; i++) {
        int c = (i / spatial) % C;
        sdy[c] += d.r[i];
        sdyx[c] += d.r[i] * (d.x[i] - mean[c]);
      }
      double[] into = rank < 0 ? whole : local;
      for (int i = from; i < to; i++) {
        int c = (i / spatial) % C;
        into[i] = d.gamma[c] * invstd[c] * (d.r[i] - sdy[c] / n - (d.x[i] - mean[c]) * invstd[c] * invstd[c] * sdyx[c] / n);
      }
    }
    return new double[][] {whole, local};
  }

  /**
   * Inside DistributedDataParallel, one parameter per bucket so that bucket all-reduces start
   * between the layer's own collectives: every gradient is the whole batch's (loss summed over the
   * ranks) divided by the world size, as DDP's average of the ranks' gradients should be.
   */
  @Test
  void underDistributedDataParallelGradientsAreTheWholeBatchs() throws Exception {
    int[] split = {3, 6};
    int n = 9;
    Random rnd = new Random(11);
    float[] x = new float[n * 4];
    float[] r = new float[n * 2];
    for (int i = 0; i < x.length; i++) x[i] = (float) (1 + 2 * rnd.nextGaussian());
    for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
    List<Map<String, double[]>> got = onRanks(2, group -> {
      int start = group.rank() == 0 ? 0 : split[0];
      int rows = split[group.rank()];
      try (Layer model = SyncBatchNorm.convert(mlp(), group);
          DistributedDataParallel ddp = new DistributedDataParallel(model, group, 4);
          TensorScope scope = new TensorScope()) {
        Tensor in = Tensor.of(Arrays.copyOfRange(x, start * 4, (start + rows) * 4), rows, 4);
        ddp.forward(in).mul(Tensor.of(Arrays.copyOfRange(r, start * 2, (start + rows) * 2), rows, 2)).sum().backward();
        Map<String, double[]> grads = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) grads.put(e.getKey(), values(e.getValue().grad()));
        return grads;
      }
    });
    try (Layer model = mlp().to(DType.FLOAT64); TensorScope scope = new TensorScope()) {
      model.forward(Tensor.of(toDouble(x), n, 4)).mul(Tensor.of(toDouble(r), n, 2)).sum().backward();
      // relative to the largest gradient: the first layer's bias has none (batch norm removes a shift)
      double scale = 0;
      for (Tensor p : model.parameters()) for (double v : p.grad().toDoubleArray()) scale = Math.max(scale, Math.abs(v) / 2);
      for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
        double[] want = e.getValue().grad().mul(0.5).toDoubleArray();
        for (Map<String, double[]> rank : got) {
          double diff = relDiff(rank.get(e.getKey()), want) * maxAbs(want) / scale;
          System.out.printf("under DDP, %s: max difference %.2e of the largest gradient%n", e.getKey(), diff);
          assertTrue(diff <= TOL, e.getKey() + " differs from the whole batch's gradient / 2 by " + diff);
        }
      }
    }
  }

  // Linear(4, 3), BatchNorm1d(3), ReLU, Linear(3, 2), with fixed weights
  private static Sequential mlp() {
    Sequential m = new Sequential(new Linear(4, 3), new BatchNorm1d(3), new ReLU(), new Linear(3, 2));
    Random rnd = new Random(12);
    for (Tensor t : m.namedParameters().values()) {
      float[] v = new float[(int) t.numel()];
      for (int i = 0; i < v.length; i++) v[i] = (float) (0.2 + rnd.nextGaussian());
      t.write(v);
    }
    return m;
  }

  @Test
  void worldSizeOneIsBatchNormBitForBit() throws Exception {
    onRanks(1, group -> {
      for (Case k : List.of(new Case("1d", false, new long[] {4}, new int[] {5}, false, true),
          new Case("2d", true, new long[] {3, 3}, new int[] {4}, false, true))) {
        Data d = Data.of(k, 7);
        Outcome plain;
        Outcome sync;
        try (BatchNorm bn = batchNorm(k, d)) {
          plain = step(bn, k, d, 0, k.n(), false);
        }
        try (Layer s = SyncBatchNorm.convert(batchNorm(k, d), group)) {
          sync = step(s, k, d, 0, k.n(), false);
        }
        assertArrayEquals(plain.y, sync.y, k.name + " y");
        assertArrayEquals(plain.dx, sync.dx, k.name + " dx");
        assertArrayEquals(plain.dgamma, sync.dgamma, k.name + " dweight");
        assertArrayEquals(plain.dbeta, sync.dbeta, k.name + " dbias");
        assertArrayEquals(plain.mean2, sync.mean2, k.name + " running mean");
        assertArrayEquals(plain.var2, sync.var2, k.name + " running var");
        assertEquals(plain.tracked, sync.tracked, k.name + " num_batches_tracked");
      }
      return null;
    });
  }

  @Test
  void evalUsesTheRunningStatisticsAndCommunicatesNothing() throws Exception {
    float[] mean = {0.5f, -1f, 2f};
    float[] var = {1.5f, 0.25f, 4f};
    float[] x = new float[2 * C * 4];
    Random rnd = new Random(3);
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    List<float[]> got = onRanks(2, group -> {
      float[] y = null;
      try (SyncBatchNorm s = new SyncBatchNorm(C, group); TensorScope scope = new TensorScope()) {
        s.runningMean().write(mean);
        s.runningVar().write(var);
        s.eval();
        if (group.rank() == 0) {  // rank 1 calls nothing: a collective here would wait for it in vain
          long before = group.collectiveNanos();
          y = s.forward(Tensor.of(x, 2, C, 2, 2)).toFloatArray();
          assertEquals(before, group.collectiveNanos(), "an eval forward ran a collective");
          assertEquals(0, s.namedBuffers().get("num_batches_tracked").toLongArray()[0]);
        }
      }
      group.barrier();
      return y;
    });
    try (BatchNorm2d bn = new BatchNorm2d(C); TensorScope scope = new TensorScope()) {
      bn.runningMean().write(mean);
      bn.runningVar().write(var);
      bn.eval();
      assertArrayEquals(bn.forward(Tensor.of(x, 2, C, 2, 2)).toFloatArray(), got.get(0));
    }
    assertNull(got.get(1));
  }

  @Test
  void convertReplacesNestedBatchNormsKeepingTensorsSettingsAndNames() throws Exception {
    onRanks(1, group -> {
      BatchNorm1d custom = new BatchNorm1d(6, 1e-3, 0.2, false);
      BatchNorm1d frozen = new BatchNorm1d(6);
      frozen.namedParameters().get("weight").requiresGrad(false);
      try (Sequential model = new Sequential(new Linear(4, 6), new BatchNorm1d(6), new ReLU(),
          new Residual(new Sequential(custom, new ReLU())), new Add(frozen, new Identity()),
          new ActivityL1(new BatchNorm1d(6), 0.0), new Concat(1, new BatchNorm1d(6)));
          TensorScope scope = new TensorScope()) {
        Random rnd = new Random(5);
        for (Tensor t : model.namedParameters().values()) {
          float[] v = new float[(int) t.numel()];
          for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
          t.write(v);
        }
        model.eval();
        Map<String, Tensor> params = model.namedParameters();
        Map<String, Tensor> buffers = model.namedBuffers();
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, -1, 0.5f, 2, -3, 0, 1, 1, 1}, 3, 4);
        float[] before = model.forward(x).toFloatArray();
        assertSame(model, SyncBatchNorm.convert(model, group));
        assertEquals(0, count(model, BatchNorm.class), "a BatchNorm was left");
        assertEquals(5, count(model, SyncBatchNorm.class));
        assertInstanceOf(SyncBatchNorm.class, model.get(1));
        assertEquals(params, model.namedParameters(), "the same parameter objects under the same names");
        assertEquals(buffers, model.namedBuffers(), "the same buffer objects under the same names");
        SyncBatchNorm s = (SyncBatchNorm) ((Sequential) model.get(3).children().get("inner")).get(0);
        assertEquals(1e-3, s.eps());
        assertEquals(0.2, s.momentum());
        assertFalse(s.isAffine());
        assertSame(group, s.group());
        assertFalse(s.isTraining(), "the mode carries over");
        assertFalse(model.get(4).children().get("0").namedParameters().get("weight").requiresGrad(), "frozen stays frozen");
        assertArrayEquals(before, model.forward(x).toFloatArray(), "a world of one computes what BatchNorm did");
        // a single BatchNorm becomes a SyncBatchNorm holding its tensors
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
          Layer converted = SyncBatchNorm.convert(bn, group);
          assertInstanceOf(SyncBatchNorm.class, converted);
          assertSame(bn.runningVar(), ((SyncBatchNorm) converted).runningVar());
        }
      }
      return null;
    });
  }

  private static int count(Layer layer, Class<?> type) {
    int n = type.isInstance(layer) ? 1 : 0;
    for (Layer child : layer.children().values()) n += count(child, type);
    return n;
  }

  /** A layer of one's own that keeps its child in a field and does not override replaceChild. */
  static final class Block extends Layer {
    final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(4));

    @Override
    public Tensor forward(Tensor x) {
      return bn.forward(x);
    }
  }

  @Test
  void convertRefusesWhatItCannotReplaceAndLeavesTheModelUnchanged() throws Exception {
    onRanks(1, group -> {
      BatchNorm1d first = new BatchNorm1d(4);
      try (Sequential model = new Sequential(first, new Block())) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyncBatchNorm.convert(model, group));
        assertTrue(e.getMessage().contains("'1.bn' (BatchNorm1d(4))") && e.getMessage().contains(Block.class.getName())
            && e.getMessage().contains("override replaceChild"), e.getMessage());
        assertSame(first, model.get(0), "the model must be left as it was");
        try (DistributedDataParallel ddp = new DistributedDataParallel(new Sequential(new BatchNorm1d(2)), group)) {
          IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> SyncBatchNorm.convert(ddp, group));
          assertTrue(d.getMessage().contains("convert the model before wrapping it"), d.getMessage());
        }
      }
      return null;
    });
  }

  @Test
  void errorsNameTheLayerWhatItExpectedWhatItGotAndTheFix() throws Exception {
    onRanks(1, group -> {
      try (Layer s2 = SyncBatchNorm.convert(new BatchNorm2d(3), group); SyncBatchNorm s = new SyncBatchNorm(3, group);
          TensorScope scope = new TensorScope()) {
        String rank = assertThrows(IllegalArgumentException.class, () -> s2.forward(Tensor.zeros(2, 3))).getMessage();
        assertEquals("SyncBatchNorm(3): expected input of shape [N, 3, H, W], got float32[2, 3] on cpu", rank);
        String any = assertThrows(IllegalArgumentException.class, () -> s.forward(Tensor.zeros(2, 3, 1, 1, 1))).getMessage();
        assertTrue(any.contains("[N, 3], [N, 3, L] or [N, 3, H, W]"), any);
        String channels = assertThrows(IllegalArgumentException.class, () -> s2.forward(Tensor.zeros(2, 5, 2, 2))).getMessage();
        assertEquals("SyncBatchNorm(3): expected 3 channels in dimension 1, got 5 (input float32[2, 5, 2, 2] on cpu); feed it"
            + " a layer of 3 output channels, or build it with 5 channels", channels);
        String dtype = assertThrows(IllegalArgumentException.class, () -> s.forward(Tensor.zeros(DType.FLOAT64, 2, 3))).getMessage();
        assertTrue(dtype.contains("expected a float32 input on cpu") && dtype.contains("got float64[2, 3]"), dtype);
        String one = assertThrows(IllegalArgumentException.class, () -> s.forward(Tensor.zeros(1, 3))).getMessage();
        assertTrue(one.contains("expected more than 1 value per channel when training"), one);
        assertThrows(IllegalArgumentException.class, () -> new SyncBatchNorm(0, group));
        assertThrows(IllegalArgumentException.class, () -> new SyncBatchNorm(3, null));
        assertThrows(IllegalArgumentException.class, () -> SyncBatchNorm.convert(null, group));
      }
      return null;
    });
    // the count is over every rank's batch: one value in all is refused on every rank, two are fine
    List<String> messages = onRanks(2, group -> {
      try (SyncBatchNorm s = new SyncBatchNorm(3, group); TensorScope scope = new TensorScope()) {
        s.forward(Tensor.zeros(1, 3));  // 1 + 1 values per channel: allowed, as in PyTorch
        return assertThrows(IllegalArgumentException.class, () -> s.forward(Tensor.zeros(group.rank() == 0 ? 1 : 0, 3)))
            .getMessage();
      }
    });
    for (String m : messages) {
      assertTrue(m.startsWith("SyncBatchNorm(3): expected more than 1 value per channel when training, got 1 over the 2"
          + " ranks' batches together"), m);
    }
  }
}
