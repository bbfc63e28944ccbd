package org.jdnn.tensor;

import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

/** Element-wise ops and their gradients. */
final class ElementwiseOps {
  private ElementwiseOps() {}

  static Tensor unary(UnaryOp op, Tensor x, double alpha) {
    return unary(op, x, alpha, 0);
  }

  /** y = op(x; alpha, alpha2): the op's scalars as its functor in native/src/kernels/unary.h documents them. */
  static Tensor unary(UnaryOp op, Tensor x, double alpha, double alpha2) {
    return unary(op.label, op, x, alpha, alpha2);
  }

  /**
   * The same, named {@code name} in messages and the autograd graph: an op the user called by
   * another name that runs as this unary op (sub(double) as ADD_SCALAR) is reported as called.
   */
  static Tensor unary(String name, UnaryOp op, Tensor x, double alpha, double alpha2) {
    x.requireFloatOrHalf(name);
    Tensor y = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
    NativeErrors.check(JdnnNative.op_unary(op.code, x.h(), y.h(), alpha, alpha2));
    return Autograd.record(name, y, g -> {
      if (op == UnaryOp.HEAVISIDE) {
        throw new UnsupportedOperationException("the Heaviside step has no derivative: it cannot be "
            + "used in a network trained by backpropagation (use sigmoid or a straight-through estimator)");
      }
      Tensor dx = Tensor.empty(x.dtype(), x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_unary_backward(op.code, x.h(), y.h(), g.h(), dx.h(), alpha, alpha2));
      return new Tensor[] {dx};
    }, x);
  }

  /** GELU's alpha for PyTorch's {@code approximate} setting: 0 for "none" (erf), 1 for "tanh". */
  static double geluApproximation(String approximate) {
    if ("none".equals(approximate)) return 0;
    if ("tanh".equals(approximate)) return 1;
    throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\" (PyTorch's names), got "
        + (approximate == null ? "null" : "\"" + approximate + "\""));
  }

  /** torch.clamp as the CLAMP unary op, named {@code name} (clamp, clampMin, clampMax); NaN bounds are refused. */
  static Tensor clamp(String name, Tensor x, double min, double max) {
    if (Double.isNaN(min) || Double.isNaN(max)) {
      throw new IllegalArgumentException(name + ": bounds must not be NaN, got min " + min + ", max " + max
          + "; pass -Infinity or +Infinity for no bound");
    }
    return unary(name, UnaryOp.CLAMP, x, min, max);
  }

  static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
    String name = op.label;
    a.requireFloatOrHalf(name);
    b.requireFloatOrHalf(name);
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(name + ": dtypes differ: " + a.describe() + " vs " + b.describe());
    }
    Tensor.requireSameDevice(name, a, b);
    long[] shape = broadcastShape(name, a.shapeRef(), b.shapeRef());
    Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
    NativeErrors.check(JdnnNative.op_binary(op.code, a.h(), b.h(), out.h()));
    return Autograd.record(name, out, g -> binaryBackward(op, a, b, g), a, b);
  }

  private static Tensor[] binaryBackward(BinaryOp op, Tensor a, Tensor b, Tensor g) {
    Tensor ga = null, gb = null;
    boolean needA = a.requiresGrad(), needB = b.requiresGrad();
    switch (op) {
      case ADD:
        ga = needA ? g : null;
        gb = needB ? g : null;
        break;
      case SUB:
        ga = needA ? g : null;
        gb = needB ? g.neg() : null;
        break;
      case MUL:
        ga = needA ? g.mul(b) : null;
        gb = needB ? g.mul(a) : null;
        break;
      default: // DIV: d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        ga = needA ? g.div(b) : null;
        gb = needB ? g.mul(a).div(b.square()).neg() : null;
    }
    return new Tensor[] {reduceTo(ga, a), reduceTo(gb, b)};
  }

  // A broadcast operand receives the sum of the gradient over the broadcast dimensions.
  private static Tensor reduceTo(Tensor g, Tensor operand) {
    if (g == null || Arrays.equals(g.shapeRef(), operand.shapeRef())) return g;
    return ReduceOps.sumTo(g, operand.shapeRef());
  }

  /** NumPy broadcasting: right-aligned, each pair of dims equal or one of them 1. */
  static long[] broadcastShape(String op, long[] a, long[] b) {
    int rank = Math.max(a.length, b.length);
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
            + " cannot be broadcast (dimension " + i + ": " + da + " vs " + db + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }
}
