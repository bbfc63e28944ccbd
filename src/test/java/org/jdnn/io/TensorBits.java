package org.jdnn.io;

import org.jdnn.tensor.Tensor;

/** A tensor's elements as raw bits, so tests can require bit-exact equality (NaN payloads and -0 included). */
final class TensorBits {
  private TensorBits() {}

  static long[] of(Tensor t) {
    switch (t.dtype()) {
      case FLOAT32: {
        float[] v = t.toFloatArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
      }
      case FLOAT64: {
        double[] v = t.toDoubleArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Double.doubleToRawLongBits(v[i]);
        return out;
      }
      case INT32: {
        int[] v = t.toIntArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
      }
      case INT64:
        return t.toLongArray();
      default:
        throw new IllegalArgumentException("TensorBits: no reader for " + t.describe());
    }
  }
}
