package org.jdnn.nn;

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
    this.o = options;
    this.name = name;
    this.kernelElements = (long) kh * kw;
    this.geometry = options.geometry(name, in, out, kh, kw);
    double bound = 1.0 / Math.sqrt((double) in / options.groups * kh * kw);
    long[] weightShape = new long[2 + weightKernel.length];
    weightShape[0] = out;
    weightShape[1] = in / options.groups;
    System.arraycopy(weightKernel, 0, weightShape, 2, weightKernel.length);
    generator.uniform(registerParameter("weight", Tensor.empty(DType.FLOAT32, weightShape)), -bound, bound);
    if (options.bias) generator.uniform(registerParameter("bias", Tensor.empty(DType.FLOAT32, out)), -bound, bound);
  }

  public int inChannels() {
    return in;
  }

  public int outChannels() {
    return out;
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
