package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/** Softmax and log-softmax over the last dimension, with an optional temperature. */
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
    Tensor scaled = temperature == 1.0 ? x : x.mul(1.0 / temperature);
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    NativeErrors.check(JdnnNative.op_softmax(scaled.h(), y.h(), log));
    return Autograd.record(name, y, g -> {
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_softmax_backward(y.h(), g.h(), dx.h(), log));
      return new Tensor[] {dx};
    }, scaled);
  }
}
