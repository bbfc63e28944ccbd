package org.jdnn.nn;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;

/**
 * Fully connected layer, y = x W^T + b, with PyTorch's layout: weight (out, in), bias (out).
 * Initialized as PyTorch initializes nn.Linear: weight and bias uniform in
 * [-1/sqrt(in), 1/sqrt(in)] (Kaiming-uniform with a = sqrt(5)); use {@link Init} for others.
 */
public final class Linear extends Module {
  private final int in;
  private final int out;
  private final boolean hasBias;

  public Linear(int in, int out) {
    this(in, out, true, Generator.global());
  }

  public Linear(int in, int out, boolean bias) {
    this(in, out, bias, Generator.global());
  }

  public Linear(int in, int out, boolean bias, Generator generator) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("Linear: in and out features must be positive, got in=" + in + ", out=" + out);
    }
    this.in = in;
    this.out = out;
    this.hasBias = bias;
    double bound = 1.0 / Math.sqrt(in);
    Tensor w = registerParameter("weight", Tensor.empty(DType.FLOAT32, out, in));
    generator.uniform(w, -bound, bound);
    if (bias) {
      Tensor b = registerParameter("bias", Tensor.empty(DType.FLOAT32, out));
      generator.uniform(b, -bound, bound);
    }
  }

  public Tensor weight() {
    return namedParameters().get("weight");
  }

  /** The bias, or null when the layer has none. */
  public Tensor bias() {
    return hasBias ? namedParameters().get("bias") : null;
  }

  public int inFeatures() {
    return in;
  }

  public int outFeatures() {
    return out;
  }

  public boolean hasBias() {
    return hasBias;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return 2L * this.in * this.out + (hasBias ? this.out : 0);
  }

  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() != 2 || x.dim(1) != in) {
      throw new IllegalArgumentException(describe() + ": expected input of shape [N, " + in + "], got " + x.describe());
    }
    Tensor w = weight();
    if (x.dtype() != w.dtype()) {
      throw new IllegalArgumentException(describe() + ": expected " + w.dtype() + " input, got " + x.describe());
    }
    return Linalg.linear(x, w, bias(), describe());
  }

  @Override
  public String describe() {
    return "Linear(" + in + " -> " + out + (hasBias ? "" : ", no bias") + ")";
  }
}
