package org.jdnn.tensor;

/** Element types. Codes match native/include/jdnn/jdnn.h. */
public enum DType {
  FLOAT32(0, 4, "float32"),
  FLOAT64(1, 8, "float64"),
  INT32(2, 4, "int32"),
  INT64(3, 8, "int64"),
  UINT8(4, 1, "uint8");

  final int code;
  private final int bytes;
  private final String label;

  DType(int code, int bytes, String label) {
    this.code = code;
    this.bytes = bytes;
    this.label = label;
  }

  /** Bytes per element. */
  public int byteSize() {
    return bytes;
  }

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
