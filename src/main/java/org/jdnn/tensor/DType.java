package org.jdnn.tensor;

/** Element types. Codes match native/include/jdnn/jdnn.h. */
public enum DType {
  /** 32-bit IEEE float: the working type of models and ops. */
  FLOAT32(0, 4, "float32"),
  /** 64-bit IEEE float: every op runs in it too (gradient checks, references). */
  FLOAT64(1, 8, "float64"),
  /** 32-bit signed integer: class labels, indices. */
  INT32(2, 4, "int32"),
  /** 64-bit signed integer: labels, counters such as batch norm's num_batches_tracked. */
  INT64(3, 8, "int64"),
  /** Unsigned byte: raw pixels. */
  UINT8(4, 1, "uint8");

  final int code;
  private final int bytes;
  private final String label;

  DType(int code, int bytes, String label) {
    this.code = code;
    this.bytes = bytes;
    this.label = label;
  }

  /**
   * Bytes per element.
   *
   * @return 1, 4 or 8
   */
  public int byteSize() {
    return bytes;
  }

  /**
   * Whether this is a float type, the only kind ops with gradients take.
   *
   * @return true for FLOAT32 and FLOAT64
   */
  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64;
  }

  @Override
  public String toString() {
    return label;
  }

  static DType fromCode(int code) {
    for (DType d : values()) if (d.code == code) return d;
    throw new IllegalArgumentException("unknown dtype code " + code);
  }
}
