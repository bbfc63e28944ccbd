package org.jdnn.io;

import java.util.Arrays;
import org.jdnn.tensor.DType;

/**
 * One tensor's record in a safetensors header: dtype, shape and byte range within the data section.
 * Records come from {@link SafeTensorsFile#entries()}, already validated, so a loader can check
 * names, dtypes and shapes before it reads or allocates anything.
 */
public final class SafeTensorsEntry {
  /** The tensor's name in the file, e.g. "0.weight". */
  public final String name;
  /** Its element type. */
  public final DType dtype;
  private final long[] shape;
  /** Offset of its first byte from the start of the data section. */
  public final long begin;
  /** Offset just past its last byte from the start of the data section. */
  public final long end;

  SafeTensorsEntry(String name, DType dtype, long[] shape, long begin, long end) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape.clone();
    this.begin = begin;
    this.end = end;
  }

  /**
   * The tensor's shape.
   *
   * @return a copy of the dimensions (empty for a scalar)
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * The number of elements.
   *
   * @return the product of the dimensions (1 for a scalar)
   */
  public long numel() {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }

  /**
   * The safetensors spelling of a jdnn dtype.
   *
   * @param d a dtype
   * @return "F32", "F64", "I32", "I64", "U8", "F16" or "BF16"
   * @throws IllegalArgumentException for a dtype with no safetensors spelling (none today)
   */
  public static String code(DType d) {

    switch (d) {
      case FLOAT32: return "F32";
      case FLOAT64: return "F64";
      case INT32: return "I32";
      case INT64: return "I64";
      case UINT8: return "U8";
      case FLOAT16: return "F16";
      case BFLOAT16: return "BF16";
      default: throw new IllegalArgumentException("no safetensors dtype for " + d);
    }
  }

  /** The jdnn dtype of a safetensors spelling, or null for one jdnn does not hold (F8_E4M3, I16, BOOL, ...). */
  static DType fromCode(String code) {
    for (DType d : DType.values()) if (code(d).equals(code)) return d;
    return null;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
  }
}
