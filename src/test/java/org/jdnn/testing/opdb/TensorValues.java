package org.jdnn.testing.opdb;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/** Tensors from double arrays and back, for every dtype the op database uses. */
public final class TensorValues {
  private TensorValues() {}

  /** {@code v} as a tensor of dtype {@code dt} stores it. */
  static double representable(double v, DType dt) {
    switch (dt) {
      case FLOAT64: return v;
      case FLOAT32: return (float) v;
      case INT32: return (int) v;
      case INT64: return (long) v;
      case UINT8: return ((int) v) & 0xFF;  // masks and conditions (0 or 1; any nonzero is true)
      default: throw new IllegalArgumentException("op database: no values for dtype " + dt);
    }
  }

  /** A tensor of {@code dt} and {@code shape} on the default device; an empty shape gives rank 0. */
  public static Tensor make(double[] v, DType dt, long... shape) {
    if (shape.length == 0) return Tensor.full(v[0], dt);
    switch (dt) {
      case FLOAT64:
        return Tensor.of(v, shape);
      case FLOAT32: {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.of(f, shape);
      }
      case INT32: {
        int[] a = new int[v.length];
        for (int i = 0; i < v.length; i++) a[i] = (int) v[i];
        return Tensor.ofInts(a, shape);
      }
      case INT64: {
        long[] a = new long[v.length];
        for (int i = 0; i < v.length; i++) a[i] = (long) v[i];
        return Tensor.ofLongs(a, shape);
      }
      case UINT8: {
        byte[] a = new byte[v.length];
        for (int i = 0; i < v.length; i++) a[i] = (byte) (int) v[i];
        return Tensor.ofBytes(a, shape);
      }
      default:
        throw new IllegalArgumentException("op database: no tensors of dtype " + dt);
    }
  }

  /** The elements of {@code t} (on any device) as doubles. */
  public static double[] of(Tensor t) {
    switch (t.dtype()) {
      case FLOAT64:
        return t.toDoubleArray();
      case FLOAT32: {
        float[] f = t.toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
      }
      case INT32: {
        int[] a = t.toIntArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
      }
      case INT64: {
        long[] a = t.toLongArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
      }
      case UINT8: {
        byte[] a = t.toByteArray();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] & 0xFF;
        return out;
      }
      default:
        throw new IllegalArgumentException("op database: cannot read " + t.describe());
    }
  }
}
