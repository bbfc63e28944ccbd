package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * 1-D convolution on (N, C, L) inputs, weight (out, in/groups, k), bias (out): the same options as
 * {@link Conv2d} along one axis (only the W components of {@link ConvOptions} are used; stride,
 * padding and dilation given as single numbers apply to L). Runs as a 2-D convolution of height 1.
 */
public final class Conv1d extends Module {
  private final int in, out, k;
  private final ConvOptions o;
  private final String name;

  public Conv1d(int in, int out, int kernel) {
    this(in, out, kernel, ConvOptions.defaults(), Generator.global());
  }

  public Conv1d(int in, int out, int kernel, ConvOptions options) {
    this(in, out, kernel, options, Generator.global());
  }

  public Conv1d(int in, int out, int kernel, ConvOptions options, Generator generator) {
    this.in = in;
    this.out = out;
    this.k = kernel;
    this.o = options;
    this.name = "Conv1d(" + in + " -> " + out + ", kernel " + kernel + options.describe(1, kernel) + ")";
    options.validate(name, in, out, 1, kernel);
    double bound = 1.0 / Math.sqrt((double) in / options.groups * kernel);
    generator.uniform(registerParameter("weight", Tensor.empty(DType.FLOAT32, out, in / options.groups, kernel)), -bound, bound);
    if (options.bias) generator.uniform(registerParameter("bias", Tensor.empty(DType.FLOAT32, out)), -bound, bound);
  }

  public int inChannels() {
    return in;
  }

  public int outChannels() {
    return out;
  }

  public int kernelSize() {
    return k;
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
    if (x.rank() != 3) {
      throw new IllegalArgumentException(name + ": expected input of shape [N, " + in + ", L], got " + x.describe());
    }
    if (x.dim(1) != in) {
      throw new IllegalArgumentException(name + ": expected " + in + " input channels, got " + x.dim(1) + " (input "
          + x.describe() + ")");
    }
    int[] p = o.pads(1, k);
    Tensor x4 = x.reshape(x.dim(0), in, 1, x.dim(2));
    Tensor w4 = weight().reshape(out, in / o.groups, 1, k);
    Tensor y = ConvOps.conv2d(x4, w4, bias(), 1, o.strideW, 0, p[1], 0, p[3], 1, o.dilationW, o.groups, name);
    return y.reshape(y.dim(0), out, y.dim(3));
  }

  @Override
  public long flops(long[] inShape, long[] outShape) {
    return (2L * (in / o.groups) * k + (o.bias ? 1 : 0)) * Shapes.numel(outShape);
  }

  @Override
  public String describe() {
    return name;
  }
}
