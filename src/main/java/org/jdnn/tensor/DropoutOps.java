package org.jdnn.tensor;

import static org.jdnn.tensor.OpChecks.requireFloat;

import org.jdnn.bridge.JdnnNative;

/**
 * Inverted dropout (element-wise and per channel) with its gradient; the mask is a function of
 * (seed, offset), the same on every device. org.jdnn.nn's Dropout builds on it.
 *
 * <p>Each op checks its arguments before any native code runs and throws an
 * {@link IllegalArgumentException} whose message starts with the {@code layer} name and gives the
 * expected and the actual values.
 */
public final class DropoutOps {
  private DropoutOps() {}

  /**
   * Inverted dropout: each element is kept with probability 1 - p and scaled by 1 / (1 - p), or
   * set to 0. Element i is kept iff philox_uniform(philox4x32_10(offset + i, seed)) >= p, so a
   * (seed, offset) pair fixes the mask on every device. With {@code perChannel} (Dropout2d, x of
   * rank >= 3) the draw j = n C + c (counter offset + j) keeps or drops the whole (n, c) channel.
   * The backward multiplies by the same mask; p == 0 returns a copy with the identity gradient.
   *
   * @param input the input, float32 or float64 (a 16-bit input under autocast: widened to float32)
   * @param p the drop probability, in [0, 1)
   * @param perChannel whether to drop whole (n, c) channels instead of elements
   * @param seed the Philox key
   * @param offset the first counter; the op uses numel (or N C per channel) counters from it
   * @param layer the layer named first in error messages
   * @return a new tensor of x's shape, in the graph when x requires a gradient
   * @throws IllegalArgumentException when x is not a float tensor, p is outside [0, 1), or
   *     per-channel dropout gets a rank below 3
   */
  public static Tensor dropout(Tensor input, double p, boolean perChannel, long seed, long offset, String layer) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: no 16-bit dropout here; float32
    requireFloat(layer, x, "input");
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(layer + ": dropout probability p must be in [0, 1), got " + p);
    }
    if (perChannel && x.rank() < 3) {
      throw new IllegalArgumentException(layer + ": per-channel dropout expects input of shape [N, C, ...] with rank"
          + " >= 3, got " + x.describe());
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    if (p == 0) {
      NativeErrors.check(JdnnNative.tensor_copy(x.h(), y.h()));
      return Autograd.record(layer, y, g -> new Tensor[] {g}, x);
    }
    long[] maskShape = perChannel ? new long[] {x.dim(0), x.dim(1)} : x.shapeRef();
    Tensor mask = Tensor.empty(x.dtype(), x.device(), maskShape);
    NativeErrors.check(JdnnNative.op_dropout_mask(mask.h(), p, seed, offset));
    NativeErrors.check(JdnnNative.op_dropout_apply(x.h(), mask.h(), y.h()));
    return Autograd.recordSaving(layer, y, new Tensor[] {mask}, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_dropout_apply(g.h(), mask.h(), dx.h()));
      return new Tensor[] {dx};
    }, x);
  }
}
