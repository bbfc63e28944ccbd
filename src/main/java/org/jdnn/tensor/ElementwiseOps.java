package org.jdnn.tensor;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
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
    if (x.dtype().isHalf() && Autocast.current() != null && AUTOCAST_FLOAT32.contains(op)) {
      return unaryInFloat32(name, op, x, alpha, alpha2);
    }
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

  /** The unary ops on PyTorch's autocast float32 list (exp, log, pow, reciprocal, rsqrt, softplus). */
  private static final Set<UnaryOp> AUTOCAST_FLOAT32 = EnumSet.of(UnaryOp.EXP, UnaryOp.LOG, UnaryOp.POW,
      UnaryOp.RECIPROCAL, UnaryOp.RSQRT, UnaryOp.SOFTPLUS);

  /**
   * Under autocast, an op of that list on a 16-bit x: computed on x widened to float32 (an unrecorded copy, saved for
   * the backward and freed with the graph), the result in float32, the gradient back in x's type.
   */
  private static Tensor unaryInFloat32(String name, UnaryOp op, Tensor x, double alpha, double alpha2) {
    Tensor wide = x.convertedCopy(DType.FLOAT32);
    Tensor y;
    try {
      y = Tensor.empty(DType.FLOAT32, x.device(), x.shapeRef());
    } catch (RuntimeException e) {
      wide.close();
      throw e;
    }
    try {
      NativeErrors.check(JdnnNative.op_unary(op.code, wide.h(), y.h(), alpha, alpha2));
    } catch (RuntimeException e) {
      wide.close();
      y.close();
      throw e;
    }
    return Autograd.recordSaving(name, y, new Tensor[] {wide}, g -> {
      Tensor dx = Tensor.empty(DType.FLOAT32, x.device(), x.shapeRef());
      NativeErrors.check(JdnnNative.op_unary_backward(op.code, wide.h(), y.h(), g.h(), dx.h(), alpha, alpha2));
      return new Tensor[] {dx.to(x.dtype())};
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

  /**
   * op(a, b) with broadcasting. Operands of different dtypes are promoted as PyTorch promotes them ({@link
   * TypePromotion}): the op runs on copies in the result type and each operand's gradient comes back in its own dtype.
   */
  static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
    String name = op.label;
    a.h();
    b.h();
    DType type = TypePromotion.resultType(a, b);
    // autocast: pow is on PyTorch's float32 list
    if (op == BinaryOp.POW && type.isHalf() && Autocast.current() != null) type = DType.FLOAT32;
    if (!type.isFloatingPoint()) {
      a.requireFloatOrHalf(name);  // names the integer operand
      b.requireFloatOrHalf(name);
    }
    Tensor.requireSameDevice(name, a, b);
    long[] shape = broadcastShape(name, a.shapeRef(), b.shapeRef());
    if (a.dtype() == type && b.dtype() == type) {
      Tensor out = run(op, a, b, shape);
      return Autograd.record(name, out, g -> binaryBackward(op, a, b, g, a.requiresGrad(), b.requiresGrad()), a, b);
    }
    Tensor[] pair = TypePromotion.convertedPair(a, b, type);
    Tensor ca = pair[0], cb = pair[1];
    Tensor[] copies = ca == a ? new Tensor[] {cb} : cb == b ? new Tensor[] {ca} : new Tensor[] {ca, cb};
    Tensor out;
    try {
      out = run(op, ca, cb, shape);
    } catch (RuntimeException e) {
      for (Tensor t : copies) t.close();
      throw e;
    }
    // the gradients come out in the promoted type; the engine casts each to its operand's (Autograd.backward)
    return Autograd.recordSaving(name, out, copies,
        g -> binaryBackward(op, ca, cb, g, a.requiresGrad(), b.requiresGrad()), a, b);
  }

  private static Tensor run(BinaryOp op, Tensor a, Tensor b, long[] shape) {
    Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
    NativeErrors.check(JdnnNative.op_binary(op.code, a.h(), b.h(), out.h()));
    return out;
  }

  private static Tensor[] binaryBackward(BinaryOp op, Tensor a, Tensor b, Tensor g, boolean needA, boolean needB) {
    Tensor ga = null, gb = null;
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
      case DIV: // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        ga = needA ? g.div(b) : null;
        gb = needB ? g.mul(a).div(b.square()).neg() : null;
        break;
      case POW: // PyTorch's pow_backward_self and pow_backward_exponent, zeros included (kernels/binary.h)
        ga = needA ? g.mul(binary(BinaryOp.POW_BASE_GRAD, a, b)) : null;
        gb = needB ? g.mul(binary(BinaryOp.POW_EXPONENT_GRAD, a, b)) : null;
        break;
      default:
        throw new UnsupportedOperationException(op.label + ": no derivative (jdnn has no second derivatives of pow)");
    }
    return new Tensor[] {reduceTo(ga, a), reduceTo(gb, b)};
  }

  /**
   * op(a, b) with broadcasting, as a uint8 tensor of 0 and 1 (jdnn's boolean); never recorded by
   * autograd. Operands of different dtypes are compared in their promoted type ({@link TypePromotion}), as PyTorch
   * compares them.
   */
  static Tensor compare(CompareOp op, Tensor a, Tensor b) {
    String name = op.label;
    a.h();
    b.h();
    Tensor.requireSameDevice(name, a, b);
    long[] shape = broadcastShape(name, a.shapeRef(), b.shapeRef());
    DType type = TypePromotion.resultType(a, b);
    Tensor[] pair = TypePromotion.convertedPair(a, b, type);
    Tensor ca = pair[0], cb = pair[1];
    Tensor out = null;
    try {
      out = Tensor.empty(DType.UINT8, a.device(), shape);
      NativeErrors.check(JdnnNative.op_compare(op.code, ca.h(), cb.h(), out.h()));
      return out;
    } catch (RuntimeException e) {
      if (out != null) out.close();
      throw e;
    } finally {
      if (ca != a) ca.close();
      if (cb != b) cb.close();
    }
  }

  /**
   * op(x, value): the value is first rounded to x's dtype, as PyTorch does with a Python scalar. For
   * integer dtypes a value that is not exactly an integer of that type is refused, since rounding it
   * would change the answer.
   */
  static Tensor compare(CompareOp op, Tensor x, double value) {
    x.h();
    DType dt = x.dtype();
    if (!dt.isFloatingPoint() && !holdsExactly(dt, value)) {
      throw new IllegalArgumentException(op.label + ": " + value + " is not a value of " + x.describe()
          + "'s type " + dt + ", so it cannot be compared exactly; compare with an integer, or convert the tensor"
          + " with to(DType.FLOAT64) first");
    }
    Tensor s = Tensor.empty(dt, x.device());
    try {
      MemoryOps.fill(s, value);
      return compare(op, x, s);
    } finally {
      s.close();
    }
  }

  private static boolean holdsExactly(DType dt, double v) {
    if (v != Math.rint(v)) return false;  // NaN and fractions
    switch (dt) {
      case UINT8: return v >= 0 && v <= 255;
      case INT32: return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
      default: return v >= -0x1p63 && v < 0x1p63;  // INT64
    }
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
