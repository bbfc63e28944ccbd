package org.jdnn.bench;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.Batch;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.RandomOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** jdnn on the workloads: the training loop of org.jdnn.examples.ClassifierTraining, batches gathered natively. */
public final class JdnnBench implements BenchSystem {
  private Tensor trainX, trainY, testX, testY;
  private Layer model;
  private Adam adam;
  private final CrossEntropyLoss lossFn = new CrossEntropyLoss();
  private final List<Tensor> inferInputs = new ArrayList<>();
  private final List<Tensor> w4Inputs = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Harness.run(new JdnnBench(), args);
  }

  @Override
  public String name() {
    return "jdnn";
  }

  @Override
  public Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("jdnn", Stats.declaredVersion("jdnn") + " " + System.getProperty("jdnn.bench.commit", ""));
    try {
      v.put("javacpp", org.bytedeco.javacpp.Loader.getVersion());
    } catch (java.io.IOException e) {
      v.put("javacpp", "?");
    }
    v.put("gemm_kernel", Device.cpuGemmKernel());
    v.put("cpu_threads", String.valueOf(Device.cpuThreads()));
    return v;
  }

  @Override
  public void configure(int threads) {
    Device.setCpuThreads(threads);
  }

  @Override
  public String unsupported(Model m) {
    if (m == Model.W1_MLP) return null;
    for (String c : new String[] {"Conv2d", "BatchNorm2d", "MaxPool2d", "Dropout"}) {
      try {
        Class.forName("org.jdnn.nn." + c);
      } catch (ClassNotFoundException e) {
        return "org.jdnn.nn." + c + " not in this jdnn build";
      }
    }
    return null;
  }

  @Override
  public void load(FashionData d) {
    trainX = Tensor.of(d.trainX, d.trainN, FashionData.PIXELS);
    trainY = Tensor.ofInts(d.trainY, d.trainN);
    testX = Tensor.of(d.testX, d.testN, FashionData.PIXELS);
    testY = Tensor.ofInts(d.testY, d.testN);
  }

  @Override
  public void build(Model m, long seed, double lr) {
    release();
    Generator.manualSeed(seed);
    model = m == Model.W1_MLP
        ? new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10))
        : cnn();
    adam = new Adam(model.parameters(), lr);
  }

  /**
   * W2 as built from the convolution layers by reflection, so this harness compiles against a jdnn
   * that does not have them yet (W2 is then reported as skipped). Equivalent to:
   * <pre>{@code
   * new Sequential(new Reshape(1, 28, 28),
   *     new Conv2d(1, 32, 3, ConvOptions.padding(1)), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
   *     new Conv2d(32, 64, 3, ConvOptions.padding(1)), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
   *     new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.5), new Linear(128, 10))
   * }</pre>
   */
  private static Layer cnn() {
    return new Sequential(new org.jdnn.nn.Reshape(1, 28, 28),
        conv(1, 32), layer("BatchNorm2d", int.class, 32), new ReLU(), layer("MaxPool2d", int.class, 2),
        conv(32, 64), layer("BatchNorm2d", int.class, 64), new ReLU(), layer("MaxPool2d", int.class, 2),
        new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), layer("Dropout", double.class, 0.5),
        new Linear(128, 10));
  }

  private static Layer conv(int in, int out) {
    try {
      Constructor<?> c = Class.forName("org.jdnn.nn.Conv2d").getConstructor(int.class, int.class, int.class, ConvOptions.class);
      return (Layer) c.newInstance(in, out, 3, ConvOptions.padding(1));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Conv2d(" + in + ", " + out + ", 3, padding 1): " + e, e);
    }
  }

  private static Layer layer(String name, Class<?> argType, Object arg) {
    try {
      return (Layer) Class.forName("org.jdnn.nn." + name).getConstructor(argType).newInstance(arg);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(name + "(" + arg + "): " + e, e);
    }
  }

  @Override
  public void train(int[] order, int batch, int fromBatch, int toBatch) {
    model.train();
    for (int b = fromBatch; b < toBatch; b++) {
      int from = b * batch, to = Math.min(order.length, from + batch);
      if (from >= to) break;
      try (TensorScope step = new TensorScope()) {
        Tensor idx = Tensor.ofInts(java.util.Arrays.copyOfRange(order, from, to));
        Tensor x = MemoryOps.gatherRows(trainX, idx), y = MemoryOps.gatherRows(trainY, idx);
        adam.zeroGrad();
        Tensor loss = lossFn.compute(model.forward(x), y);
        loss.backward();
        adam.step();
      }
    }
  }

  @Override
  public String w4Unsupported() {
    return null;
  }

  /** W4(a): the training loop above on a fixed tiny batch, the README's hand-written loop. */
  @Override
  public Runnable tinyTrainingStep(float[] xs, int[] ys, int batch, long seed, double lr) {
    release();
    Generator.manualSeed(seed);
    model = new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 10));
    adam = new Adam(model.parameters(), lr);
    Tensor x = Tensor.of(xs, batch, 64), y = Tensor.ofInts(ys, batch);
    w4Inputs.add(x);
    w4Inputs.add(y);
    Layer m = model;
    Adam opt = adam;
    m.train();
    return () -> {
      try (TensorScope step = new TensorScope()) {
        opt.zeroGrad();
        Tensor loss = lossFn.compute(m.forward(x), y);
        loss.backward();
        opt.step();
      }
    };
  }

  /** W4(b): three tiny ops per call, their outputs freed by the call's scope (OpOverheadBench's loop). */
  @Override
  public Runnable tinyOps(float[] as, float[] bs, float[] ms, float[] ns) {
    Tensor a = Tensor.of(as), b = Tensor.of(bs), m = Tensor.of(ms, 4, 4), n = Tensor.of(ns, 4, 4);
    w4Inputs.addAll(List.of(a, b, m, n));
    return () -> {
      try (TensorScope s = new TensorScope()) {
        a.add(b);
        m.matmul(n);
        a.relu();
      }
    };
  }

  @Override
  public boolean bf16Inference(boolean on) {
    model.inferenceBf16(on);
    return on && org.jdnn.tensor.Linalg.bf16Accelerated();
  }

  @Override
  public double testAccuracy() {
    return TestAccuracy.of(model, testX, testY.toIntArray());
  }

  /** W3 serves the trained model as a deployment would: eval mode, each Linear+ReLU pair fused into one call. */
  @Override
  public void evalMode() {
    model.eval();
    model.fuseForInference();
  }

  @Override
  public Runnable inferer(int batch) {
    Tensor x;
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      float[] first = new float[batch * FashionData.PIXELS];
      System.arraycopy(testX.toFloatArray(), 0, first, 0, first.length);
      x = s.escape(Tensor.of(first, batch, FashionData.PIXELS));
    }
    synchronized (inferInputs) {
      inferInputs.add(x);
    }
    Layer m = model;
    return () -> {
      try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
        m.forward(x);
      }
    };
  }

  @Override
  public void release() {
    synchronized (inferInputs) {
      for (Tensor t : inferInputs) t.close();
      inferInputs.clear();
    }
    for (Tensor t : w4Inputs) t.close();
    w4Inputs.clear();
    if (adam != null) adam.close();
    if (model != null) model.close();
    adam = null;
    model = null;
  }

  @Override
  public double sgemmGflops(int n, int reps) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Tensor a = Tensor.empty(DType.FLOAT32, n, n), b = Tensor.empty(DType.FLOAT32, n, n);
      RandomOps.uniform(a, -1, 1, 1, 0);
      RandomOps.uniform(b, -1, 1, 2, 0);
      double[] r = new double[reps];
      for (int i = -1; i < reps; i++) {
        try (TensorScope step = new TensorScope()) {
          long t = System.nanoTime();
          a.matmul(b);
          double sec = (System.nanoTime() - t) / 1e9;
          if (i >= 0) r[i] = 2.0 * n * n * n / sec / 1e9;
        }
      }
      return Stats.max(r);
    }
  }
}
