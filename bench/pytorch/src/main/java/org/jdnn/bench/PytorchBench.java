package org.jdnn.bench;

import static org.bytedeco.pytorch.global.torch.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;

/**
 * PyTorch (libtorch, CPU) through the JavaCPP presets: C++-API modules, Adam, cross_entropy,
 * batches by index_select from tensors holding the whole data set, a PointerScope per step,
 * InferenceMode for W3.
 */
public final class PytorchBench implements BenchSystem {
  private Tensor trainX, trainY, testX, testY;
  private Net model;
  private Adam adam;
  private final java.util.List<Tensor> w4Inputs = new java.util.ArrayList<>();

  public static void main(String[] args) throws Exception {
    Harness.run(new PytorchBench(), args);
  }

  /** A model the harness can train: the forward pass over [N, 784] inputs. */
  abstract static class Net extends Module {
    abstract Tensor forward(Tensor x);
  }

  static final class Mlp extends Net {
    final LinearImpl fc1, fc2, fc3;

    Mlp() {
      fc1 = register_module("fc1", new LinearImpl(784, 512));
      fc2 = register_module("fc2", new LinearImpl(512, 256));
      fc3 = register_module("fc3", new LinearImpl(256, 10));
    }

    @Override
    Tensor forward(Tensor x) {
      return fc3.forward(relu(fc2.forward(relu(fc1.forward(x)))));
    }
  }

  static final class TinyMlp extends Net {
    final LinearImpl fc1, fc2, fc3;

    TinyMlp() {
      fc1 = register_module("fc1", new LinearImpl(64, 64));
      fc2 = register_module("fc2", new LinearImpl(64, 64));
      fc3 = register_module("fc3", new LinearImpl(64, 10));
    }

    @Override
    Tensor forward(Tensor x) {
      return fc3.forward(relu(fc2.forward(relu(fc1.forward(x)))));
    }
  }

  static final class Cnn extends Net {
    final Conv2dImpl conv1, conv2;
    final BatchNorm2dImpl bn1, bn2;
    final LinearImpl fc1, fc2;

    Cnn() {
      conv1 = register_module("conv1", new Conv2dImpl(conv(1, 32)));
      bn1 = register_module("bn1", new BatchNorm2dImpl(new BatchNormOptions(32)));
      conv2 = register_module("conv2", new Conv2dImpl(conv(32, 64)));
      bn2 = register_module("bn2", new BatchNorm2dImpl(new BatchNormOptions(64)));
      fc1 = register_module("fc1", new LinearImpl(64 * 7 * 7, 128));
      fc2 = register_module("fc2", new LinearImpl(128, 10));
    }

    private static Conv2dOptions conv(long in, long out) {
      Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3, 3));
      o.padding().put(new LongPointer(1, 1));
      return o;
    }

    @Override
    Tensor forward(Tensor x) {
      x = x.reshape(-1, 1, 28, 28);
      x = max_pool2d(relu(bn1.forward(conv1.forward(x))), 2, 2);
      x = max_pool2d(relu(bn2.forward(conv2.forward(x))), 2, 2);
      x = relu(fc1.forward(flatten(x, 1, -1)));
      return fc2.forward(dropout(x, 0.5, is_training()));
    }
  }

  @Override
  public String name() {
    return "pytorch";
  }

  @Override
  public Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("pytorch_preset", Stats.declaredVersion("pytorch"));
    try {
      v.put("javacpp", org.bytedeco.javacpp.Loader.getVersion());
    } catch (java.io.IOException e) {
      v.put("javacpp", "?");
    }
    v.put("torch_threads", String.valueOf(get_num_threads()));
    String info = get_parallel_info().getString().replace('\n', ';');
    v.put("parallel_info", info.length() > 300 ? info.substring(0, 300) : info);
    return v;
  }

  @Override
  public void configure(int threads) {
    set_num_threads(threads);
  }

  @Override
  public String unsupported(Model m) {
    return null;
  }

  private static Tensor floats(float[] a, long... shape) {
    try (FloatPointer p = new FloatPointer(a)) {
      return from_blob(p, shape, new TensorOptions(ScalarType.Float)).clone();
    }
  }

  private static Tensor longs(int[] a, int from, int to) {
    long[] l = new long[to - from];
    for (int i = from; i < to; i++) l[i - from] = a[i];
    try (LongPointer p = new LongPointer(l)) {
      return from_blob(p, new long[] {l.length}, new TensorOptions(ScalarType.Long)).clone();
    }
  }

  @Override
  public void load(FashionData d) {
    trainX = floats(d.trainX, d.trainN, FashionData.PIXELS);
    trainY = longs(d.trainY, 0, d.trainN);
    testX = floats(d.testX, d.testN, FashionData.PIXELS);
    testY = longs(d.testY, 0, d.testN);
  }

  @Override
  public void build(Model m, long seed, double lr) {
    release();
    manual_seed(seed);
    model = m == Model.W1_MLP ? new Mlp() : new Cnn();
    adam = new Adam(model.parameters(), new AdamOptions(lr));
  }

  @Override
  public void train(int[] order, int batch, int fromBatch, int toBatch) {
    model.train(true);
    for (int b = fromBatch; b < toBatch; b++) {
      int from = b * batch, to = Math.min(order.length, from + batch);
      if (from >= to) break;
      try (PointerScope scope = new PointerScope()) {
        Tensor idx = longs(order, from, to);
        Tensor x = index_select(trainX, 0, idx), y = index_select(trainY, 0, idx);
        adam.zero_grad();
        Tensor loss = cross_entropy(model.forward(x), y);
        loss.backward();
        adam.step();
      }
    }
  }

  @Override
  public String w4Unsupported() {
    return null;
  }

  /** W4(a): the training loop above (a PointerScope per step) on a fixed tiny batch. */
  @Override
  public Runnable tinyTrainingStep(float[] xs, int[] ys, int batch, long seed, double lr) {
    release();
    manual_seed(seed);
    model = new TinyMlp();
    adam = new Adam(model.parameters(), new AdamOptions(lr));
    Tensor x = floats(xs, batch, 64), y = longs(ys, 0, ys.length);
    w4Inputs.add(x);
    w4Inputs.add(y);
    Net m = model;
    Adam opt = adam;
    m.train(true);
    return () -> {
      try (PointerScope scope = new PointerScope()) {
        opt.zero_grad();
        Tensor loss = cross_entropy(m.forward(x), y);
        loss.backward();
        opt.step();
      }
    };
  }

  /** W4(b): three tiny ops per call on tensors that require no gradient, freed by the call's PointerScope. */
  @Override
  public Runnable tinyOps(float[] as, float[] bs, float[] ms, float[] ns) {
    Tensor a = floats(as, 4), b = floats(bs, 4), m = floats(ms, 4, 4), n = floats(ns, 4, 4);
    w4Inputs.addAll(java.util.List.of(a, b, m, n));
    return () -> {
      try (PointerScope scope = new PointerScope()) {
        add(a, b);
        mm(m, n);
        relu(a);
      }
    };
  }

  @Override
  public double testAccuracy() {
    model.eval();
    long n = testY.size(0), correct = 0;
    try (PointerScope scope = new PointerScope(); InferenceMode g = new InferenceMode()) {
      for (long from = 0; from < n; from += 1000) {
        long len = Math.min(1000, n - from);
        Tensor out = model.forward(testX.narrow(0, from, len));
        correct += out.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(testY.narrow(0, from, len)).sum().item_long();
      }
    }
    return (double) correct / n;
  }

  @Override
  public void evalMode() {
    model.eval();
  }

  @Override
  public Runnable inferer(int batch) {
    Tensor x;
    try (InferenceMode g = new InferenceMode()) {
      x = testX.narrow(0, 0, batch).clone();
    }
    Net m = model;
    return () -> {
      try (PointerScope scope = new PointerScope(); InferenceMode g = new InferenceMode()) {
        m.forward(x);
      }
    };
  }

  @Override
  public void release() {
    for (Tensor t : w4Inputs) t.close();
    w4Inputs.clear();
    if (adam != null) adam.close();
    if (model != null) model.close();
    adam = null;
    model = null;
  }

  @Override
  public double sgemmGflops(int n, int reps) {
    try (PointerScope scope = new PointerScope(); InferenceMode g = new InferenceMode()) {
      Tensor a = randn(n, n), b = randn(n, n);
      double[] r = new double[reps];
      for (int i = -1; i < reps; i++) {
        try (PointerScope step = new PointerScope()) {
          long t = System.nanoTime();
          mm(a, b);
          double sec = (System.nanoTime() - t) / 1e9;
          if (i >= 0) r[i] = 2.0 * n * n * n / sec / 1e9;
        }
      }
      return Stats.max(r);
    }
  }
}
