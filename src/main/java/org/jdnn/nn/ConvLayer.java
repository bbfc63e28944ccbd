package org.jdnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * What Conv1d and Conv2d share: channels, options, the checked and initialized parameters (PyTorch's init: uniform in
 * +-1/sqrt(fan_in), fan_in = in/groups times the kernel's elements) and the input check.
 */
abstract class ConvLayer extends Layer {
  final int in, out;
  final ConvOptions o;
  /** The validated geometry for this layer's kernel (padding "same" resolved). */
  final Conv2dGeometry geometry;
  final String name;
  private final long kernelElements;

  /**
   * Validates the options against kernel (kh, kw) and registers weight (out, in/groups, weightKernel...) and, with
   * bias, bias (out).
   */
  ConvLayer(String name, int in, int out, int kh, int kw, ConvOptions options, Generator generator,
      long... weightKernel) {
    this.in = in;
    this.out = out;
    this.o = options.copy();  // the caller may reuse its options object; the saved settings must stay the geometry's
    this.name = name;
    this.kernelElements = (long) kh * kw;
    this.geometry = options.geometry(name, in, out, kh, kw);
    double bound = 1.0 / Math.sqrt((double) in / options.groups * kh * kw);
    for (Map.Entry<String, long[]> p : parameterShapes(in, out, options, weightKernel).entrySet()) {
      generator.uniform(registerParameter(p.getKey(), Tensor.empty(DType.FLOAT32, p.getValue())), -bound, bound);
    }
  }

  /**
   * What a convolution allocates: weight (out, in/groups, kernel...) and, with bias, bias (out), in that
   * order; {@code kernel} is (kh, kw) for Conv2d and (k) for Conv1d.
   */
  static Map<String, long[]> parameterShapes(int in, int out, ConvOptions options, long... kernel) {
    long[] weight = new long[2 + kernel.length];
    weight[0] = out;
    weight[1] = in / options.groups;
    System.arraycopy(kernel, 0, weight, 2, kernel.length);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("weight", weight);
    if (options.bias) shapes.put("bias", new long[] {out});
    return shapes;
  }

  /**
   * Writes a convolution's settings: "in", "out", "kernel", "stride", "padding" ("same" or explicit),
   * "dilation", "groups", "bias"; each axis setting as [h, w] for Conv2d, as one number (the W axis, along
   * L) for Conv1d.
   */
  void writeSettings(SettingsWriter s, int kh, int kw, boolean twoD) {
    s.put("in", in).put("out", out);
    axes(s, "kernel", new int[] {kh, kw}, twoD);
    axes(s, "stride", o.stride(), twoD);
    if (o.isSame()) s.put("padding", "same");
    else axes(s, "padding", o.padding(), twoD);
    axes(s, "dilation", o.dilation(), twoD);
    s.put("groups", o.groups).put("bias", o.bias);
  }

  /** {h, w} as a pair for 2-D, as its W number for 1-D. */
  private static void axes(SettingsWriter s, String key, int[] hw, boolean twoD) {
    if (twoD) s.putArray(key, hw);
    else s.put(key, hw[1]);
  }

  /**
   * A convolution read from a file: channels, kernel {kh, kw} (kh 1 for Conv1d) and options, checked as the
   * constructor checks them.
   */
  static final class Saved {
    final int in, out;
    final int[] kernel;
    final ConvOptions options;

    /** Reads what {@link ConvLayer#writeSettings} wrote; {@code twoD} says whether axis settings are pairs. */
    Saved(SettingsReader s, boolean twoD) {
      in = s.positiveInt("in", SettingsReader.MAX_FEATURES);
      out = s.positiveInt("out", SettingsReader.MAX_FEATURES);
      int[] k = axes(s, "kernel", 1, twoD);
      kernel = twoD ? k : new int[] {1, k[1]};
      int[] stride = axes(s, "stride", 1, twoD), dilation = axes(s, "dilation", 1, twoD);
      ConvOptions o = s.isText("padding", "same") ? ConvOptions.same() : ConvOptions.defaults();
      if (!o.isSame()) {
        int[] p = axes(s, "padding", 0, twoD);
        o.pad(p[0], p[1]);
      }
      options = o.stride(stride[0], stride[1]).dilation(dilation[0], dilation[1])
          .groups(s.positiveInt("groups", SettingsReader.MAX_FEATURES)).bias(s.bool("bias"));
      // the constructor's own check, so a file is refused in the words the constructor would use
      options.geometry("architecture: " + s.where(), in, out, kernel[0], kernel[1]);
    }

    /** {h, w}: a pair for 2-D; for 1-D one number, used for both axes as ConvOptions' one-number setters do. */
    private static int[] axes(SettingsReader s, String key, int min, boolean twoD) {
      if (twoD) return s.intPair(key, min, SettingsReader.MAX_WINDOW);
      int v = s.intIn(key, min, SettingsReader.MAX_WINDOW);
      return new int[] {v, v};
    }
  }

  /**
   * The number of input channels.
   *
   * @return C
   */
  public int inChannels() {
    return in;
  }

  /**
   * The number of output channels.
   *
   * @return Cout
   */
  public int outChannels() {
    return out;
  }

  /**
   * The layer's options.
   *
   * @return a copy: changing it does not change the layer
   */
  public ConvOptions options() {
    return o.copy();
  }

  /**
   * The kernel.
   *
   * @return the (out, in/groups, kernel...) parameter, owned by this layer
   */
  public Tensor weight() {
    return parameter("weight");
  }

  /**
   * The bias.
   *
   * @return the (out) parameter, owned by this layer, or null without bias
   */
  public Tensor bias() {
    return parameter("bias");
  }


  /** Rejects an input that is not of rank {@code rank} with {@code in} channels; {@code spatial} names the rest. */
  void checkInput(Tensor x, int rank, String spatial) {
    if (x.rank() != rank) {
      throw new IllegalArgumentException(name + ": expected input of shape [N, " + in + ", " + spatial + "], got "
          + x.describe());
    }
    if (x.dim(1) != in) {
      throw new IllegalArgumentException(name + ": expected " + in + " input channels, got " + x.dim(1) + " (input "
          + x.describe() + ")");
    }
  }

  @Override
  public long flops(long[] inShape, long[] outShape) {
    long perOutput = 2L * (in / o.groups) * kernelElements + (o.bias ? 1 : 0);
    return perOutput * Shapes.numel(outShape);
  }

  @Override
  public String describe() {
    return name;
  }
}
