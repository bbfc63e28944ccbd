package org.jdnn.tensor;

/** Decoding of the 16-bit float patterns (native/src/kernels/half.h encodes them); Java 17 has no float16 type. */
final class HalfBits {
  private HalfBits() {}

  /**
   * The value of a float16 or bfloat16 pattern, exactly.
   *
   * @param dtype FLOAT16 or BFLOAT16
   * @param bits the pattern
   * @return the value as a float (every 16-bit value is one)
   */
  static float toFloat(DType dtype, short bits) {
    int b = bits & 0xffff;
    if (dtype == DType.BFLOAT16) return Float.intBitsToFloat(b << 16);
    int sign = (b & 0x8000) << 16, exp = (b >> 10) & 0x1f, mant = b & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    float v = mant * 0x1p-24f;
    return sign != 0 ? -v : v;
  }
}
