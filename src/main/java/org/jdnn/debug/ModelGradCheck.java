package org.jdnn.debug;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.jdnn.io.LayerRegistry;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Gradient checking of a whole model: compares the gradient backward computes for each parameter
 * with central finite differences of the loss, (L(w + h) - L(w - h)) / 2h, on a float64 copy of
 * the model on the CPU (in float32 the differences themselves are too noisy to judge). A sample of
 * each parameter's elements is checked (all of a small one); the report gives each parameter's
 * worst relative error |analytic - numeric| / max(|analytic|, |numeric|, floor), where the floor
 * (default 1e-6) keeps the rounding noise of a derivative that is 0 from counting as a large
 * relative error. The model itself is not changed.
 *
 * <p>The copy is built from the model's architecture ({@code LayerRegistry}); a model with a layer
 * type of its own needs {@link #architecture(Supplier)}, a way to build a fresh model of the same
 * structure, into which the model's values are copied. The copy runs in the model's modes (batch
 * norm in training mode uses the batch's statistics, a smooth function of the parameters);
 * dropout in training mode draws a new mask per pass, so the check refuses it: call
 * {@code model.eval()} first. A ReLU or max pool whose input lies within h of its kink gives a
 * finite difference across the kink; such an element shows as a large error on a correct model,
 * rarely, and a second seed tells it from a bug.
 *
 * <pre>{@code
 * ModelGradReport r = new ModelGradCheck(new CrossEntropyLoss()).check(model, x, labels);
 * System.out.println(r);
 * r.requirePassed(1e-5);
 * }</pre>
 */
public final class ModelGradCheck {
  private final Loss loss;
  private Supplier<? extends Layer> architecture;
  private int samples = 20;
  private double h = 1e-6;
  private double floor = 1e-6;
  private long seed = 0;

  /**
   * A check of gradients of {@code loss} at the model's output.
   *
   * @param loss the loss, which must return a single value (a reduced loss)
   * @throws IllegalArgumentException when {@code loss} is null
   */
  public ModelGradCheck(Loss loss) {
    if (loss == null) throw new IllegalArgumentException("ModelGradCheck: the loss must not be null");
    this.loss = loss;
  }

  /**
   * Builds the float64 copy with {@code fresh} instead of from the registered layer types.
   *
   * @param fresh makes a new model of the checked model's structure (same parameter and buffer names
   *     and shapes); its values are overwritten
   * @return this check
   */
  public ModelGradCheck architecture(Supplier<? extends Layer> fresh) {
    architecture = fresh;
    return this;
  }

  /**
   * Sets how many elements of each parameter are checked (default 20; all of a smaller one).
   *
   * @param n at least 1
   * @return this check
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public ModelGradCheck samplesPerParameter(int n) {
    if (n < 1) throw new IllegalArgumentException("ModelGradCheck.samplesPerParameter: need at least 1, got " + n);
    samples = n;
    return this;
  }

  /**
   * Sets the finite-difference step (default 1e-6) and the relative error's floor (default 1e-6).
   *
   * @param step h, above 0
   * @param errorFloor the smallest denominator of the relative error, above 0
   * @return this check
   * @throws IllegalArgumentException when either is not a positive finite number
   */
  public ModelGradCheck step(double step, double errorFloor) {
    if (!(step > 0) || !(errorFloor > 0) || !Double.isFinite(step) || !Double.isFinite(errorFloor)) {
      throw new IllegalArgumentException("ModelGradCheck.step: need a positive finite step and floor, got " + step + ", "
          + errorFloor);
    }
    h = step;
    floor = errorFloor;
    return this;
  }

  /**
   * Sets the seed choosing the sampled elements (default 0).
   *
   * @param value the seed
   * @return this check
   */
  public ModelGradCheck seed(long value) {
    seed = value;
    return this;
  }

  /**
   * Checks every parameter of {@code model} at its current values.
   *
   * @param model the model (any device and dtype); not changed
   * @param inputs a small batch of inputs (on any device)
   * @param targets its targets; floating targets are compared in float64, class labels as they are
   * @return each parameter's worst relative error
   * @throws IllegalArgumentException when a Dropout is in training mode, the model cannot be copied
   *     (a layer without a registered type and no {@link #architecture}), the copy's parameters do
   *     not match the model's, the model has no parameters, or the loss is not a single value
   */
  public ModelGradReport check(Layer model, Tensor inputs, Tensor targets) {
    if (model == null || inputs == null || targets == null) {
      throw new IllegalArgumentException("ModelGradCheck.check: model, inputs and targets must not be null");
    }
    refuseTrainingDropout(model);
    if (model.namedParameters().isEmpty()) throw new IllegalArgumentException("ModelGradCheck.check: the model has no parameters");
    try (Layer copy = float64Copy(model); TensorScope s = new TensorScope()) {
      Tensor x = inputs.to(Device.cpu());
      if (x.dtype().isFloatingPoint()) x = x.to(DType.FLOAT64);
      Tensor y = targets.to(Device.cpu());
      if (y.dtype().isFloatingPoint()) y = y.to(DType.FLOAT64);
      Tensor fx = x.detach();
      Tensor fy = y.detach();
      Map<String, Tensor> params = copy.namedParameters();
      for (Tensor p : params.values()) p.clearGrad();
      try (TensorScope pass = new TensorScope(); GradMode.Guard g = GradMode.enable()) {
        scalarLoss(copy, fx, fy).backward();
      }
      List<ParamGradError> out = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(seed);
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor p = e.getValue();
        double[] analytic = p.grad() == null ? new double[(int) p.numel()] : p.grad().toDoubleArray();
        p.clearGrad();
        out.add(checkParameter(e.getKey(), p, analytic, copy, fx, fy, random));
      }
      return new ModelGradReport(out);
    }
  }

  private ParamGradError checkParameter(String name, Tensor p, double[] analytic, Layer copy, Tensor x, Tensor y,
      SplittableRandom random) {
    double[] values = p.toDoubleArray();
    int[] picked = sample(values.length, samples, random);
    double worst = -1, worstA = 0, worstN = 0;
    long worstAt = 0;
    for (int j : picked) {
      double original = values[j];
      values[j] = original + h;
      p.write(values);
      double plus = value(copy, x, y);
      values[j] = original - h;
      p.write(values);
      double minus = value(copy, x, y);
      values[j] = original;
      p.write(values);
      double numeric = (plus - minus) / (2 * h);
      double err = Math.abs(analytic[j] - numeric) / Math.max(floor, Math.max(Math.abs(analytic[j]), Math.abs(numeric)));
      if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
      if (err > worst) {
        worst = err;
        worstA = analytic[j];
        worstN = numeric;
        worstAt = j;
      }
    }
    return new ParamGradError(name, p.shape(), picked.length, worstAt, worstA, worstN, worst);
  }

  // k distinct indices of [0, n), all of them when n <= k, in increasing order.
  private static int[] sample(int n, int k, SplittableRandom random) {
    if (n <= k) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) all[i] = i;
      return all;
    }
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 0; i < k; i++) {  // a partial Fisher-Yates shuffle
      int j = i + random.nextInt(n - i);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    int[] out = Arrays.copyOf(idx, k);
    Arrays.sort(out);
    return out;
  }

  private double value(Layer copy, Tensor x, Tensor y) {
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      return scalarLoss(copy, x, y).item();
    }
  }

  private Tensor scalarLoss(Layer copy, Tensor x, Tensor y) {
    Tensor out = copy.call(x);
    if (out.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException("ModelGradCheck: the float64 copy's output is " + out.describe() + "; every layer must "
          + "compute in its parameters' dtype");
    }
    Tensor l = loss.compute(out, y);
    if (l.numel() != 1) {
      throw new IllegalArgumentException("ModelGradCheck: the loss must be a single value, got " + l.describe()
          + "; use a reducing loss (mean or sum)");
    }
    return l;
  }

  private static void refuseTrainingDropout(Layer model) {
    for (Map.Entry<String, Layer> e : LayerTree.descendants(model).entrySet()) {
      if (e.getValue() instanceof Dropout d && d.isTraining()) {
        throw new IllegalArgumentException("ModelGradCheck: " + d.describe() + " at '" + e.getKey() + "' is in training mode, "
            + "so every pass draws a new mask and the finite differences measure the masks; call model.eval() first");
      }
    }
  }

  private Layer float64Copy(Layer model) {
    Layer copy;
    if (architecture != null) {
      Generator global = Generator.global();  // the supplier's initializers must not move the user's stream
      long seed = global.seed(), offset = global.offset();
      try {
        copy = architecture.get();
      } finally {
        global.reset(seed);
        global.setOffset(offset);
      }
      if (copy == null) throw new IllegalArgumentException("ModelGradCheck: the architecture supplier returned null");
    } else if (LayerRegistry.canDescribe(model)) {
      copy = LayerRegistry.build(LayerRegistry.describe(model), (name, shape) -> {});
    } else {
      throw new IllegalArgumentException("ModelGradCheck: the model has a layer without a registered type, so it cannot be "
          + "copied from its architecture; give one with architecture(() -> new YourModel(...))");
    }
    try {
      copy.to(Device.cpu()).to(DType.FLOAT64);
      copyValues(model.namedParameters(), copy.namedParameters(), "parameter");
      copyValues(model.namedBuffers(), copy.namedBuffers(), "buffer");
      copy.train(model.isTraining());
      Map<String, Layer> from = LayerTree.descendants(model), to = LayerTree.descendants(copy);
      for (Map.Entry<String, Layer> e : from.entrySet()) {
        Layer twin = to.get(e.getKey());
        if (twin != null && twin.children().isEmpty()) twin.train(e.getValue().isTraining());
      }
      return copy;
    } catch (RuntimeException ex) {
      copy.close();
      throw ex;
    }
  }

  private static void copyValues(Map<String, Tensor> from, Map<String, Tensor> to, String what) {
    if (!from.keySet().equals(to.keySet())) {
      throw new IllegalArgumentException("ModelGradCheck: the copy's " + what + "s " + to.keySet() + " differ from the model's "
          + from.keySet() + "; the architecture must build the same structure");
    }
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      for (Map.Entry<String, Tensor> e : from.entrySet()) {
        Tensor src = e.getValue(), dst = to.get(e.getKey());
        if (!Arrays.equals(src.shape(), dst.shape())) {
          throw new IllegalArgumentException("ModelGradCheck: " + what + " '" + e.getKey() + "' is " + src.describe()
              + " in the model but " + dst.describe() + " in the copy; the architecture must build the same shapes");
        }
        Tensor host = src.to(Device.cpu());
        dst.copyFrom(host.dtype() == dst.dtype() ? host : host.to(dst.dtype()));
      }
    }
  }
}
