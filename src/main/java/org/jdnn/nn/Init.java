package org.jdnn.nn;

import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * Weight initializers with torch.nn.init's definitions. Fans follow PyTorch: for a weight of
 * shape (out, in, k...), fan_in = in * prod(k) and fan_out = out * prod(k). Every initializer
 * draws from a {@link Generator}, so a seed fixes the weights.
 */
public final class Init {
  private Init() {}

  /**
   * Glorot uniform: U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)).
   *
   * @param w the weight to fill in place, rank at least 2 (out, in, k...), float32 or float64
   * @param gain the scale, e.g. {@link #gain(String)}
   * @param g the generator to draw from
   * @return {@code w}
   * @throws IllegalArgumentException when {@code w} has fewer than 2 dimensions
   */
  public static Tensor xavierUniform(Tensor w, double gain, Generator g) {
    double a = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
    g.uniform(w, -a, a);
    return w;
  }

  /**
   * Glorot normal: N(0, std), std = gain sqrt(2 / (fan_in + fan_out)).
   *
   * @param w the weight to fill in place, rank at least 2 (out, in, k...), float32 or float64
   * @param gain the scale, e.g. {@link #gain(String)}
   * @param g the generator to draw from
   * @return {@code w}
   * @throws IllegalArgumentException when {@code w} has fewer than 2 dimensions
   */
  public static Tensor xavierNormal(Tensor w, double gain, Generator g) {
    g.normal(w, 0, gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w))));
    return w;
  }

  /**
   * He uniform for a leaky-ReLU with slope {@code a} (0 for ReLU), fan_in mode:
   * U(-b, b), b = sqrt(2 / (1 + a^2)) sqrt(3 / fan_in).
   *
   * @param w the weight to fill in place, rank at least 2 (out, in, k...), float32 or float64
   * @param a the negative slope of the leaky ReLU that follows (0 for ReLU)
   * @param g the generator to draw from
   * @return {@code w}
   * @throws IllegalArgumentException when {@code w} has fewer than 2 dimensions
   */
  public static Tensor kaimingUniform(Tensor w, double a, Generator g) {
    double bound = Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fanIn(w));
    g.uniform(w, -bound, bound);
    return w;
  }

  /**
   * He normal, fan_in mode: N(0, std), std = sqrt(2 / (1 + a^2)) / sqrt(fan_in).
   *
   * @param w the weight to fill in place, rank at least 2 (out, in, k...), float32 or float64
   * @param a the negative slope of the leaky ReLU that follows (0 for ReLU)
   * @param g the generator to draw from
   * @return {@code w}
   * @throws IllegalArgumentException when {@code w} has fewer than 2 dimensions
   */
  public static Tensor kaimingNormal(Tensor w, double a, Generator g) {
    g.normal(w, 0, Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fanIn(w)));
    return w;
  }

  /**
   * Recommended gain for a nonlinearity, as torch.nn.init.calculate_gain.
   *
   * @param nonlinearity "linear", "identity", "sigmoid", "tanh" or "relu"
   * @return 1, 1, 1, 5/3 or sqrt(2)
   * @throws IllegalArgumentException for any other name
   */
  public static double gain(String nonlinearity) {
    switch (nonlinearity) {
      case "linear": case "sigmoid": case "identity": return 1.0;
      case "tanh": return 5.0 / 3;
      case "relu": return Math.sqrt(2.0);
      default: throw new IllegalArgumentException("Init.gain: unknown nonlinearity '" + nonlinearity
          + "' (linear, identity, sigmoid, tanh, relu)");
    }
  }

  static long fanIn(Tensor w) {
    requireMatrix(w);
    return w.dim(1) * receptiveField(w);
  }

  static long fanOut(Tensor w) {
    requireMatrix(w);
    return w.dim(0) * receptiveField(w);
  }

  private static long receptiveField(Tensor w) {
    long r = 1;
    for (int i = 2; i < w.rank(); i++) r *= w.dim(i);
    return r;
  }

  private static void requireMatrix(Tensor w) {
    if (w.rank() < 2) {
      throw new IllegalArgumentException("fan in/out need a weight with at least 2 dimensions, got " + w.describe());
    }
  }
}
