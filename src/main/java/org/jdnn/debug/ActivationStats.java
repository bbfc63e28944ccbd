package org.jdnn.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.HookHandle;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Per-layer statistics of a model's activations: mean, standard deviation, the fraction of exact
 * zeros and the fraction of dead units (0 for every sample), to see whether hidden units saturate,
 * shrink towards 0 layer after layer, or die (a ReLU layer whose units never fire).
 *
 * <p>It puts a forward hook ({@link Layer#registerForwardHook}) on every layer of the model and
 * adds up each output it sees, in float64 on the host (each output is copied there once, so this
 * is a debugging tool, not something to leave on during fast training). Statistics accumulate over
 * every pass until {@link #reset()}; {@link #close()} removes the hooks. The model runs in the mode
 * it is in: for inference-time statistics call {@code model.eval()} first (dropout adds zeros in
 * training mode).
 *
 * <pre>{@code
 * for (LayerActivations a : ActivationStats.of(model, batch)) System.out.println(a);
 * // or, during training:
 * try (ActivationStats stats = ActivationStats.attach(model)) {
 *   trainer.fit(train, null);
 *   stats.layers().forEach(System.out::println);
 * }
 * }</pre>
 */
public final class ActivationStats implements AutoCloseable {
  private final List<HookHandle> handles = new ArrayList<>();
  // By layer name, in the order the layers first ran.
  private final Map<String, Accumulator> seen = new LinkedHashMap<>();

  private ActivationStats() {}

  /**
   * Starts recording the outputs of every layer of {@code model} (every descendant; the model
   * itself when it has no children).
   *
   * @param model the model
   * @return the recorder; close it to remove its hooks
   * @throws IllegalArgumentException when {@code model} is null
   */
  public static ActivationStats attach(Layer model) {
    if (model == null) throw new IllegalArgumentException("ActivationStats.attach: the model must not be null");
    ActivationStats stats = new ActivationStats();
    for (Map.Entry<String, Layer> e : LayerTree.descendants(model).entrySet()) {
      String name = e.getKey();
      stats.handles.add(e.getValue().registerForwardHook((layer, in, out) -> {
        stats.record(name, layer, out);
        return null;
      }));
    }
    return stats;
  }

  /**
   * The statistics of one forward pass of {@code batch} through {@code model}, without gradients,
   * in the model's current mode; no hook stays behind.
   *
   * @param model the model
   * @param batch a batch of inputs on the model's device
   * @return one entry per layer that ran, in the order they first ran
   * @throws IllegalArgumentException when {@code model} is null or the batch does not fit it
   */
  public static List<LayerActivations> of(Layer model, Tensor batch) {
    try (ActivationStats stats = attach(model); TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      model.call(batch);
      return stats.layers();
    }
  }

  /**
   * The statistics so far.
   *
   * @return one entry per layer that has run since the start or the last {@link #reset()}, in the
   *     order they first ran
   */
  public synchronized List<LayerActivations> layers() {
    List<LayerActivations> out = new ArrayList<>();
    for (Map.Entry<String, Accumulator> e : seen.entrySet()) out.add(e.getValue().result(e.getKey()));
    return out;
  }

  /** Forgets what was recorded; the hooks stay. */
  public synchronized void reset() {
    seen.clear();
  }

  /** Removes the hooks; the statistics recorded stay readable. */
  @Override
  public void close() {
    for (HookHandle h : handles) h.remove();
    handles.clear();
  }

  private synchronized void record(String name, Layer layer, Tensor out) {
    if (!out.dtype().isFloatingPoint() || out.numel() == 0) return;
    double[] v;
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      v = out.detach().to(Device.cpu()).to(DType.FLOAT64).toDoubleArray();
    }
    int perSample = out.rank() == 0 ? 1 : Math.toIntExact(out.numel() / out.dim(0));
    seen.computeIfAbsent(name, k -> new Accumulator(layer.describe())).add(v, perSample);
  }

  /** Count, mean and sum of squared deviations merged pass by pass (Chan et al.), zeros and live units. */
  private static final class Accumulator {
    final String layer;
    long count;
    double mean;
    double m2;
    long zeros;
    boolean[] live;  // per unit: non-zero in some sample; null once the per-sample size changed
    boolean unitsKnown = true;

    Accumulator(String layer) {
      this.layer = layer;
    }

    void add(double[] v, int perSample) {
      double sum = 0;
      for (double x : v) sum += x;
      double m = sum / v.length;
      double d2 = 0;
      long z = 0;
      for (double x : v) {
        d2 += (x - m) * (x - m);
        if (x == 0) z++;
      }
      long n = count + v.length;
      double delta = m - mean;
      m2 += d2 + delta * delta * ((double) count * v.length / n);
      mean += delta * v.length / n;
      count = n;
      zeros += z;
      if (!unitsKnown) return;
      if (live == null && count == v.length) live = new boolean[perSample];
      if (live == null || live.length != perSample) {
        unitsKnown = false;
        live = null;
        return;
      }
      for (int i = 0; i < v.length; i++) if (v[i] != 0) live[i % perSample] = true;
    }

    LayerActivations result(String name) {
      double dead = Double.NaN;
      if (unitsKnown && live != null) {
        int d = 0;
        for (boolean l : live) if (!l) d++;
        dead = (double) d / live.length;
      }
      double std = count > 1 ? Math.sqrt(m2 / (count - 1)) : Double.NaN;
      return new LayerActivations(name, layer, count, mean, std, (double) zeros / count, dead);
    }
  }
}
