package org.jdnn.tensor;

/**
 * Element types. Codes match native/include/jdnn/jdnn.h.
 *
 * <p>The element-wise arithmetic, comparisons and {@code where} take operands of different dtypes and promote them as
 * PyTorch does ({@link #promote}; torch.result_type): bfloat16 + float32 is float32, int32 + float32 is float32,
 * float16 + bfloat16 is float32. A zero-dimensional operand only decides the type when its kind (integer or float) is
 * higher than every other operand's: bfloat16[n] * a float32 scalar tensor is bfloat16. {@code cat} and {@code stack}
 * promote too; products and convolutions take one dtype, as in PyTorch outside autocast.
 */
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
  UINT8(4, 1, "uint8"),
  /**
   * IEEE 754 half precision (1 sign, 5 exponent, 10 mantissa bits; largest finite 65504, subnormals down to 2^-24):
   * a storage type. The element-wise ops and reductions take it and compute in float32, rounding the result once
   * (to nearest, ties to even, NaN kept); other ops refuse it.
   */
  FLOAT16(5, 2, "float16"),
  /**
   * bfloat16, float32's top 16 bits (float32's range, 8 mantissa bits): a storage type, computed as
   * {@link #FLOAT16} is.
   */
  BFLOAT16(6, 2, "bfloat16");

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
   * @return 1, 2, 4 or 8
   */
  public int byteSize() {
    return bytes;
  }

  /**
   * Whether this is a float type, the only kind ops with gradients take.
   *
   * @return true for FLOAT32, FLOAT64, FLOAT16 and BFLOAT16
   */
  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64 || isHalf();
  }

  /**
   * Whether this is one of the 16-bit float storage types, which the element-wise ops and reductions compute in
   * float32 and other ops refuse.
   *
   * @return true for FLOAT16 and BFLOAT16
   */
  public boolean isHalf() {
    return this == FLOAT16 || this == BFLOAT16;
  }

  /**
   * The smallest type holding both (PyTorch's torch.promote_types): up the lattice uint8, int32, int64, then the float
   * types, where the wider wins and float16 with bfloat16 gives float32 (neither holds the other's values).
   *
   * @param a a dtype
   * @param b another
   * @return the promoted type
   * @throws IllegalArgumentException when either is null
   */
  public static DType promote(DType a, DType b) {
    if (a == null || b == null) throw new IllegalArgumentException("DType.promote: types must not be null, got " + a + ", " + b);
    if (a == b) return a;
    if (a.isFloatingPoint() != b.isFloatingPoint()) return a.isFloatingPoint() ? a : b;
    if (a.isFloatingPoint()) return a == FLOAT64 || b == FLOAT64 ? FLOAT64 : FLOAT32;
    return a.integerRank() > b.integerRank() ? a : b;
  }

  private int integerRank() {
    return this == UINT8 ? 0 : this == INT32 ? 1 : 2;
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
