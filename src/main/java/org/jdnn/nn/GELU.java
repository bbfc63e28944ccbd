package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * The Gaussian error linear unit of PyTorch's nn.GELU: x Phi(x) with the exact normal CDF
 * (approximate "none", the default) or its tanh approximation x (1 + tanh(sqrt(2/pi) (x + 0.044715
 * x^3))) / 2 (approximate "tanh"), element-wise.
 */
public final class GELU extends Layer {
  /** Saved as {"type": "GELU", "approximate": "none" | "tanh"}. */
  public static final LayerType<GELU> TYPE = LayerType.of("GELU", GELU.class, (l, out) -> out.put("approximate", l.approximate),
      in -> {
        String approximate = in.textOr("approximate", "none", "none", "tanh");
        return LayerType.plan((children, init) -> new GELU(approximate));
      });

  private final String approximate;

  /** The exact GELU (approximate "none"), PyTorch's default. */
  public GELU() {
    this("none");
  }

  /**
   * A GELU.
   *
   * @param approximate "none" (exact) or "tanh", as PyTorch names them
   * @throws IllegalArgumentException when it is neither
   */
  public GELU(String approximate) {
    if (!"none".equals(approximate) && !"tanh".equals(approximate)) {
      throw new IllegalArgumentException("GELU: approximate must be \"none\" or \"tanh\", got " + approximate);
    }
    this.approximate = approximate;
  }

  /** @return "none" or "tanh" */
  public String approximate() {
    return approximate;
  }

  /**
   * {@inheritDoc}
   *
   * @param x any shape, float32 or float64
   * @return a new tensor of x's shape
   * @throws IllegalArgumentException when x is not a float tensor
   */
  @Override
  public Tensor forward(Tensor x) {
    return x.gelu(approximate);
  }

  /** About ten operations per element (a CDF or tanh and the products). */
  @Override
  public long flops(long[] in, long[] out) {
    return 10 * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return "none".equals(approximate) ? "GELU()" : "GELU(approximate=tanh)";
  }
}
