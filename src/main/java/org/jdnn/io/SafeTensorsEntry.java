package org.jdnn.io;

import java.util.Arrays;
import org.jdnn.tensor.DType;

/** One tensor's record in a safetensors header: dtype, shape and byte range within the data section. */
public final class SafeTensorsEntry {
  public final String name;
  public final DType dtype;
  private final long[] shape;
  public final long begin;
  public final long end;

  SafeTensorsEntry(String name, DType dtype, long[] shape, long begin, long end) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape.clone();
    this.begin = begin;
    this.end = end;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }

  /** The safetensors spelling of a jdnn dtype. */
  public static String code(DType d) {
    switch (d) {
      case FLOAT32: return "F32";
      case FLOAT64: return "F64";
      case INT32: return "I32";
      case INT64: return "I64";
      case UINT8: return "U8";
      default: throw new IllegalArgumentException("no safetensors dtype for " + d);
    }
  }

  /** The jdnn dtype of a safetensors spelling, or null for one jdnn does not hold (F16, BF16, ...). */
  static DType fromCode(String code) {
    for (DType d : DType.values()) if (code(d).equals(code)) return d;
    return null;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
  }
}
