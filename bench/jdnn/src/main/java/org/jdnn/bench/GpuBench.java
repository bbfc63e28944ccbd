package org.jdnn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Summary;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradScaler;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.DeviceUnavailableException;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.StepGraph;

/**
 * W1, W2 and W3 of benchmarks.md on a CUDA device, with the device's own GEMM ceiling and the
 * framework overhead of each workload; W1 and W2 also with each full training step replayed from a
 * CUDA graph that gathers its own batches on the device ({@link StepGraph#feeding}: one launch per
 * step), on the same batches, reported beside the eager figures. Run by scripts/bench-gpu.sh; not a test.
 *
 * <p>Every timed stretch starts and ends with {@link Device#synchronize()}, because GPU ops only
 * queue work: without it the clock would stop before the device finished. Throughput comes from
 * unprofiled repetitions; a separate profiled stretch ({@link Device#setProfiling}) gives the
 * device time of the ops, and the overhead is the unprofiled wall time per step minus that device
 * time: the time the device waits for Java, JNI and the backend's host code.
 *
 * <pre>
 * --device cuda|cuda-emu   (cuda); cuda-emu is a dry run at tiny sizes, not a performance figure
 * --quick                  fewer and shorter repetitions
 * --tf32                   run the workloads with TF32 on (the ceiling is measured both ways)
 * --data DIR               Fashion-MNIST (default $JDNN_FASHION_MNIST or /usr/share/datasets/fashion-mnist);
 *                          without it the workloads run on random data of the same shapes
 * --out-md FILE --out-json FILE --command TEXT --commit TEXT
 * --keep-going             after a failed section, run the others (default: stop at the first)
 * --profile-steps          only count one steady-state training step of W1 and of W2 with
 *                          {@link Device#stats()} and print one line each on stdout:
 *                          STEP W1 launches=N vendor_calls=N syncs=N device_mallocs=N h2d_bytes=N d2h_bytes=N
 *                          then STEP W2, STEP W1-graph and STEP W2-graph (the step replayed from a CUDA graph
 *                          that gathers its own batch, {@link StepGraph#feeding})
 * </pre>
 */
public final class GpuBench {
  /** Sizes of one run: the real ones on a GPU, tiny ones for the emulation. */
  static final class Plan {
    int batch = 128, trainLimit = 0, testLimit = 0, w1Epochs = 3, w1ProfiledSteps = 100;
    int w2Warmup = 5, w2Reps = 4, w2Steps = 100, w2ProfiledSteps = 50;
    boolean w2FinishEpoch = true;
    int w3Windows = 5, w3ProfiledCalls = 200;
    double w3Window = 1.0;
    int gemmN = 4096, gemmInner = 10, gemmReps = 5;
    long copyFloats = 64L << 20;

    static Plan of(boolean emulated, boolean quick) {
      Plan p = new Plan();
      if (emulated) { // only proves that every op runs; the emulation runs GPU threads one by one
        p.batch = 32; p.trainLimit = 96; p.testLimit = 64; p.w1ProfiledSteps = 2;
        p.w2Warmup = 1; p.w2Reps = 2; p.w2Steps = 1; p.w2ProfiledSteps = 1; p.w2FinishEpoch = false;
        p.w3Windows = 2; p.w3Window = 0.2; p.w3ProfiledCalls = 3;
        p.gemmN = 128; p.gemmInner = 1; p.gemmReps = 2; p.copyFloats = 1L << 16;
      } else if (quick) {
        p.trainLimit = 20_000; p.w1ProfiledSteps = 50;
        p.w2Reps = 3; p.w2Steps = 20; p.w2ProfiledSteps = 20; p.w2FinishEpoch = false;
        p.w3Windows = 3; p.w3Window = 0.5; p.w3ProfiledCalls = 100;
        p.gemmReps = 3; p.copyFloats = 16L << 20;
      }
      return p;
    }
  }

  private final Device dev;
  private final Plan plan;
  private final boolean tf32;
  private final GpuReport report;
  private final long seed = 42;
  private float[] trainXh, testXh;
  private int[] trainYh, testYh;
  private Tensor trainX, trainY, testX, testY;
  private Layer mlp;

  private GpuBench(Device dev, Plan plan, boolean tf32, GpuReport report) {
    this.dev = dev;
    this.plan = plan;
    this.tf32 = tf32;
    this.report = report;
  }

  public static void main(String[] args) throws Exception {
    String device = "cuda", command = "", commit = "";
    boolean quick = false, tf32 = false, keepGoing = false, profileSteps = false;
    Path data = Paths.get(System.getenv().getOrDefault("JDNN_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"));
    Path md = null, json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--device": device = args[++i]; break;
        case "--quick": quick = true; break;
        case "--tf32": tf32 = true; break;
        case "--keep-going": keepGoing = true; break;
        case "--profile-steps": profileSteps = true; break;
        case "--data": data = Paths.get(args[++i]); break;
        case "--out-md": md = Paths.get(args[++i]); break;
        case "--out-json": json = Paths.get(args[++i]); break;
        case "--command": command = args[++i]; break;
        case "--commit": commit = args[++i]; break;
        default:
          System.err.println("unknown option " + args[i]);
          System.exit(2);
      }
    }
    if (!device.equals("cuda") && !device.equals("cuda-emu")) {
      System.err.println("--device must be cuda or cuda-emu, got " + device);
      System.exit(2);
    }
    Device dev;
    try {
      dev = Device.byName(device);
    } catch (DeviceUnavailableException e) {
      System.err.println("bench-gpu: device " + device + " is unavailable: " + e.getMessage());
      System.exit(3);
      return;
    }
    boolean emulated = device.equals("cuda-emu");
    Plan plan = Plan.of(emulated, quick);
    if (profileSteps) {
      System.exit(profileSteps(dev, plan, data) ? 0 : 1);
      return;
    }
    GpuReport report = new GpuReport();
    report.put("device", device);
    report.put("machine", dev.describe());
    report.put("date", Instant.now().toString());
    report.put("command", command);
    report.put("commit", commit);
    report.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    report.put("host_cpu", Stats.cpuModel());
    report.put("mode", emulated ? "cuda-emu dry run: tiny sizes, NOT a performance figure" : quick ? "quick" : "full");
    report.put("tf32", tf32);
    report.put("batch", plan.batch);
    report.put("graph_warmup_steps", GRAPH_WARMUP_STEPS);
    report.put("flops_convention", Flops.convention());
    GpuBench b = new GpuBench(dev, plan, tf32, report);
    boolean ok;
    try (Device.DefaultScope s = Device.useDefault(dev)) {
      ok = b.runAll(data, keepGoing);
    }
    if (md != null) report.writeMarkdown(md);
    if (json != null) report.writeJson(json);
    System.out.print(report.markdown());
    System.exit(ok ? 0 : 1);
  }

  // ---- step counters -----------------------------------------------------------------------------

  /** Warm-up steps before the counted one: Adam makes its state in step 1 and step 2 re-allocates temporaries. */
  static final int COUNTER_WARMUP_STEPS = 3;

  /** Eager steps before a {@link StepGraph} captures the step: those of {@link #COUNTER_WARMUP_STEPS} less the capture's. */
  static final int GRAPH_WARMUP_STEPS = COUNTER_WARMUP_STEPS - 1;

  /**
   * Counts one steady-state training step of W1 and of W2 (batch 128, data on the device, as the
   * timed runs train) and prints a STEP line for each on stdout. Returns false when one failed.
   */
  private static boolean profileSteps(Device dev, Plan plan, Path data) {
    plan.batch = 128; // the workloads' batch, also on the emulation: the byte counts depend on it
    plan.trainLimit = (COUNTER_WARMUP_STEPS + 1) * plan.batch;
    plan.testLimit = 1;
    GpuBench b = new GpuBench(dev, plan, false, new GpuReport());
    try (Device.DefaultScope s = Device.useDefault(dev)) {
      System.err.println("== data");
      b.load(data);
      System.err.println("== W1 step counters");
      Generator.manualSeed(b.seed);
      try (Layer w1 = w1Model()) {
        System.out.println("STEP W1 " + b.countStep(w1).line());
      }
      System.err.println("== W2 step counters");
      Generator.manualSeed(b.seed);
      try (Layer w2 = w2Model()) {
        System.out.println("STEP W2 " + b.countStep(w2).line());
      }
      System.err.println("== W1-graph step counters");
      Generator.manualSeed(b.seed);
      try (Layer w1 = w1Model()) {
        System.out.println("STEP W1-graph " + b.countGraphStep(w1).line());
      }
      System.err.println("== W2-graph step counters");
      Generator.manualSeed(b.seed);
      try (Layer w2 = w2Model()) {
        System.out.println("STEP W2-graph " + b.countGraphStep(w2).line());
      }
      return true;
    } catch (Exception e) {
      System.err.println("bench-gpu: step counters failed: " + e);
      e.printStackTrace();
      return false;
    } finally {
      for (Tensor t : new Tensor[] {b.trainX, b.trainY, b.testX, b.testY}) if (t != null) t.close();
    }
  }

  /** The counters' change across the step after {@link #COUNTER_WARMUP_STEPS} warm-up steps. */
  private DeviceStats countStep(Layer model) {
    Trainer tr = new Trainer(model);
    try {
      int[] order = FashionData.order(trainYh.length, seed, 0);
      tr.steps(order, 0, COUNTER_WARMUP_STEPS);
      dev.synchronize();
      DeviceStats before = dev.stats();
      // Markers for bench-gpu.sh --list-step, which keeps the emulation's trace lines between them.
      System.err.println("== profiled step begins");
      tr.steps(order, COUNTER_WARMUP_STEPS, COUNTER_WARMUP_STEPS + 1);
      DeviceStats step = dev.stats().minus(before);
      System.err.println("== profiled step ends");
      dev.synchronize(); // the step's queued work finishes (and reports any failure) before the next model
      return step;
    } finally {
      tr.close();
    }
  }

  /**
   * The counters' change across one replayed step of a {@link StepGraph#feeding} graph (2 eager warm-up steps, the
   * capture and its replay at the third, the measured replay at the fourth): the graph gathers the batch's images
   * and labels from the epoch order on the device itself, and its constant table holds Adam's and Dropout's
   * per-step values, so the step is the graph launch alone.
   */
  private DeviceStats countGraphStep(Layer model) {
    model.train();
    int[] order = FashionData.order(trainYh.length, seed, 0);
    CrossEntropyLoss loss = new CrossEntropyLoss();
    try (Tensor orderOnDevice = Tensor.ofInts(order);
        Adam adam = new Adam(model.parameters(), 1e-3);
        StepGraph graph = StepGraph.feeding(trainX, trainY, plan.batch, (x, y) -> {
          try (TensorScope s = new TensorScope()) {
            adam.zeroGrad();
            loss.compute(model.forward(x), y).backward();
            adam.step();
          }
        }, COUNTER_WARMUP_STEPS - 1, adam)) {
      graph.epoch(orderOnDevice);
      DeviceStats before = null;
      for (int b = 0; b <= COUNTER_WARMUP_STEPS; b++) {
        if (b == COUNTER_WARMUP_STEPS) {
          dev.synchronize();
          before = dev.stats();
        }
        graph.step();
      }
      DeviceStats step1 = dev.stats().minus(before);
      dev.synchronize();
      return step1;
    }
  }

  static Layer w1Model() {
    return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10));
  }

  static Layer w2Model() {
    return new Sequential(new Reshape(1, 28, 28),
        new Conv2d(1, 32, 3, ConvOptions.padding(1)), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3, ConvOptions.padding(1)), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.5), new Linear(128, 10));
  }

  private interface Section {
    void run() throws Exception;
  }

  /** Runs the sections in order; returns false when one failed (the first failure stops the rest unless keepGoing). */
  private boolean runAll(Path data, boolean keepGoing) {
    String[] names = {"gemm", "copy", "data", "w1", "w1_graph", "w1_bf16", "w1_fp16", "w3", "w2", "w2_graph", "w2_bf16",
        "w2_fp16"};
    Section[] sections = {this::gemm, this::copy, () -> load(data), this::w1, this::w1Graph,
        () -> w1Mixed("w1_bf16", DType.BFLOAT16), () -> w1Mixed("w1_fp16", DType.FLOAT16), this::w3, this::w2,
        this::w2Graph, () -> w2("w2_bf16", false, DType.BFLOAT16), () -> w2("w2_fp16", false, DType.FLOAT16)};
    boolean ok = true;
    for (int i = 0; i < names.length; i++) {
      if (!ok && !keepGoing) {
        report.put(names[i] + ".error", "not run: an earlier section failed");
        continue;
      }
      long t = System.nanoTime();
      try {
        System.err.println("== " + names[i]);
        sections[i].run();
      } catch (Throwable e) {
        ok = false;
        String msg = (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' ');
        System.err.println("bench-gpu: section " + names[i] + " failed: " + msg);
        e.printStackTrace();
        report.put(names[i] + ".error", msg);
      } finally {
        try {
          dev.setProfiling(false);
          dev.setTf32(false);
        } catch (RuntimeException ignored) {
          // the device is unusable; the section's error already says why
        }
      }
      report.put(names[i] + ".section_s", (System.nanoTime() - t) / 1e9);
    }
    if (mlp != null) mlp.close();
    for (Tensor t : new Tensor[] {trainX, trainY, testX, testY}) if (t != null) t.close();
    return ok;
  }

  // ---- ceilings --------------------------------------------------------------------------------

  private void gemm() {
    int n = plan.gemmN;
    report.put("gemm.n", n);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor a = Tensor.of(randomFloats((long) n * n, 1), n, n), b = Tensor.of(randomFloats((long) n * n, 2), n, n);
      dev.setTf32(false);
      report.put("gemm.fp32_gflops", gemmRate(a, b));
      dev.setTf32(true);
      report.put("gemm.tf32_gflops", gemmRate(a, b));
    }
  }

  /** Best of the repetitions, each {@code gemmInner} products queued back to back between synchronizations. */
  private double gemmRate(Tensor a, Tensor b) {
    long n = a.shape()[0];
    double[] r = new double[plan.gemmReps];
    for (int rep = -1; rep < plan.gemmReps; rep++) {
      dev.synchronize();
      long t = System.nanoTime();
      for (int i = 0; i < plan.gemmInner; i++) {
        try (TensorScope s = new TensorScope()) {
          a.matmul(b);
        }
      }
      dev.synchronize();
      double sec = (System.nanoTime() - t) / 1e9;
      if (rep >= 0) r[rep] = 2.0 * n * n * n * plan.gemmInner / sec / 1e9;
    }
    return Stats.max(r);
  }

  /** Device-to-device copy, host-to-device and device-to-host bandwidth (GB/s, best of 3). */
  private void copy() {
    long n = plan.copyFloats;
    report.put("copy.mb", n * 4 / 1e6);
    float[] host = randomFloats(n, 3);
    double[] d2d = new double[3], h2d = new double[3], d2h = new double[3];
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor cpu;
      try (Device.DefaultScope onCpu = Device.useDefault(Device.cpu())) {
        cpu = Tensor.of(host, n);
      }
      Tensor x = cpu.to(dev);
      for (int rep = -1; rep < 3; rep++) {
        try (TensorScope step = new TensorScope()) {
          dev.synchronize();
          long t0 = System.nanoTime();
          x.copy();
          dev.synchronize();
          long t1 = System.nanoTime();
          cpu.to(dev);
          dev.synchronize();
          long t2 = System.nanoTime();
          x.toFloatArray();
          long t3 = System.nanoTime();
          if (rep < 0) continue;
          d2d[rep] = 2.0 * n * 4 / (t1 - t0); // read + write, bytes per ns = GB/s
          h2d[rep] = n * 4.0 / (t2 - t1);
          d2h[rep] = n * 4.0 / (t3 - t2);
        }
      }
    }
    report.put("copy.d2d_gbps", Stats.max(d2d));
    report.put("copy.h2d_gbps", Stats.max(h2d));
    report.put("copy.d2h_gbps", Stats.max(d2h));
  }

  // ---- data ------------------------------------------------------------------------------------

  private void load(Path dir) throws Exception {
    boolean real = Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
        || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    if (real) {
      FashionData d = FashionData.load(dir, plan.trainLimit);
      trainXh = d.trainX;
      trainYh = d.trainY;
      testXh = d.testX;
      testYh = d.testY;
      report.put("data", "Fashion-MNIST from " + dir);
    } else {
      // Throughput does not depend on the pixel values; accuracy is then meaningless and not reported.
      int ntrain = plan.trainLimit > 0 ? plan.trainLimit : 60_000;
      trainXh = randomFloats((long) ntrain * FashionData.PIXELS, 4);
      trainYh = randomLabels(ntrain, 5);
      testXh = randomFloats(10_000L * FashionData.PIXELS, 6);
      testYh = randomLabels(10_000, 7);
      report.put("data", "random (Fashion-MNIST not found in " + dir + "): accuracies not reported");
    }
    if (plan.testLimit > 0 && plan.testLimit < testYh.length) {
      testXh = Arrays.copyOf(testXh, plan.testLimit * FashionData.PIXELS);
      testYh = Arrays.copyOf(testYh, plan.testLimit);
    }
    // The data set lives on the device, so a step's input is a gather there, not a copy from the host.
    trainX = Tensor.of(trainXh, trainYh.length, FashionData.PIXELS).keep();
    trainY = Tensor.ofInts(trainYh, trainYh.length).keep();
    testX = Tensor.of(testXh, testYh.length, FashionData.PIXELS).keep();
    testY = Tensor.ofInts(testYh, testYh.length).keep();
    report.put("data.train", trainYh.length);
    report.put("data.test", testYh.length);
    report.put("data.real", real);
  }

  // ---- training --------------------------------------------------------------------------------

  /**
   * A model with its optimizer, trained one batch of an epoch order at a time: eagerly, or with
   * {@code graphed} each full batch through a {@link StepGraph#feeding} graph (captured after
   * {@link #GRAPH_WARMUP_STEPS} eager steps, then replayed; it gathers the batch from the epoch order
   * on the device itself), the epoch's last, smaller batch eagerly.
   */
  private final class Trainer {
    final Layer model;
    final Adam adam;
    final CrossEntropyLoss loss = new CrossEntropyLoss();
    final boolean graphed;
    /** The feeding graph, made at the first full batch, and the batch its cursor gives next. */
    private StepGraph graph;
    private int position;

    Trainer(Layer model) {
      this(model, false);
    }

    Trainer(Layer model, boolean graphed) {
      this(model, graphed, DType.FLOAT32);
    }

    /**
     * With {@code precision} BFLOAT16 or FLOAT16 each step's forward and loss run under {@link Autocast}; FLOAT16
     * steps are loss-scaled by a {@link GradScaler} (PyTorch's defaults).
     */
    Trainer(Layer model, boolean graphed, DType precision) {
      this.model = model;
      this.adam = new Adam(model.parameters(), 1e-3);
      this.graphed = graphed;
      this.precision = precision;
      this.scaler = precision == DType.FLOAT16 ? new GradScaler(model.device()) : null;
    }

    final DType precision;
    final GradScaler scaler;

    /** One training step on batch tensors: the eager step, and the code the graph captures. */
    private void step(Tensor x, Tensor y) {
      try (TensorScope s = new TensorScope();
          Autocast.Scope mixed = Autocast.scope(precision)) {
        adam.zeroGrad();
        Tensor l = loss.compute(model.forward(x), y);
        GradScaler.backwardAndStep(scaler, l, adam);
      }
    }

    /** Trains full batch {@code b} of the uploaded order through the feeding graph. */
    private void replay(int b) {
      if (graph == null) graph = StepGraph.feeding(trainX, trainY, plan.batch, this::step, GRAPH_WARMUP_STEPS, adam);
      if (b == 0) {
        graph.epoch(orderOnDevice);  // a new order, or the same one from its start again
        position = 0;
      }
      if (b != position) {
        throw new IllegalStateException("GpuBench: a graph's batches follow its epoch order; batch " + b
            + " asked, " + position + " next");
      }
      graph.step();
      position++;
    }

    /** The epoch order last uploaded, and its copy on the device (one upload per epoch, as BatchIterator does). */
    private int[] uploaded;
    private Tensor orderOnDevice;

    /** Queues batches [from, to) of {@code order}; does not wait for the device nor copy from the host after the first. */
    void steps(int[] order, int from, int to) {
      model.train();
      if (order != uploaded) {
        if (orderOnDevice != null) orderOnDevice.close();
        orderOnDevice = Tensor.ofInts(order).keep();
        uploaded = order;
      }
      for (int b = from; b < to; b++) {
        int lo = b * plan.batch, hi = Math.min(order.length, lo + plan.batch);
        if (graphed && hi - lo == plan.batch) {
          replay(b);
          continue;
        }
        try (TensorScope step = new TensorScope()) {
          Tensor idx = NarrowOps.narrow(orderOnDevice, 0, lo, hi - lo);
          Tensor[] xy = MemoryOps.gatherRows(trainX, trainY, idx);  // images and labels in one launch
          step(xy[0], xy[1]);
        }
      }
    }

    /**
     * Records that a graphed trainer's timed steps were replays, failing otherwise: a graph not yet
     * captured at the end of the timed stretch would label eager figures as graph ones.
     */
    void checkReplayed(String key) {
      if (graph == null || !graph.isCaptured()) {
        throw new IllegalStateException(key + ": the step was not captured within the timed stretch (warm-up "
            + GRAPH_WARMUP_STEPS + " steps); its figures would be eager ones. Time more steps");
      }
      report.put(key + ".captured", true);
    }

    /** Frees the graph, its buffers, the optimizer's state and the order on the device. */
    void close() {
      if (graph != null) graph.close();
      if (orderOnDevice != null) orderOnDevice.close();
      if (scaler != null) scaler.close();
      adam.close();
    }

    /** Wall seconds of batches [from, to), synchronized at both ends. */
    double timed(int[] order, int from, int to) {
      dev.synchronize();
      long t = System.nanoTime();
      steps(order, from, to);
      dev.synchronize();
      return (System.nanoTime() - t) / 1e9;
    }
  }

  private void w1() {
    Generator.manualSeed(seed);
    mlp = w1Model();
    Trainer tr = new Trainer(mlp);
    w1Epochs("w1", tr);
    // Layer.flops() also counts bias, activations and softmax; kept apart so that the GFLOP/s
    // figures use the GEMM-only count of the CPU comparison (Flops) and stay comparable with it.
    report.put("w1.forward_flops_per_sample_all_layers", Summary.flopsOf(mlp, new long[] {784}));
    if (report.bool("data.real")) report.put("w1.accuracy", accuracy(mlp));
    int n = trainYh.length, batches = (n + plan.batch - 1) / plan.batch;
    int[] order = FashionData.order(n, seed, plan.w1Epochs);
    int steps = Math.min(plan.w1ProfiledSteps, batches);
    profile("w1", steps, plan.batch, () -> tr.steps(order, 0, steps));
    tr.close();
  }

  /**
   * W1 with each full step replayed from a CUDA graph ({@link StepGraph}): the same model, seed,
   * epoch orders and batches as {@link #w1()}, each epoch's last, smaller batch run eagerly. Not
   * profiled: the profiler brackets each op with events, which a replayed graph has none of.
   */
  private void w1Graph() {
    Generator.manualSeed(seed);
    try (Layer model = w1Model()) {
      Trainer tr = new Trainer(model, true);
      try {
        w1Epochs("w1_graph", tr);
        tr.checkReplayed("w1_graph");
        graphWallTime("w1_graph");
        if (report.bool("data.real")) report.put("w1_graph.accuracy", accuracy(model));
      } finally {
        tr.close();
      }
    }
  }

  /**
   * W1 trained under bfloat16 or float16 autocast (its Linear products as 16-bit GEMMs with float32 sums, see
   * Autocast; float16 loss-scaled): the same model, seed, epoch orders and batches as {@link #w1()}, eager, not
   * profiled.
   */
  private void w1Mixed(String key, DType precision) {
    Generator.manualSeed(seed);
    try (Layer model = w1Model()) {
      Trainer tr = new Trainer(model, false, precision);
      try {
        w1Epochs(key, tr);
        if (tr.scaler != null) report.put(key + ".skipped_steps", (double) tr.scaler.skippedSteps());
        if (report.bool("data.real")) {
          try (Autocast.Scope mixed = Autocast.enable(precision)) {
            report.put(key + ".accuracy", accuracy(model));
          }
        }
      } finally {
        tr.close();
      }
    }
  }

  /** The wall time per step of a graphed workload, from its samples/s, for the table beside the eager one's. */
  private void graphWallTime(String key) {
    report.put(key + ".wall_ms_per_step", plan.batch / report.num(key + ".samples_per_s") * 1e3);
  }

  /** W1's timed epochs: epoch 1 the warm-up (and, graphed, the capture), samples/s the median of the later ones. */
  private void w1Epochs(String key, Trainer tr) {
    dev.setTf32(tf32);
    int n = trainYh.length, batches = (n + plan.batch - 1) / plan.batch;
    double[] rate = new double[plan.w1Epochs - 1];
    for (int e = 0; e < plan.w1Epochs; e++) {
      double sec = tr.timed(FashionData.order(n, seed, e), 0, batches);
      report.put(key + ".epoch" + (e + 1) + "_s", sec);
      if (e > 0) rate[e - 1] = n / sec;
    }
    report.putRates(key, rate, plan.batch, Flops.training(Flops.w1Forward()));
  }

  private void w2() {
    w2("w2", false);
  }

  /**
   * W2 with each full step replayed from a CUDA graph: the same model (its Dropout captured), seed,
   * warm-up, repetitions and batches as {@link #w2()}.
   */
  private void w2Graph() {
    w2("w2_graph", true);
  }

  private void w2(String key, boolean graphed) {
    w2(key, graphed, DType.FLOAT32);
  }

  private void w2(String key, boolean graphed, DType precision) {
    Generator.manualSeed(seed);
    try (Layer cnn = w2Model()) {
      Trainer tr = new Trainer(cnn, graphed, precision);
      try {
        w2Steps(key, tr, cnn);
      } finally {
        tr.close();
      }
    }
  }

  private void w2Steps(String key, Trainer tr, Layer cnn) {
    dev.setTf32(tf32);
    int n = trainYh.length, batches = (n + plan.batch - 1) / plan.batch;
    int[] order = FashionData.order(n, seed, 0);
    // The epoch's batches are consumed in order: warm-up, repetitions, profiled stretch, rest.
    int next = Math.min(batches, plan.w2Warmup);
    tr.timed(order, 0, next);
    double[] rate = new double[plan.w2Reps];
    for (int r = 0; r < plan.w2Reps; r++) {
      int from = next % batches, to = Math.min(batches, from + plan.w2Steps);
      next = to;
      rate[r] = (double) (to - from) * plan.batch / tr.timed(order, from, to);
    }
    report.put(key + ".warmup_batches", plan.w2Warmup);
    report.putRates(key, rate, plan.batch, Flops.training(Flops.w2Forward()));
    int from = next % batches, to = Math.min(batches, from + plan.w2ProfiledSteps);
    if (tr.graphed) {
      tr.checkReplayed(key);
      graphWallTime(key);
      tr.steps(order, from, to);  // the profiled stretch's batches, unprofiled (see w1Graph): the same epoch follows
    } else {
      profile(key, to - from, plan.batch, () -> tr.steps(order, from, to));
    }
    if (plan.w2FinishEpoch && to < batches) {
      tr.steps(order, to, batches);
      if (report.bool("data.real")) report.put(key + ".accuracy_1_epoch", accuracy(cnn));
    }
  }

  private double accuracy(Layer model) {
    return TestAccuracy.of(model, testX, testYh);
  }

  // ---- inference -------------------------------------------------------------------------------

  /**
   * One serving call: a float[] batch copied to the device, the forward pass, the logits copied
   * back (which waits for the device), so the time is what a caller sees.
   */
  private Runnable inferer(int batch) {
    float[] in = Arrays.copyOf(testXh, batch * FashionData.PIXELS);
    return () -> {
      try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
        mlp.forward(Tensor.of(in, batch, FashionData.PIXELS)).toFloatArray();
      }
    };
  }

  private void w3() throws Exception {
    if (mlp == null) throw new IllegalStateException("W3 needs W1's trained model");
    mlp.eval();
    mlp.fuseForInference();  // each Linear+ReLU pair as one call (the epilogue), as a deployment would serve it
    dev.setTf32(tf32);
    for (int b : new int[] {1, 256}) {
      String k = "w3.b" + b;
      report.put(k + ".samples_per_s", rate(b, 1));
      report.put(k + ".gflops", report.num(k + ".samples_per_s") * Flops.w1Forward() / 1e9);
      Runnable call = inferer(b);
      profile(k, plan.w3ProfiledCalls, b, () -> {
        for (int i = 0; i < plan.w3ProfiledCalls; i++) call.run();
      });
    }
    report.put("w3.b1x8.samples_per_s", rate(1, 8));
    report.put("w3.b1x8.gflops", report.num("w3.b1x8.samples_per_s") * Flops.w1Forward() / 1e9);
  }

  /** Samples/s of batch-{@code b} calls from {@code threads} threads sharing the model: median of the windows after a warm-up window. */
  private double rate(int b, int threads) throws Exception {
    return WindowedRate.measure(threads, plan.w3Windows, plan.w3Window, b, () -> {
      Device.setDefault(dev); // the default device is per thread; these workers live for this measurement only
      return inferer(b);
    });
  }

  // ---- overhead --------------------------------------------------------------------------------

  /**
   * Runs {@code steps} steps once with op profiling on and records the device time per step; the
   * overhead is set against the unprofiled wall time per step already in the report (profiling
   * adds host work of its own, so its wall time is recorded apart and not used for the overhead).
   */
  private void profile(String key, int steps, int samplesPerStep, Runnable work) {
    if (steps <= 0) return;
    dev.synchronize();
    dev.setProfiling(true);
    long t = System.nanoTime();
    work.run();
    dev.synchronize();
    double wallMs = (System.nanoTime() - t) / 1e6;
    double deviceMs = dev.profiledKernelMillis();
    long ops = dev.profiledOps();
    dev.setProfiling(false);
    report.putOverhead(key, steps, samplesPerStep, wallMs, deviceMs, ops);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static float[] randomFloats(long n, long seed) {
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("too many floats: " + n);
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return v;
  }

  private static int[] randomLabels(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] v = new int[n];
    for (int i = 0; i < n; i++) v[i] = r.nextInt(10);
    return v;
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
