package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation, as PyTorch) on NCHW inputs. Weight (out, in/groups, kh, kw),
 * bias (out); groups split channels into consecutive blocks (groups == in is depthwise).
 * Initialized as PyTorch's nn.Conv2d: uniform in +-1/sqrt(fan_in), fan_in = in/groups kh kw.
 */
public final class Conv2d extends Module {
  private final int in, out, kh, kw;
  private final ConvOptions o;
  private final String name;

  public Conv2d(int in, int out, int kernel) {
    this(in, out, kernel, kernel, ConvOptions.defaults(), Generator.global());
  }

  public Conv2d(int in, int out, int kernel, ConvOptions options) {
    this(in, out, kernel, kernel, options, Generator.global());
  }

  public Conv2d(int in, int out, int kh, int kw, ConvOptions options, Generator generator) {
    this.in = in;
    this.out = out;
    this.kh = kh;
    this.kw = kw;
    this.o = options;
    this.name = "Conv2d(" + in + " -> " + out + ", kernel " + kh + "x" + kw + options.describe(kh, kw) + ")";
    options.validate(name, in, out, kh, kw);
    double bound = 1.0 / Math.sqrt((double) in / options.groups * kh * kw);
    generator.uniform(registerParameter("weight", Tensor.empty(DType.FLOAT32, out, in / options.groups, kh, kw)), -bound, bound);
    if (options.bias) generator.uniform(registerParameter("bias", Tensor.empty(DType.FLOAT32, out)), -bound, bound);
  }

  public int inChannels() {
    return in;
  }

  public int outChannels() {
    return out;
  }

  /** Kernel size {height, width}. */
  public int[] kernelSize() {
    return new int[] {kh, kw};
  }

  /** A copy of the layer's options. */
  public ConvOptions options() {
    return o.copy();
  }

  public Tensor weight() {
    return parameter("weight");
  }

  public Tensor bias() {
    return parameter("bias");
  }

  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() != 4) {
      throw new IllegalArgumentException(name + ": expected input of shape [N, " + in + ", H, W], got " + x.describe());
    }
    if (x.dim(1) != in) {
      throw new IllegalArgumentException(name + ": expected " + in + " input channels, got " + x.dim(1) + " (input "
          + x.describe() + ")");
    }
    int[] p = o.pads(kh, kw);
    return ConvOps.conv2d(x, weight(), bias(), o.strideH, o.strideW, p[0], p[1], p[2], p[3], o.dilationH, o.dilationW,
        o.groups, name);
  }

  @Override
  public long flops(long[] inShape, long[] outShape) {
    long perOutput = 2L * (in / o.groups) * kh * kw + (o.bias ? 1 : 0);
    return perOutput * Shapes.numel(outShape);
  }

  @Override
  public String describe() {
    return name;
  }
}
