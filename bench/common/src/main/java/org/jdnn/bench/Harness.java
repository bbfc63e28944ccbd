package org.jdnn.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs W1, W3, W2, the SGEMM ceiling and W4 for one system in this JVM and writes a flat key=value
 * result file. The order matters: W1 runs first in a fresh JVM so the peak resident memory read
 * right after it (VmHWM) is W1's; W3 reuses W1's trained model. W4 (host overhead) needs no data
 * set: with W1, W2 and W3 skipped the data set is not loaded.
 *
 * <pre>
 * --data DIR          Fashion-MNIST directory (default $JDNN_FASHION_MNIST or /usr/share/datasets/fashion-mnist)
 * --out FILE          result file (default stdout only)
 * --threads N         intra-op threads (2)
 * --seed N            (42)
 * --w1-epochs N       (3); samples/s is the median of epochs 2..N
 * --w1-limit N        train on the first N images only (0 = all 60,000)
 * --w2-batches N      timed W2 batches after warm-up (0 = the rest of a full epoch, then test accuracy)
 * --w2-warmup N       untimed W2 batches first (5)
 * --w3-window S       seconds per W3 timing window (1.0); --w3-windows N windows (5), median taken
 * --gemm N            SGEMM size for the ceiling (4096; 0 skips)
 * --w4-window S       seconds per W4 timing window (1.0); --w4-windows N windows (5), median taken;
 *                     --w4-warmup S untimed seconds first (10.0)
 * --skip W1,W2,W3,W4  workloads to leave out
 * --label TEXT        recorded as "label" (e.g. the OpenMP wait policy)
 * </pre>
 */
public final class Harness {
  private final BenchSystem sys;
  private final Map<String, String> out = new LinkedHashMap<>();
  private Path dataDir = Paths.get(System.getenv().getOrDefault("JDNN_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"));
  private Path outFile;
  private int threads = 2, batch = 128, w1Epochs = 3, w1Limit = 0, w2Batches = 100, w2Warmup = 5, w3Windows = 5, gemm = 4096;
  private long seed = 42;
  private double w3Window = 1.0, w4Window = 1.0, w4Warmup = 10.0;
  private int w4Windows = 5;
  private String skip = "", label = "";

  private Harness(BenchSystem sys) {
    this.sys = sys;
  }

  public static void run(BenchSystem sys, String[] args) throws Exception {
    Harness h = new Harness(sys);
    h.parse(args);
    h.runAll();
  }

  private void parse(String[] a) {
    for (int i = 0; i < a.length; i++) {
      String k = a[i];
      if (i + 1 >= a.length) throw new IllegalArgumentException("missing value after " + k);
      String v = a[++i];
      switch (k) {
        case "--data": dataDir = Paths.get(v); break;
        case "--out": outFile = Paths.get(v); break;
        case "--threads": threads = Integer.parseInt(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--batch": batch = Integer.parseInt(v); break;
        case "--w1-epochs": w1Epochs = Integer.parseInt(v); break;
        case "--w1-limit": w1Limit = Integer.parseInt(v); break;
        case "--w2-batches": w2Batches = Integer.parseInt(v); break;
        case "--w2-warmup": w2Warmup = Integer.parseInt(v); break;
        case "--w3-window": w3Window = Double.parseDouble(v); break;
        case "--w3-windows": w3Windows = Integer.parseInt(v); break;
        case "--w4-window": w4Window = Double.parseDouble(v); break;
        case "--w4-windows": w4Windows = Integer.parseInt(v); break;
        case "--w4-warmup": w4Warmup = Double.parseDouble(v); break;
        case "--gemm": gemm = Integer.parseInt(v); break;
        case "--skip": skip = v.toUpperCase(Locale.ROOT); break;
        case "--label": label = v; break;
        default: throw new IllegalArgumentException("unknown option " + k);
      }
    }
  }

  private void put(String key, Object value) {
    String s = value instanceof Double ? String.format(Locale.ROOT, "%.6g", (Double) value) : String.valueOf(value);
    out.put(key, s);
    System.out.println(sys.name() + (label.isEmpty() ? "" : "/" + label) + "  " + key + " = " + s);
  }

  private boolean skipped(String w) {
    for (String s : skip.split(",")) if (s.trim().equals(w)) return true;
    return false;
  }

  private void runAll() throws Exception {
    put("system", sys.name());
    put("label", label);
    put("date", Instant.now().toString());
    put("cpu", Stats.cpuModel());
    put("cpu.flags", Stats.cpuFlags());
    put("cores", Runtime.getRuntime().availableProcessors());
    put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    for (String e : new String[] {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "JDNN_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "OPENBLAS_THREAD_TIMEOUT"}) {
      put("env." + e, System.getenv().getOrDefault(e, ""));
    }
    put("threads", threads);
    put("batch", batch);
    sys.configure(threads);
    sys.versions().forEach((k, v) -> put("version." + k, v));

    if (!(skipped("W1") && skipped("W2") && skipped("W3"))) {
      long t0 = System.nanoTime();
      FashionData data = FashionData.load(dataDir, w1Limit);
      sys.load(data);
      put("data.train", data.trainN);
      put("data.test", data.testN);
      put("data.load_s", (System.nanoTime() - t0) / 1e9);

      if (!skipped("W1")) guarded("w1", () -> w1(data));
      if (!skipped("W3")) guarded("w3", this::w3);
      sys.release();
      if (!skipped("W2")) guarded("w2", () -> w2(data));
      sys.release();
    }
    if (gemm > 0) guarded("gemm", () -> {
      put("gemm.n", gemm);
      put("gemm.gflops", sys.sgemmGflops(gemm, 5));
    });
    if (!skipped("W4")) guarded("w4", this::w4);
    sys.release();
    write();
  }

  private interface Step {
    void run() throws Exception;
  }

  private void guarded(String key, Step s) {
    try {
      s.run();
    } catch (Throwable e) {
      e.printStackTrace();
      put(key + ".error", (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' '));
    }
    try {
      write(); // after every workload, so a run killed by a time limit still reports what it finished
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void w1(FashionData data) {
    sys.build(BenchSystem.Model.W1_MLP, seed, 1e-3);
    int batches = (data.trainN + batch - 1) / batch;
    double[] rate = new double[w1Epochs];
    for (int e = 0; e < w1Epochs; e++) {
      int[] order = FashionData.order(data.trainN, seed, e);
      long s = System.nanoTime();
      sys.train(order, batch, 0, batches);
      double sec = (System.nanoTime() - s) / 1e9;
      rate[e] = data.trainN / sec;
      put("w1.epoch" + (e + 1) + ".s", sec);
    }
    put("w1.accuracy", sys.testAccuracy());
    put("w1.vmhwm_mb", Stats.procStatusKb("VmHWM") / 1024.0);
    double[] later = java.util.Arrays.copyOfRange(rate, Math.min(1, w1Epochs - 1), w1Epochs);
    put("w1.samples_per_s", Stats.median(later));
    put("w1.gflops", Stats.median(later) * Flops.training(Flops.w1Forward()) / 1e9);
  }

  private void w2(FashionData data) {
    String why = sys.unsupported(BenchSystem.Model.W2_CNN);
    if (why != null) {
      put("w2.skipped", why);
      return;
    }
    sys.build(BenchSystem.Model.W2_CNN, seed, 1e-3);
    int batches = (data.trainN + batch - 1) / batch;
    int warm = Math.min(w2Warmup, batches - 1);
    int end = w2Batches <= 0 ? batches : Math.min(batches, warm + w2Batches);
    int[] order = FashionData.order(data.trainN, seed, 0);
    sys.train(order, batch, 0, warm);
    long s = System.nanoTime();
    sys.train(order, batch, warm, end);
    double sec = (System.nanoTime() - s) / 1e9;
    long samples = Math.min((long) end * batch, data.trainN) - (long) warm * batch;
    put("w2.warmup_batches", warm);
    put("w2.timed_batches", end - warm);
    put("w2.full_epoch", end == batches);
    put("w2.samples_per_s", samples / sec);
    put("w2.gflops", samples / sec * Flops.training(Flops.w2Forward()) / 1e9);
    if (end == batches) put("w2.accuracy", sys.testAccuracy());
  }

  private void w3() throws Exception {
    if (!out.containsKey("w1.samples_per_s")) throw new IllegalStateException("W3 needs W1's trained model");
    sys.evalMode();
    put("w3.b1", rate(1, 1));
    put("w3.b256", rate(256, 1));
    put("w3.b1x8", rate(1, 8));
    put("w3.b256.gflops", Double.parseDouble(out.get("w3.b256")) * Flops.w1Forward() / 1e9);
    if (sys.bf16Inference(true)) {
      try {
        put("w3.b1.bf16", rate(1, 1));
        put("w3.b256.bf16", rate(256, 1));
        put("w1.accuracy.bf16", sys.testAccuracy());
      } finally {
        sys.bf16Inference(false);
      }
    }
  }

  /**
   * W4, host overhead (benchmarks.md): (a) training steps/s of the tiny MLP 64-64-64-10 at batch 8
   * with Adam, (b) tiny ops/s (4-element add, 4x4 matmul, relu). Inputs are the same seeded random
   * values for every system. Each part: {@code w4Warmup} untimed seconds (the JIT compiles the
   * step's Java code meanwhile: on 2 cores busy with other builds jdnn's step ran at a sixth of its
   * speed for its first 5 seconds), then the median of
   * {@code w4Windows} windows of {@code w4Window} seconds, on one thread.
   */
  private void w4() throws Exception {
    String why = sys.w4Unsupported();
    if (why != null) {
      put("w4.skipped", why);
      return;
    }
    final int tinyBatch = 8, in = 64, classes = 10;
    java.util.Random r = new java.util.Random(seed);
    float[] x = new float[tinyBatch * in];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    int[] y = new int[tinyBatch];
    for (int i = 0; i < y.length; i++) y[i] = r.nextInt(classes);
    Runnable step = sys.tinyTrainingStep(x, y, tinyBatch, seed, 1e-3);
    put("w4.batch", tinyBatch);
    double steps = WindowedRate.measure(1, w4Windows, w4Window, w4Warmup, 1, () -> step);
    put("w4.steps_per_s", steps);
    put("w4.step_us", 1e6 / steps);
    sys.release();
    float[][] t = new float[4][];
    for (int k = 0; k < 4; k++) {
      t[k] = new float[k < 2 ? 4 : 16];
      for (int i = 0; i < t[k].length; i++) t[k][i] = (float) (r.nextDouble() * 2 - 1);
    }
    Runnable ops = sys.tinyOps(t[0], t[1], t[2], t[3]);
    double opsPerS = WindowedRate.measure(1, w4Windows, w4Window, w4Warmup, 3, () -> ops);
    put("w4.ops_per_s", opsPerS);
    put("w4.op_ns", 1e9 / opsPerS);
  }

  /** Samples/s of batch-{@code b} inference from {@code nThreads} threads sharing the model: median of windows after a warm-up window. */
  private double rate(int b, int nThreads) throws Exception {
    return WindowedRate.measure(nThreads, w3Windows, w3Window, b, () -> sys.inferer(b));
  }

  private void write() throws IOException {
    if (outFile == null) return;
    if (outFile.getParent() != null) Files.createDirectories(outFile.getParent());
    try (Writer w = Files.newBufferedWriter(outFile)) {
      for (Map.Entry<String, String> e : out.entrySet()) {
        w.write(e.getKey() + "=" + e.getValue().replace("\\", "\\\\").replace("\n", " ") + "\n");
      }
    }
  }
}
