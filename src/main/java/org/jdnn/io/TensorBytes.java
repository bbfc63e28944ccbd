package org.jdnn.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/** Tensors to and from little-endian bytes, the layout of safetensors data. */
final class TensorBytes {
  private TensorBytes() {}

  static ByteBuffer toBytes(Tensor t) {
    int n = Math.toIntExact(t.numel());
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(n, t.dtype().byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    switch (t.dtype()) {
      case FLOAT32: b.asFloatBuffer().put(t.toFloatArray()); break;
      case FLOAT64: b.asDoubleBuffer().put(t.toDoubleArray()); break;
      case INT32: b.asIntBuffer().put(t.toIntArray()); break;
      case INT64: b.asLongBuffer().put(t.toLongArray()); break;
      case UINT8: b.put(t.toByteArray()); b.flip(); break;
      case FLOAT16:
      case BFLOAT16: b.asShortBuffer().put(t.toHalfBits()); break;
      default: throw new IllegalArgumentException("unsupported dtype " + t.dtype());
    }
    b.position(0);
    return b;
  }

  /** A new tensor of {@code dtype} and {@code shape} holding the little-endian elements in {@code b}. */
  static Tensor fromBytes(ByteBuffer b, DType dtype, long[] shape) {
    b.order(ByteOrder.LITTLE_ENDIAN);
    int n = b.remaining() / dtype.byteSize();
    Tensor out = Tensor.empty(dtype, shape);
    if (n == 0) return out;
    Tensor flat;
    switch (dtype) {
      case FLOAT32: { float[] a = new float[n]; b.asFloatBuffer().get(a); flat = Tensor.of(a); break; }
      case FLOAT64: { double[] a = new double[n]; b.asDoubleBuffer().get(a); flat = Tensor.of(a); break; }
      case INT32: { int[] a = new int[n]; b.asIntBuffer().get(a); flat = Tensor.ofInts(a); break; }
      case INT64: { long[] a = new long[n]; b.asLongBuffer().get(a); flat = Tensor.ofLongs(a); break; }
      case UINT8: { byte[] a = new byte[n]; b.get(a); flat = Tensor.ofBytes(a); break; }
      case FLOAT16:
      case BFLOAT16: { short[] a = new short[n]; b.asShortBuffer().get(a); flat = Tensor.ofHalfBits(dtype, a); break; }
      default: throw new IllegalArgumentException("unsupported dtype " + dtype);
    }
    try (flat) {
      MemoryOps.copy(flat, out);
    }
    return out;
  }
}
