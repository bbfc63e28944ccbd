package org.jdnn.golden;

import static org.bytedeco.pytorch.global.torch.cross_entropy;
import static org.bytedeco.pytorch.global.torch.get_num_threads;
import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.set_num_threads;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jdnn.golden.GoldenModels.Net;

/**
 * Writes the golden state that org.jdnn.golden.GoldenStateTest compares jdnn with: W1's and W2's
 * initial weights as libtorch draws them, one batch and its labels, each model's logits, loss and
 * parameter gradients for that batch, and each model's parameters (and batch-norm statistics)
 * after 3 steps of SGD with momentum, of Adam and of AdamW, each run from the initial weights.
 * Everything is float32 except the labels and batch-norm step counters (int64). Usage: one
 * argument, the output path (the pom passes src/test/resources/golden/w1w2-libtorch.safetensors).
 *
 * <p>Tensor names: {@code input}, {@code labels}; per model m in {w1, w2}: {@code m.init.NAME}
 * (parameters and buffers), {@code m.logits}, {@code m.loss}, {@code m.grad.NAME} (parameters),
 * {@code m.OPT.NAME} (parameters and buffers after the steps) and {@code m.losses.OPT} (the loss
 * of each step, before its update) for OPT in sgd, adam, adamw. NAME is the jdnn/PyTorch
 * Sequential name ("0.weight", "1.running_var").
 */
public final class GoldenState {
  static final long SEED = 20261203L;
  static final int BATCH = 8;
  static final int STEPS = 3;
  static final long MAX_BYTES = 2L << 20;

  private GoldenState() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: GoldenState OUTPUT.safetensors");
    Path out = Path.of(args[0]);
    // one thread: libtorch's CPU reductions then run in one fixed order, so the file is reproducible
    set_num_threads(1);
    SafeTensorsOut file = new SafeTensorsOut();

    manual_seed(SEED);
    Net w1 = new GoldenModels.W1();
    Net w2 = new GoldenModels.W2();
    Tensor input = randn(BATCH, 1, 28, 28);
    Tensor labels = randint(10, new long[] {BATCH});
    if (!is(labels, ScalarType.Long)) throw new IllegalStateException("labels are " + labels.scalar_type());
    file.f32("input", floats(input), BATCH, 1, 28, 28);
    file.i64("labels", longs(labels), BATCH);

    Map<String, String> settings = new LinkedHashMap<>();
    record("w1", w1, input, labels, file, settings);
    record("w2", w2, input, labels, file, settings);

    file.meta("format", "jdnn golden state 1: see tools/golden-state/README.md");
    file.meta("written_by", "tools/golden-state (org.jdnn.golden.GoldenState)");
    file.meta("libtorch", "org.bytedeco:pytorch " + Tensor.class.getPackage().getImplementationVersion()
        + " (CPU), JavaCPP " + org.bytedeco.javacpp.Loader.getVersion() + ", torch threads " + get_num_threads());
    file.meta("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
    file.meta("date", LocalDate.now(ZoneOffset.UTC).toString());
    file.meta("seed", "torch::manual_seed(" + SEED + "), then in order: W1 init, W2 init, input = randn(" + BATCH
        + ", 1, 28, 28), labels = randint(10, {" + BATCH + "})");
    file.meta("w1", new GoldenModels.W1().describe());
    file.meta("w2", new GoldenModels.W2().describe());
    file.meta("loss", "cross_entropy(logits, labels), mean over the batch");
    file.meta("mode", "training mode for every layer but W2's dropout (identity): batch norm normalizes with batch statistics "
        + "(biased variance) and updates running statistics with momentum 0.1 and the unbiased variance");
    file.meta("steps", STEPS + " per optimizer, each from the init weights and buffers, the same batch every step; "
        + "a step is zero_grad, forward, loss, backward, optimizer step");
    settings.forEach(file::meta);

    long bytes = file.dataBytes();
    if (bytes > MAX_BYTES) throw new IllegalStateException("tensor data " + bytes + " bytes exceeds " + MAX_BYTES);
    file.write(out);
    System.out.println("wrote " + out.toAbsolutePath().normalize() + ": " + bytes + " bytes of tensors");
  }

  /** Logits, loss and gradients from the initial weights, then the three optimizers' runs. */
  private static void record(String m, Net model, Tensor input, Tensor labels, SafeTensorsOut file,
      Map<String, String> settings) {
    Map<String, Tensor> init = new LinkedHashMap<>();
    state(model).forEach((k, v) -> init.put(k, v.detach().clone()));
    init.forEach((k, v) -> put(file, m + ".init." + k, v));

    model.train(true);
    Tensor logits = model.forward(input);
    Tensor loss = cross_entropy(logits, labels);
    loss.backward();
    put(file, m + ".logits", logits);
    file.f32(m + ".loss", new float[] {loss.item_float()});
    StringTensorDict params = model.named_parameters();
    for (int i = 0; i < params.size(); i++) {
      put(file, m + ".grad." + params.get(i).key().getString(), params.get(i).value().grad());
    }

    for (String opt : new String[] {"sgd", "adam", "adamw"}) {
      restore(model, init);
      Optimizer o = optimizer(opt, model, settings);
      float[] losses = new float[STEPS];
      for (int s = 0; s < STEPS; s++) {
        o.zero_grad();
        Tensor l = cross_entropy(model.forward(input), labels);
        l.backward();
        o.step();
        losses[s] = l.item_float();
      }
      state(model).forEach((k, v) -> put(file, m + "." + opt + "." + k, v));
      file.f32(m + ".losses." + opt, losses, STEPS);
      o.close();
    }
  }

  /** The optimizer named {@code opt}, its settings read back from libtorch's options into {@code settings}. */
  private static Optimizer optimizer(String opt, Net model, Map<String, String> settings) {
    switch (opt) {
      case "sgd": {
        SGDOptions o = new SGDOptions(0.05);
        o.momentum().put(0.9);
        o.dampening().put(0.0);
        o.weight_decay().put(0.0);
        o.nesterov().put(false);
        settings.put("sgd", "lr=" + o.get_lr() + ",momentum=" + o.momentum().get() + ",dampening=" + o.dampening().get()
            + ",weight_decay=" + o.weight_decay().get() + ",nesterov=" + o.nesterov().get());
        return new SGD(model.parameters(), o);
      }
      case "adam": {
        AdamOptions o = new AdamOptions(1e-3);
        o.weight_decay().put(0.0);
        settings.put("adam", adamSettings(o.get_lr(), o.betas(), o.eps().get(), o.weight_decay().get(), o.amsgrad().get()));
        return new Adam(model.parameters(), o);
      }
      case "adamw": {
        AdamWOptions o = new AdamWOptions(1e-3);
        // 0.5 rather than the default 0.01: 3 steps of decoupled decay then move weights by 1.5e-3 of
        // their value, well above the test's float32 tolerance, so a missing or coupled decay shows
        o.weight_decay().put(0.5);
        settings.put("adamw", adamSettings(o.get_lr(), o.betas(), o.eps().get(), o.weight_decay().get(), o.amsgrad().get()));
        return new AdamW(model.parameters(), o);
      }
      default:
        throw new IllegalArgumentException(opt);
    }
  }

  /**
   * {@code betas} points at the options' std::tuple of (beta1, beta2); libstdc++ lays a tuple out
   * last element first, so beta2 is at index 0 (read naively, the defaults 0.9, 0.999 show swapped).
   */
  private static String adamSettings(double lr, org.bytedeco.javacpp.DoublePointer betas, double eps, double wd,
      boolean amsgrad) {
    return "lr=" + lr + ",beta1=" + betas.get(1) + ",beta2=" + betas.get(0) + ",eps=" + eps + ",weight_decay=" + wd
        + ",amsgrad=" + amsgrad;
  }

  /** Parameters then buffers, by name (jdnn's StateDicts.of order). */
  private static Map<String, Tensor> state(Net model) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (StringTensorDict d : new StringTensorDict[] {model.named_parameters(), model.named_buffers()}) {
      for (int i = 0; i < d.size(); i++) out.put(d.get(i).key().getString(), d.get(i).value());
    }
    return out;
  }

  /** Copies the initial parameters and buffers back in place (the optimizer then sees the model's own tensors). */
  private static void restore(Net model, Map<String, Tensor> init) {
    try (NoGradGuard g = new NoGradGuard()) {
      state(model).forEach((k, v) -> v.copy_(init.get(k)));
    }
    model.zero_grad(true);  // gradients to none, as torch does by default
  }

  private static void put(SafeTensorsOut file, String name, Tensor t) {
    long[] shape = t.sizes().vec().get();
    if (is(t, ScalarType.Long)) file.i64(name, longs(t), shape);
    else if (is(t, ScalarType.Float)) file.f32(name, floats(t), shape);
    else throw new IllegalStateException(name + ": unexpected dtype " + t.scalar_type());
  }

  /** By code: the enum object JavaCPP returns is not the constant itself (intern() maps it back). */
  private static boolean is(Tensor t, ScalarType type) {
    return t.scalar_type().value == type.value;
  }

  private static float[] floats(Tensor t) {
    Tensor c = t.detach().contiguous();
    float[] a = new float[Math.toIntExact(c.numel())];
    FloatPointer p = c.data_ptr_float();
    p.get(a);
    return a;
  }

  private static long[] longs(Tensor t) {
    Tensor c = t.detach().contiguous();
    long[] a = new long[Math.toIntExact(c.numel())];
    LongPointer p = c.data_ptr_long();
    p.get(a);
    return a;
  }
}
