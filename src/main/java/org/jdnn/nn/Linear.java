package org.jdnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;

/**
 * Fully connected layer, y = x W^T + b, with PyTorch's layout: weight (out, in), bias (out).
 * Initialized as PyTorch initializes nn.Linear: weight and bias uniform in
 * [-1/sqrt(in), 1/sqrt(in)] (Kaiming-uniform with a = sqrt(5)); use {@link Init} for others.
 *
 * <p>A Linear can carry the ReLU that follows it ({@link Sequential#fuseForInference()} makes it do so):
 * then forward computes max(0, x W^T + b), in one native call when no gradient is recorded (the
 * values are identical to the two layers'; with gradients it records the two ops).
 */
public final class Linear extends Layer {
  /**
   * Saved as {"type": "Linear", "in": n, "out": m, "bias": b}, plus "activation": "relu" when it carries
   * its ReLU (files without the key hold a plain Linear).
   */
  public static final LayerType<Linear> TYPE = LayerType.of("Linear", Linear.class, (l, out) -> {
    out.put("in", l.in).put("out", l.out).put("bias", l.hasBias);
    if (l.reluFused) out.put("activation", "relu");
  }, in -> {
    int n = in.positiveInt("in", SettingsReader.MAX_FEATURES);
    int m = in.positiveInt("out", SettingsReader.MAX_FEATURES);
    boolean bias = in.bool("bias");
    boolean relu = in.textOr("activation", "none", "relu").equals("relu");
    return LayerType.plan(parameterShapes(n, m, bias), (children, init) -> {
      Linear l = new Linear(n, m, bias, init);
      if (relu) l.fuseRelu();
      return l;
    });
  });

  private final int in;
  private final int out;
  private final boolean hasBias;
  private boolean reluFused;
  private String name;  // built once (and on fusing): forward passes it to every op for error messages
  private Tensor bf16Weight;  // packed bf16 copy of the weight while inferenceBf16 is on

  /**
   * A Linear with bias, initialized from the global {@link Generator}, on the thread's default
   * device, float32.
   *
   * @param in input features, at least 1
   * @param out output features, at least 1
   * @throws IllegalArgumentException when {@code in} or {@code out} is not positive
   */
  public Linear(int in, int out) {
    this(in, out, true, Generator.global());
  }

  /**
   * A Linear initialized from the global {@link Generator}, on the thread's default device,
   * float32.
   *
   * @param in input features, at least 1
   * @param out output features, at least 1
   * @param bias whether to add a learned bias
   * @throws IllegalArgumentException when {@code in} or {@code out} is not positive
   */
  public Linear(int in, int out, boolean bias) {
    this(in, out, bias, Generator.global());
  }

  /**
   * A Linear initialized from {@code generator}, on the thread's default device, float32.
   *
   * @param in input features, at least 1
   * @param out output features, at least 1
   * @param bias whether to add a learned bias
   * @param generator the source of the initial weights (advanced by this layer's draws)
   * @throws IllegalArgumentException when {@code in} or {@code out} is not positive
   */
  public Linear(int in, int out, boolean bias, Generator generator) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("Linear: in and out features must be positive, got in=" + in + ", out=" + out);
    }
    this.in = in;
    this.out = out;
    this.hasBias = bias;
    this.name = "Linear(" + in + " -> " + out + (bias ? "" : ", no bias") + ")";
    double bound = 1.0 / Math.sqrt(in);
    for (Map.Entry<String, long[]> p : parameterShapes(in, out, bias).entrySet()) {
      generator.uniform(registerParameter(p.getKey(), Tensor.empty(DType.FLOAT32, p.getValue())), -bound, bound);
    }
  }

  /** What a Linear(in, out, bias) allocates: weight (out, in) and, with bias, bias (out), in that order. */
  static Map<String, long[]> parameterShapes(int in, int out, boolean bias) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("weight", new long[] {out, in});
    if (bias) shapes.put("bias", new long[] {out});
    return shapes;
  }

  // Own-parameter lookups, not namedParameters(): forward must not rebuild a map per call, and
  // Layer.to(dtype) replaces the tensors, so they are not cached in fields.
  /**
   * The weight.
   *
   * @return the (out, in) parameter, owned by this layer; replaced by {@link #to(Device)}
   */
  public Tensor weight() {
    return parameter("weight");
  }

  /**
   * The bias.
   *
   * @return the (out) parameter, owned by this layer, or null when the layer has none
   */
  public Tensor bias() {
    return hasBias ? parameter("bias") : null;
  }

  /**
   * The number of input features.
   *
   * @return in
   */
  public int inFeatures() {
    return in;
  }

  /**
   * The number of output features.
   *
   * @return out
   */
  public int outFeatures() {
    return out;
  }

  /**
   * Whether the layer adds a bias.
   *
   * @return true when it has a bias parameter
   */
  public boolean hasBias() {
    return hasBias;
  }

  /**
   * Whether the layer applies ReLU to its output (see {@link Sequential#fuseForInference()}).
   *
   * @return true once fused, or when loaded from a file that saved it fused
   */
  public boolean isReluFused() {
    return reluFused;
  }

  /** From now on forward applies ReLU to its output, fused into the product when nothing is recorded. */
  void fuseRelu() {
    reluFused = true;
    name = name.substring(0, name.length() - 1) + ", ReLU fused)";
  }

  /** The product's FLOPs, plus one per output for the fused ReLU as for a ReLU layer. */
  @Override
  public long flops(long[] in, long[] out) {
    return 2L * this.in * this.out + (hasBias ? this.out : 0) + (reluFused ? this.out : 0);
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, in) input of the weight's dtype
   * @return the new (N, out) output
   * @throws IllegalArgumentException when x is not (N, in) or its dtype differs from the weight's
   */
  @Override
  public Tensor forward(Tensor x) {
    checkInput(x);
    if (useBf16(x)) return Linalg.linearBf16(x, bf16Weight, out, bias(), reluFused, name);
    return reluFused ? Linalg.linearRelu(x, weight(), bias(), name) : Linalg.linear(x, weight(), bias(), name);
  }

  // bf16 only when nothing would be recorded: gradients always come from the float32 path.
  private boolean useBf16(Tensor x) {
    return bf16Weight != null && x.dtype() == DType.FLOAT32 && !(GradMode.isEnabled()
        && (x.requiresGrad() || weight().requiresGrad() || (hasBias && bias().requiresGrad())));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException when turned on over weights that are not float32
   */
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

  /**
   * Whether forward passes without gradients use the packed bf16 weight.
   *
   * @return true after {@code inferenceBf16(true)} on a CPU with AMX or AVX512-BF16, until it is
   *     turned off or the layer moves
   */
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
    boolean autocast = Autocast.current() != null && expected == DType.FLOAT32 && x.dtype().isHalf();
    if (x.dtype() != expected && !autocast) {
      throw new IllegalArgumentException(describe() + ": expected " + expected + " input, got " + x.describe());
    }
  }

  @Override
  public String describe() {
    return name;
  }
}
