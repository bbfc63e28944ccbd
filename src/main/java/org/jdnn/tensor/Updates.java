package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * In-place updates outside the autograd graph: optimizer steps, random fills, copies. Used by
 * org.jdnn.optim and org.jdnn.init; each validates shapes and dtypes before touching memory.
 */
public final class Updates {
  private Updates() {}

  /** torch.optim.SGD's update for one parameter; {@code first} marks the momentum buffer's first use. */
  public static void sgd(Tensor p, Tensor g, Tensor buf, double lr, double momentum, double dampening,
      double weightDecay, boolean nesterov, boolean first) {
    sameLayout("SGD", p, g);
    sameLayout("SGD", p, buf);
    JdnnNative.optim_sgd(p.h(), g.h(), buf.h(), lr, momentum, dampening, weightDecay, nesterov, first);
  }

  /** torch.optim.Adam's bias-corrected update for one parameter at 1-based {@code step}. */
  public static void adam(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double beta1, double beta2,
      double eps, double weightDecay, long step) {
    sameLayout("Adam", p, g);
    sameLayout("Adam", p, m);
    sameLayout("Adam", p, v);
    JdnnNative.optim_adam(p.h(), g.h(), m.h(), v.h(), lr, beta1, beta2, eps, weightDecay, step);
  }

  /** Fills with uniform [low, high) numbers: element i is Philox(seed, offset + i). */
  public static void uniform(Tensor t, double low, double high, long seed, long offset) {
    t.requireFloat("uniform");
    if (!(low < high)) throw new IllegalArgumentException("uniform: low " + low + " must be below high " + high);
    JdnnNative.random_uniform(t.h(), low, high, seed, offset);
  }

  /** Fills with normal(mean, std) numbers: element i is Philox(seed, offset + i). */
  public static void normal(Tensor t, double mean, double std, long seed, long offset) {
    t.requireFloat("normal");
    if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
    JdnnNative.random_normal(t.h(), mean, std, seed, offset);
  }

  public static void fill(Tensor t, double value) {
    JdnnNative.tensor_fill(t.h(), value);
  }

  /** dst = src (converting dtype), equal element counts. */
  public static void copy(Tensor src, Tensor dst) {
    if (src.numel() != dst.numel()) {
      throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe() + ": element counts differ");
    }
    JdnnNative.tensor_copy(src.h(), dst.h());
  }

  /** dst[i] = src[index[i]] for the rows (dimension 0) of src. */
  public static Tensor gatherRows(Tensor src, Tensor index) {
    if (src.rank() == 0) throw new IllegalArgumentException("gatherRows: source must have rows, got " + src.describe());
    long[] shape = src.shape();
    shape[0] = index.numel();
    Tensor out = Tensor.empty(src.dtype(), src.device(), shape);
    JdnnNative.tensor_gather_rows(src.h(), index.h(), out.h());
    return out;
  }

  private static void sameLayout(String op, Tensor p, Tensor s) {
    p.requireFloat(op);
    if (p.dtype() != s.dtype() || p.numel() != s.numel()) {
      throw new IllegalArgumentException(op + ": " + s.describe() + " does not match parameter " + p.describe());
    }
  }
}
