package org.jdnn.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Pool2dGeometry;

/** The convolution and pooling layer types, kept here until those layers declare their own {@code TYPE}. */
final class StandardLayers {
  /** Largest kernel, stride, dilation or padding a file may declare. */
  static final int MAX_WINDOW = 1 << 16;
  /** Concatenation dimensions a file may name (tensors have at most 8 dimensions). */
  static final int MAX_RANK = 8;

  private StandardLayers() {}

  /** Registers the convolution and pooling types (until those layers declare their own {@code TYPE}). */
  static void registerAll() {
    registerConvolutions();
    registerPooling();
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
}
