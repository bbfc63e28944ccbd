package org.jdnn.debug;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.plot.LinePanels;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.Callback;
import org.jdnn.train.Trainer;

/**
 * Watches each parameter's (or, with {@link #perLayer}, each layer's) gradient norm ||g|| and
 * update-to-weight ratio ||w_after - w_before|| / ||w_before|| step by step: vanishing gradients
 * show as norms falling layer after layer towards the input, exploding ones as norms growing, and
 * a ratio far from about 1e-3 as a learning rate too high (ratios near 1e-1) or too low (1e-5 and
 * below).
 *
 * <p>A gradient hook on each parameter ({@link Tensor#registerPostAccumulateGradHook}) copies the
 * weight and takes the norm of the gradient backward produced, before the optimizer steps (before
 * any clipping; with a GradScaler, the scaled gradient). After the step, {@link #record} compares
 * the weights with that copy, in float64. Parameters that received no gradient in the step are
 * recorded as NaN. It reads each value back from the device at every record, so it slows a GPU
 * step: a tool for looking, not for every run.
 *
 * <p>As a {@link Callback} it attaches at the start of {@link Trainer#fit}, records at every read
 * of the loss ({@code onBatchEnd}: every step by default; the last of each window with
 * {@code logEvery(n)}), and detaches at the end, writing its PNG when {@link #savePngAtEnd} asked.
 * With a hand-written loop: {@link #attach}, {@link #record} after each {@code optimizer.step()},
 * and {@link #close()}.
 *
 * <pre>{@code
 * GradientMonitor grads = new GradientMonitor().printEvery(100, System.out)
 *     .savePngAtEnd(Path.of("gradients.png"), 1200, 500);
 * trainer.callbacks(grads).fit(train, validation);
 * double[] firstWeight = grads.gradientNorms("0.weight");
 * }</pre>
 */
public final class GradientMonitor implements Callback, AutoCloseable {
  private final List<String> keys = new ArrayList<>();  // per parameter: its series' name
  private final List<Tensor> params = new ArrayList<>();
  private final List<AutoCloseable> hooks = new ArrayList<>();
  private Tensor[] before;     // each parameter's value at its last backward, owned
  private Tensor[] gradSquare; // the sum of squares of that gradient, float64, owned; null until the hook runs
  private final List<Long> steps = new ArrayList<>();
  private final Map<String, List<Double>> norms = new LinkedHashMap<>();
  private final Map<String, List<Double>> ratios = new LinkedHashMap<>();
  private boolean byLayer;
  private int printEvery;
  private PrintStream printTo;
  private Path png;
  private int pngWidth;
  private int pngHeight;

  /**
   * Records one series per layer instead of per parameter: a layer's gradient norm is that of all
   * its parameters' gradients together, sqrt(sum ||g_p||^2), and its ratio
   * sqrt(sum ||update_p||^2) / sqrt(sum ||w_p||^2). Set it before attaching.
   *
   * @param on true for one series per layer, named as the layer ("0", "block.2"; "(model)" for
   *     parameters of the model itself); false (the default) for one per parameter ("0.weight")
   * @return this monitor
   * @throws IllegalStateException when already attached
   */
  public GradientMonitor perLayer(boolean on) {
    if (!params.isEmpty()) throw new IllegalStateException("GradientMonitor.perLayer: set it before attaching");
    byLayer = on;
    return this;
  }

  private static String layerOf(String parameter) {
    int dot = parameter.lastIndexOf('.');
    return dot < 0 ? "(model)" : parameter.substring(0, dot);
  }

  /**
   * Prints one line with every parameter's values every {@code n}-th record.
   *
   * @param n at least 1
   * @param out where to print
   * @return this monitor
   * @throws IllegalArgumentException when {@code n} &lt; 1 or {@code out} is null
   */
  public GradientMonitor printEvery(int n, PrintStream out) {
    if (n < 1 || out == null) throw new IllegalArgumentException("GradientMonitor.printEvery: need n >= 1 and a stream, got " + n);
    printEvery = n;
    printTo = out;
    return this;
  }

  /**
   * Writes {@link #savePng} to {@code file} when a fit ends.
   *
   * @param file the PNG to create or replace
   * @param width at least 200
   * @param height at least 150
   * @return this monitor
   * @throws IllegalArgumentException when the file is null or the size too small
   */
  public GradientMonitor savePngAtEnd(Path file, int width, int height) {
    if (file == null || width < 200 || height < 150) {
      throw new IllegalArgumentException("GradientMonitor.savePngAtEnd: need a file and at least 200x150, got " + file + ", "
          + width + "x" + height);
    }
    png = file;
    pngWidth = width;
    pngHeight = height;
    return this;
  }

  /**
   * Puts a gradient hook on every parameter of {@code model} that requires a gradient.
   *
   * @param model the model being trained
   * @return this monitor
   * @throws IllegalStateException when it is already attached
   */
  public GradientMonitor attach(Layer model) {
    if (!params.isEmpty()) throw new IllegalStateException("GradientMonitor.attach: already attached; close it first");
    for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
      if (!e.getValue().requiresGrad()) continue;  // frozen: no gradient, no update
      String key = byLayer ? layerOf(e.getKey()) : e.getKey();
      keys.add(key);
      params.add(e.getValue());
      norms.computeIfAbsent(key, k -> new ArrayList<>());
      ratios.computeIfAbsent(key, k -> new ArrayList<>());
    }
    before = new Tensor[params.size()];
    gradSquare = new Tensor[params.size()];
    for (int i = 0; i < params.size(); i++) {
      int index = i;
      hooks.add(params.get(i).registerPostAccumulateGradHook(p -> sawGradient(index, p)));
    }
    return this;
  }

  // During backward, before the optimizer's step: keep the weight and the gradient's size.
  private void sawGradient(int i, Tensor p) {
    try (GradMode.Guard g = GradMode.disable()) {
      if (before[i] == null) before[i] = Tensor.empty(p.dtype(), p.device(), p.shape()).keep();
      before[i].copyFrom(p);
      if (gradSquare[i] != null) gradSquare[i].close();
      try (TensorScope s = new TensorScope()) {
        gradSquare[i] = s.keep(p.grad().to(DType.FLOAT64).square().sum());
      }
    }
  }

  /**
   * Records the last step's values; call it after the optimizer's step.
   *
   * @param step the step's number, for the x axis
   * @throws IllegalStateException when not attached, or when no parameter received a gradient since
   *     the last record (a step replayed from a CUDA graph runs no hook)
   */
  public void record(long step) {
    if (params.isEmpty()) throw new IllegalStateException("GradientMonitor.record: not attached; call attach(model) first");
    boolean any = false;
    for (Tensor t : gradSquare) any |= t != null;
    if (!any) {
      throw new IllegalStateException("GradientMonitor.record: no parameter received a gradient since the last record; call"
          + " it after backward and the optimizer's step (a step replayed by Trainer.cudaGraphs runs no hooks: train"
          + " without cudaGraphs while monitoring)");
    }
    // Per parameter: squared norms of the gradient, the update and the weight before it (NaN: no gradient).
    double[] g2 = new double[params.size()], u2 = new double[params.size()], w2 = new double[params.size()];
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      for (int i = 0; i < params.size(); i++) {
        if (gradSquare[i] == null) {
          g2[i] = u2[i] = w2[i] = Double.NaN;
          continue;
        }
        g2[i] = gradSquare[i].item();
        gradSquare[i].close();
        gradSquare[i] = null;
        Tensor w0 = before[i].to(DType.FLOAT64);
        u2[i] = params.get(i).to(DType.FLOAT64).sub(w0).square().sum().item();
        w2[i] = w0.square().sum().item();
      }
    }
    StringBuilder line = printEvery > 0 && steps.size() % printEvery == 0 ? new StringBuilder("step " + step + ":") : null;
    for (String key : norms.keySet()) {
      // a layer's norms are those of its parameters taken together, over those that had a gradient
      double g = 0, u = 0, w = 0;
      boolean seen = false;
      for (int i = 0; i < params.size(); i++) {
        if (!keys.get(i).equals(key) || Double.isNaN(g2[i])) continue;
        seen = true;
        g += g2[i];
        u += u2[i];
        w += w2[i];
      }
      double norm = seen ? Math.sqrt(g) : Double.NaN, ratio = seen ? Math.sqrt(u) / Math.sqrt(w) : Double.NaN;
      norms.get(key).add(norm);
      ratios.get(key).add(ratio);
      if (line != null) line.append(String.format(Locale.ROOT, "  %s |g| %.3g upd/w %.3g", key, norm, ratio));
    }
    steps.add(step);
    if (line != null) printTo.println(line);
  }

  /**
   * The recorded steps' numbers.
   *
   * @return a copy, in recording order
   */
  public long[] steps() {
    return steps.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * The names of the recorded series: the parameters' dotted names, or the layers' with
   * {@link #perLayer}.
   *
   * @return a copy, in {@code namedParameters()} order
   */
  public List<String> seriesNames() {
    return List.copyOf(norms.keySet());
  }

  /**
   * One series' gradient norm at each recorded step.
   *
   * @param name the parameter's (or, with {@link #perLayer}, the layer's) dotted name
   * @return a copy, one value per {@link #steps()} entry (NaN where it had no gradient)
   * @throws IllegalArgumentException when no series has that name
   */
  public double[] gradientNorms(String name) {
    return values(norms, name);
  }

  /**
   * One series' update-to-weight ratio at each recorded step.
   *
   * @param name the parameter's (or, with {@link #perLayer}, the layer's) dotted name
   * @return a copy, one value per {@link #steps()} entry (NaN where it had no gradient or
   *     neither the weight nor the update had a non-zero element; infinite when only the weight was 0)
   * @throws IllegalArgumentException when no series has that name
   */
  public double[] updateRatios(String name) {
    return values(ratios, name);
  }

  private static double[] values(Map<String, List<Double>> m, String name) {
    List<Double> v = m.get(name);
    if (v == null) throw new IllegalArgumentException("GradientMonitor: no series named '" + name + "'; recorded: " + m.keySet());
    return v.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * Draws the gradient norms (left) and the update-to-weight ratios (right) against the step, one
   * line per series, both on logarithmic axes, and writes the PNG atomically.
   *
   * @param file the PNG to create or replace
   * @param width at least 200
   * @param height at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when nothing drawable was recorded or the size is too small
   */
  public void savePng(Path file, int width, int height) throws IOException {
    double[] x = steps.stream().mapToDouble(Long::doubleValue).toArray();
    List<LinePanels.Series> n = new ArrayList<>(), r = new ArrayList<>();
    for (String name : norms.keySet()) {
      n.add(new LinePanels.Series(name, x, gradientNorms(name)));
      r.add(new LinePanels.Series(name, x, updateRatios(name)));
    }
    String per = byLayer ? "layer" : "parameter";
    LinePanels.save(List.of(
        new LinePanels.Panel("Gradient norm per " + per, "step", "||grad|| (log scale)", false, true, n, Double.NaN, ""),
        new LinePanels.Panel("Update / weight per " + per, "step", "||update|| / ||w|| (log scale)", false, true, r, Double.NaN, "")),
        file, width, height);
  }

  /** Removes the hooks and frees the copies; the recorded values stay readable. */
  @Override
  public void close() {
    for (AutoCloseable h : hooks) {
      try {
        h.close();
      } catch (Exception e) {
        throw new IllegalStateException("GradientMonitor.close: removing a gradient hook failed", e);
      }
    }
    hooks.clear();
    params.clear();
    keys.clear();
    if (before != null) for (Tensor t : before) if (t != null) t.close();
    if (gradSquare != null) for (Tensor t : gradSquare) if (t != null) t.close();
    before = null;
    gradSquare = null;
  }

  @Override
  public void onTrainBegin(Trainer trainer) {
    attach(trainer.model());
  }

  @Override
  public void onBatchEnd(Trainer trainer, int epoch, int batch, int batches, int samples, double loss) {
    record((long) epoch * batches + batch);
  }

  @Override
  public void onTrainEnd(Trainer trainer) {
    close();
    if (png != null && !steps.isEmpty()) {
      try {
        savePng(png, pngWidth, pngHeight);
      } catch (IOException e) {
        throw new UncheckedIOException("GradientMonitor: writing " + png + " failed", e);
      }
    }
  }
}
