package org.jdnn.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.Add;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.BatchNorm;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.GlobalAvgPool2d;
import org.jdnn.nn.Identity;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Pool2dGeometry;

/** jdnn's own layer types in the architecture registry: one entry per layer class. */
final class StandardLayers {
  /** Largest kernel, stride, dilation or padding a file may declare. */
  static final int MAX_WINDOW = 1 << 16;
  /** Concatenation dimensions a file may name (tensors have at most 8 dimensions). */
  static final int MAX_RANK = 8;

  private StandardLayers() {}

  static void registerAll() {
    LayerRegistry.register("Sequential", Sequential.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Sequential(children.toArray(new Layer[0])));
    LayerRegistry.register("Residual", Residual.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Residual(only(c, children)));
    LayerRegistry.register("Add", Add.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Add(children.toArray(new Layer[0])));
    LayerRegistry.register("Linear", Linear.class,
        (m, n) -> n.put("in", m.inFeatures()).put("out", m.outFeatures()).put("bias", m.hasBias()),
        c -> {
          long in = c.positiveInt("in", LayerRegistry.MAX_FEATURES);
          long out = c.positiveInt("out", LayerRegistry.MAX_FEATURES);
          return c.bool("bias") ? LayerRegistry.shapes("weight", new long[] {out, in}, "bias", new long[] {out})
              : LayerRegistry.shapes("weight", new long[] {out, in});
        },
        (c, ch, g) -> new Linear(c.positiveInt("in", LayerRegistry.MAX_FEATURES),
            c.positiveInt("out", LayerRegistry.MAX_FEATURES), c.bool("bias"), g));
    LayerRegistry.register("Reshape", Reshape.class, (m, n) -> {
      ArrayNode a = n.putArray("shape");
      for (long d : m.shape()) a.add(d);
    }, c -> Map.of(), (c, ch, g) -> new Reshape(c.shape("shape")));
    LayerRegistry.register("LeakyReLU", LeakyReLU.class, (m, n) -> n.put("negative_slope", m.negativeSlope()),
        c -> Map.of(), (c, ch, g) -> new LeakyReLU(c.finite("negative_slope")));
    LayerRegistry.register("ELU", ELU.class, (m, n) -> n.put("alpha", m.alpha()), c -> Map.of(),
        (c, ch, g) -> new ELU(c.finite("alpha")));
    LayerRegistry.register("Softmax", Softmax.class, (m, n) -> n.put("temperature", m.temperature()), c -> Map.of(),
        (c, ch, g) -> new Softmax(c.finite("temperature")));
    LayerRegistry.register("LogSoftmax", LogSoftmax.class, (m, n) -> n.put("temperature", m.temperature()), c -> Map.of(),
        (c, ch, g) -> new LogSoftmax(c.finite("temperature")));
    registerConvolutions();
    registerPooling();
    LayerRegistry.register("BatchNorm1d", BatchNorm1d.class, StandardLayers::batchNormSettings, StandardLayers::batchNormShapes,
        (c, ch, g) -> new BatchNorm1d(batchNormChannels(c), c.finite("eps"), c.finite("momentum"), c.bool("affine")));
    LayerRegistry.register("BatchNorm2d", BatchNorm2d.class, StandardLayers::batchNormSettings, StandardLayers::batchNormShapes,
        (c, ch, g) -> new BatchNorm2d(batchNormChannels(c), c.finite("eps"), c.finite("momentum"), c.bool("affine")));
    LayerRegistry.register("Dropout", Dropout.class, (m, n) -> n.put("p", m.p()), c -> Map.of(),
        (c, ch, g) -> new Dropout(c.finite("p")));
    LayerRegistry.register("Dropout2d", Dropout2d.class, (m, n) -> n.put("p", m.p()), c -> Map.of(),
        (c, ch, g) -> new Dropout2d(c.finite("p")));
    LayerRegistry.register("Concat", Concat.class, (m, n) -> n.put("dim", m.dim()), c -> Map.of(), (c, children, g) -> {
      if (children.isEmpty()) throw new IllegalArgumentException("architecture: " + c.where() + ": needs at least one branch");
      return new Concat(c.intIn("dim", -MAX_RANK, MAX_RANK - 1), children.toArray(new Layer[0]));
    });
    LayerRegistry.registerSimple("ReLU", ReLU.class, ReLU::new);
    LayerRegistry.registerSimple("Sigmoid", Sigmoid.class, Sigmoid::new);
    LayerRegistry.registerSimple("Tanh", Tanh.class, Tanh::new);
    // Files written before these settings existed hold neither: they meant Softplus(1, 20) and a step that
    // is 0 at x == 0.
    LayerRegistry.register("Softplus", Softplus.class, (m, n) -> n.put("beta", m.beta()).put("threshold", m.threshold()),
        c -> Map.of(), (c, ch, g) -> new Softplus(c.finiteOr("beta", 1.0), c.finiteOr("threshold", 20.0)));
    LayerRegistry.register("Step", Step.class, (m, n) -> n.put("value_at_zero", m.valueAtZero()), c -> Map.of(),
        (c, ch, g) -> new Step(c.finiteOr("value_at_zero", 0.0)));
    LayerRegistry.registerSimple("Identity", Identity.class, Identity::new);
    LayerRegistry.registerSimple("Flatten", Flatten.class, Flatten::new);
    LayerRegistry.registerSimple("GlobalAvgPool2d", GlobalAvgPool2d.class, GlobalAvgPool2d::new);
  }

  /**
   * Conv2d: {"in", "out", "kernel": [kh, kw], "stride": [h, w], "padding": [h, w] or "same", "dilation": [h, w],
   * "groups", "bias"}; Conv1d the same with single numbers along L.
   */
  private static void registerConvolutions() {
    LayerRegistry.register("Conv2d", Conv2d.class, (m, n) -> {
      n.put("in", m.inChannels()).put("out", m.outChannels());
      pair(n, "kernel", m.kernelSize());
      ConvOptions o = m.options();
      pair(n, "stride", o.stride());
      if (o.isSame()) n.put("padding", "same");
      else pair(n, "padding", o.padding());
      pair(n, "dilation", o.dilation());
      n.put("groups", o.groups()).put("bias", o.hasBias());
    }, c -> new ConvSpec(c, true).shapes(), (c, ch, g) -> new ConvSpec(c, true).conv2d(g));
    LayerRegistry.register("Conv1d", Conv1d.class, (m, n) -> {
      ConvOptions o = m.options();
      n.put("in", m.inChannels()).put("out", m.outChannels()).put("kernel", m.kernelSize()).put("stride", o.stride()[1]);
      if (o.isSame()) n.put("padding", "same");
      else n.put("padding", o.padding()[1]);
      n.put("dilation", o.dilation()[1]).put("groups", o.groups()).put("bias", o.hasBias());
    }, c -> new ConvSpec(c, false).shapes(), (c, ch, g) -> new ConvSpec(c, false).conv1d(g));
  }

  /** A convolution's settings read from an untrusted file, checked before anything is allocated. */
  private static final class ConvSpec {
    final int in, out, groups;
    final int[] kernel, stride, padding, dilation;
    final boolean same, bias;
    final boolean twoD;

    ConvSpec(LayerConfig c, boolean twoD) {
      this.twoD = twoD;
      in = c.positiveInt("in", LayerRegistry.MAX_FEATURES);
      out = c.positiveInt("out", LayerRegistry.MAX_FEATURES);
      kernel = axes(c, "kernel", 1);
      stride = axes(c, "stride", 1);
      same = c.isText("padding", "same");
      padding = same ? new int[] {0, 0} : axes(c, "padding", 0);
      dilation = axes(c, "dilation", 1);
      groups = c.positiveInt("groups", LayerRegistry.MAX_FEATURES);
      bias = c.bool("bias");
      // the layer's own check, so a file is refused in the words the constructor would use
      options().geometry("architecture: " + c.where(), in, out, twoD ? kernel[0] : 1, kernel[1]);
    }

    /** {h, w}: a pair for 2-D, one number used for both axes for 1-D (as ConvOptions' one-number setters do). */
    private int[] axes(LayerConfig c, String key, int min) {
      if (twoD) return c.intPair(key, min, MAX_WINDOW);
      int v = c.intIn(key, min, MAX_WINDOW);
      return new int[] {v, v};
    }

    ConvOptions options() {
      ConvOptions o = same ? ConvOptions.same() : ConvOptions.defaults().pad(padding[0], padding[1]);
      return o.stride(stride[0], stride[1]).dilation(dilation[0], dilation[1]).groups(groups).bias(bias);
    }

    Map<String, long[]> shapes() {
      long[] weight = twoD ? new long[] {out, in / groups, kernel[0], kernel[1]} : new long[] {out, in / groups, kernel[1]};
      return bias ? LayerRegistry.shapes("weight", weight, "bias", new long[] {out}) : LayerRegistry.shapes("weight", weight);
    }

    Conv2d conv2d(Generator g) {
      return new Conv2d(in, out, kernel[0], kernel[1], options(), g);
    }

    Conv1d conv1d(Generator g) {
      return new Conv1d(in, out, kernel[1], options(), g);
    }
  }

  /** MaxPool2d and AvgPool2d: {"kernel": [kh, kw], "stride": [h, w], "padding": [h, w]} (+ "count_include_pad"). */
  private static void registerPooling() {
    LayerRegistry.register("MaxPool2d", MaxPool2d.class, (m, n) -> poolSettings(n, m.kernelSize(), m.stride(), m.padding()),
        c -> Map.of(), (c, ch, g) -> {
          Pool2dGeometry w = poolWindow(c);
          return new MaxPool2d(w.kh(), w.kw(), w.strideH(), w.strideW(), w.padH(), w.padW());
        });
    LayerRegistry.register("AvgPool2d", AvgPool2d.class, (m, n) -> {
      poolSettings(n, m.kernelSize(), m.stride(), m.padding());
      n.put("count_include_pad", m.countIncludePad());
    }, c -> Map.of(), (c, ch, g) -> {
      Pool2dGeometry w = poolWindow(c);
      return new AvgPool2d(w.kh(), w.kw(), w.strideH(), w.strideW(), w.padH(), w.padW(), c.bool("count_include_pad"));
    });
  }

  /** The window within the file bounds, checked as the layer checks it (padding against the kernel). */
  private static Pool2dGeometry poolWindow(LayerConfig c) {
    int[] k = c.intPair("kernel", 1, MAX_WINDOW), s = c.intPair("stride", 1, MAX_WINDOW), p = c.intPair("padding", 0, MAX_WINDOW);
    Pool2dGeometry window = new Pool2dGeometry(k[0], k[1], s[0], s[1], p[0], p[1]);
    window.validate("architecture: " + c.where());
    return window;
  }

  private static void poolSettings(ObjectNode n, int[] kernel, int[] stride, int[] padding) {
    pair(n, "kernel", kernel);
    pair(n, "stride", stride);
    pair(n, "padding", padding);
  }

  private static void pair(ObjectNode n, String key, int[] v) {
    n.putArray(key).add(v[0]).add(v[1]);
  }

  /** BatchNorm1d/2d: {"channels", "eps", "momentum", "affine"}; buffers running_mean, running_var, num_batches_tracked. */
  private static void batchNormSettings(BatchNorm m, ObjectNode n) {
    n.put("channels", m.channels()).put("eps", m.eps()).put("momentum", m.momentum()).put("affine", m.isAffine());
  }

  private static int batchNormChannels(LayerConfig c) {
    return c.positiveInt("channels", LayerRegistry.MAX_FEATURES);
  }

  private static Map<String, long[]> batchNormShapes(LayerConfig c) {
    long[] vec = {batchNormChannels(c)};
    Map<String, long[]> s = c.bool("affine") ? LayerRegistry.shapes("weight", vec, "bias", vec) : LayerRegistry.shapes();
    s.putAll(LayerRegistry.shapes("running_mean", vec, "running_var", vec, "num_batches_tracked", new long[0]));
    return s;
  }

  private static Layer only(LayerConfig c, List<Layer> children) {
    if (children.size() != 1) {
      throw new IllegalArgumentException("architecture: " + c.where() + ": expected 1 child, got " + children.size());
    }
    return children.get(0);
  }
}
