package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/**
 * Softmax and log-softmax over the last dimension, with an optional temperature, and the fused
 * masked softmax that gives attention its weights.
 */
final class SoftmaxOps {
  private SoftmaxOps() {}

  static Tensor apply(Tensor input, double temperature, boolean log) {
    Tensor x = Autocast.widenForFloat32(input);  // autocast: softmax in float32
    String name = log ? "logSoftmax" : "softmax";
    x.requireFloat(name);
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(name + ": temperature must be a positive finite number, got " + temperature);
    }
    if (x.rank() == 0) throw new IllegalArgumentException(name + ": needs at least one dimension, got " + x.describe());
    double inverse = 1.0 / temperature;
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    if (temperature == 1.0) {
      NativeErrors.check(JdnnNative.op_softmax(x.h(), y.h(), log));
    } else {  // x / T unrecorded and freed here: one node for the whole op, no intermediate left to the caller
      try (GradMode.Guard off = GradMode.disable(); Tensor scaled = x.mul(inverse)) {
        NativeErrors.check(JdnnNative.op_softmax(scaled.h(), y.h(), log));
      }
    }
    return Autograd.record(name, y, g -> {
      Tensor dz = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_softmax_backward(y.h(), g.h(), dz.h(), log));
      return new Tensor[] {temperature == 1.0 ? dz : dz.mul(inverse)};
    }, x);
  }

  /**
   * softmax(x * scale + mask) over the last dimension in one native pass, masked keys weighing 0
   * and rows with no key left all zeros. The backward is softmax's (dz = y (dy - sum dy y), 0 where
   * y is 0), times scale for x and summed over the broadcast dimensions for the mask.
   */
  static Tensor masked(Tensor input, Tensor additiveMask, double scale, boolean causal) {
    String op = "maskedSoftmax";
    Tensor x = Autocast.widenForFloat32(input);  // autocast: softmax in float32
    Tensor mask = Autocast.widenForFloat32(additiveMask);
    x.requireFloat(op);
    if (x.rank() < (causal ? 2 : 1) || x.rank() > Tensor.MAX_STRIDED_DIMS) {
      throw new IllegalArgumentException(op + ": expected scores with " + (causal ? "2 (query, key; causal masking)" : "1")
          + " to " + Tensor.MAX_STRIDED_DIMS + " dimensions, got " + x.describe() + "; reshape the leading dimensions into fewer");
    }
    if (Double.isNaN(scale) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException(op + ": scale must be finite, got " + scale);
    }
    if (mask != null) {
      Tensor.requireSameDevice(op, x, mask);
      if (mask.dtype() != x.dtype()) {
        throw new IllegalArgumentException(op + ": the mask is added to the scores, so it must have their dtype " + x.dtype()
            + ", got " + mask.describe() + "; convert it with .to(DType." + x.dtype() + ")");
      }
      long[] joint = WhereOps.broadcastShape(op, x, mask);
      if (!Arrays.equals(joint, x.shapeRef())) {
        throw new IllegalArgumentException(op + ": the mask " + mask.describe() + " must broadcast to the scores' shape "
            + Arrays.toString(x.shapeRef()) + " without enlarging it; give it that shape or 1 where it repeats");
      }
    }
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    NativeErrors.check(JdnnNative.op_masked_softmax(x.h(), mask == null ? 0 : mask.h(), y.h(), scale, causal));
    return Autograd.record(op, y, g -> {
      Tensor dz = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_softmax_backward(y.h(), g.h(), dz.h(), false));
      boolean maskGrad = mask != null && mask.requiresGrad();
      Tensor dmask = !maskGrad ? null
          : Arrays.equals(mask.shapeRef(), x.shapeRef()) ? dz : ReduceOps.sumTo(dz, mask.shapeRef());
      Tensor dx = !x.requiresGrad() ? null : scale == 1.0 ? dz : dz.mul(scale);
      if (dz != dx && dz != dmask) dz.close();
      return new Tensor[] {dx, dmask};
    }, x, mask);
  }
}
