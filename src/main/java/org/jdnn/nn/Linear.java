package org.jdnn.nn;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;

/**
 * Fully connected layer, y = x W^T + b, with PyTorch's layout: weight (out, in), bias (out).
 * Initialized as PyTorch initializes nn.Linear: weight and bias uniform in
 * [-1/sqrt(in), 1/sqrt(in)] (Kaiming-uniform with a = sqrt(5)); use {@link Init} for others.
 */
public final class Linear extends Layer {
  private final int in;
  private final int out;
  private final boolean hasBias;
  private final String name;
  private Tensor bf16Weight;  // packed bf16 copy of the weight while inferenceBf16 is on  // built once: forward passes it to every op for error messages

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
    this.name = "Linear(" + in + " -> " + out + (bias ? "" : ", no bias") + ")";
    double bound = 1.0 / Math.sqrt(in);
    Tensor w = registerParameter("weight", Tensor.empty(DType.FLOAT32, out, in));
    generator.uniform(w, -bound, bound);
    if (bias) {
      Tensor b = registerParameter("bias", Tensor.empty(DType.FLOAT32, out));
      generator.uniform(b, -bound, bound);
    }
  }

  // Own-parameter lookups, not namedParameters(): forward must not rebuild a map per call, and
  // Layer.to(dtype) replaces the tensors, so they are not cached in fields.
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, or null when the layer has none. */
  public Tensor bias() {
    return hasBias ? parameter("bias") : null;
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
    checkInput(x);
    if (useBf16(x)) return Linalg.linearBf16(x, bf16Weight, out, bias(), false, name);
    return Linalg.linear(x, weight(), bias(), name);
  }

  /** max(0, forward(x)), fused into one native call when no gradient is recorded (see Sequential). */
  Tensor forwardRelu(Tensor x) {
    checkInput(x);
    if (useBf16(x)) return Linalg.linearBf16(x, bf16Weight, out, bias(), true, name);
    return Linalg.linearRelu(x, weight(), bias(), name);
  }

  // bf16 only when nothing would be recorded: gradients always come from the float32 path.
  private boolean useBf16(Tensor x) {
    return bf16Weight != null && x.dtype() == DType.FLOAT32 && !(GradMode.isEnabled()
        && (x.requiresGrad() || weight().requiresGrad() || (hasBias && bias().requiresGrad())));
  }

  @Override
  public Layer inferenceBf16(boolean on) {
    if (bf16Weight != null) {
      bf16Weight.close();
      bf16Weight = null;
    }
    if (on && Linalg.bf16Accelerated()) {  // else stay float32: see Layer.inferenceBf16
      if (weight().dtype() != DType.FLOAT32) {
        throw new IllegalStateException(name + ": bf16 inference needs float32 weights, got " + weight().describe());
      }
      bf16Weight = Linalg.packBf16(weight());
    }
    return super.inferenceBf16(on);
  }

  /** Whether forward passes without gradients use the packed bf16 weight. */
  public boolean isInferenceBf16() {
    return bf16Weight != null;
  }

  @Override
  public void close() {
    if (bf16Weight != null) {
      bf16Weight.close();
      bf16Weight = null;
    }
    super.close();
  }

  private void checkInput(Tensor x) {
    if (x.rank() != 2 || x.dim(1) != in) {
      throw new IllegalArgumentException(describe() + ": expected input of shape [N, " + in + "], got " + x.describe());
    }
    DType expected = weight().dtype();
    if (x.dtype() != expected) {
      throw new IllegalArgumentException(describe() + ": expected " + expected + " input, got " + x.describe());
    }
  }

  @Override
  public String describe() {
    return name;
  }
}
