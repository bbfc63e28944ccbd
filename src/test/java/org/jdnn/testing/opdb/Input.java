package org.jdnn.testing.opdb;

import java.util.Arrays;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * One tensor argument of a {@link Sample}: its values (row-major, as doubles), its shape, its dtype
 * (null: the dtype the test runs the row in) and whether gradients are checked for it.
 */
public final class Input {
  final double[] values;
  final long[] shape;
  final DType dtype;
  final boolean differentiable;

  private Input(double[] values, long[] shape, DType dtype, boolean differentiable) {
    long n = 1;
    for (long d : shape) n *= d;
    if (n != values.length) {
      throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
    }
    this.values = values;
    this.shape = shape;
    this.dtype = dtype;
    this.differentiable = differentiable;
  }

  /** A tensor in the row's dtype whose gradient is checked; an empty shape is a rank-0 scalar. */
  public static Input of(double[] values, long... shape) {
    return new Input(values, shape, null, true);
  }

  /** Integer values (class labels, indices) of a fixed integer dtype; never differentiated. */
  public static Input ints(DType dtype, long[] values, long... shape) {
    double[] v = new double[values.length];
    for (int i = 0; i < v.length; i++) v[i] = values[i];
    return new Input(v, shape, dtype, false);
  }

  /** The same values, not differentiated (targets, running statistics, fixed operands). */
  public Input constant() {
    return new Input(values, shape, dtype, false);
  }

  /** The same values in a fixed dtype whatever the row runs in (mismatch errors, labels). */
  public Input as(DType fixed) {
    return new Input(values, shape, fixed, differentiable && fixed.isFloatingPoint());
  }

  /** The dtype this input gets when the row runs in {@code rowDtype}. */
  public DType dtypeIn(DType rowDtype) {
    return dtype != null ? dtype : rowDtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int numel() {
    return values.length;
  }

  /** The values as a tensor of {@code dt} holds them: float32 rounds, integer types truncate toward zero. */
  public double[] valuesIn(DType dt) {
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) out[i] = TensorValues.representable(values[i], dt);
    return out;
  }

  /** A new tensor on the thread's default device holding these values in {@code dtypeIn(rowDtype)}. */
  public Tensor make(DType rowDtype) {
    return TensorValues.make(valuesIn(dtypeIn(rowDtype)), dtypeIn(rowDtype), shape);
  }

  @Override
  public String toString() {
    return (dtype != null ? dtype.toString() : "") + Arrays.toString(shape);
  }
}
