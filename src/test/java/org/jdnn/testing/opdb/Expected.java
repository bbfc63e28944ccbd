package org.jdnn.testing.opdb;

import org.jdnn.tensor.DType;

/**
 * What a float64 reference says an op returns: the values, the shape, optionally the dtype (when it
 * is not the inputs', as argmax's int64) and a per-element scale that replaces |value| in the
 * relative tolerance (a dot product's rounding grows with sum |a_i b_i|, not with |sum a_i b_i|).
 */
public final class Expected {
  final double[] values;
  final long[] shape;
  final double[] scale;
  final DType dtype;

  private Expected(double[] values, long[] shape, double[] scale, DType dtype) {
    this.values = values;
    this.shape = shape;
    this.scale = scale;
    this.dtype = dtype;
  }

  public static Expected of(double[] values, long... shape) {
    return new Expected(values, shape, null, null);
  }

  /** Tolerances relative to {@code scale[i]} instead of |values[i]|. */
  public Expected scaledBy(double[] scale) {
    return new Expected(values, shape, scale, dtype);
  }

  /** The result's dtype, when it differs from the inputs'. */
  public Expected dtype(DType dt) {
    return new Expected(values, shape, scale, dt);
  }

  double scale(int i) {
    return scale != null ? scale[i] : Math.abs(values[i]);
  }
}
