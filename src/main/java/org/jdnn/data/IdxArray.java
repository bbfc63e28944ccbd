package org.jdnn.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The contents of one IDX file: element type, dimensions and the raw big-endian data, in Java
 * memory ({@link IdxReader} makes it; {@link FashionMnist} turns it into a dataset).
 */
public final class IdxArray {
  /** IDX element type codes (third byte of the magic number). */
  public enum Type {
    /** Unsigned byte, code 0x08 (MNIST pixels and labels). */
    UBYTE(0x08, 1),
    /** Signed byte, code 0x09. */
    BYTE(0x09, 1),
    /** Big-endian int16, code 0x0B. */
    SHORT(0x0B, 2),
    /** Big-endian int32, code 0x0C. */
    INT(0x0C, 4),
    /** Big-endian float32, code 0x0D. */
    FLOAT(0x0D, 4),
    /** Big-endian float64, code 0x0E. */
    DOUBLE(0x0E, 8);

    final int code;
    final int size;

    Type(int code, int size) {
      this.code = code;
      this.size = size;
    }

    static Type of(int code) {
      for (Type t : values()) if (t.code == code) return t;
      return null;
    }
  }

  private final Type type;
  private final int[] dims;
  private final byte[] data;

  IdxArray(Type type, int[] dims, byte[] data) {
    this.type = type;
    this.dims = dims;
    this.data = data;
  }

  /**
   * The element type.
   *
   * @return the type the header names
   */
  public Type type() {
    return type;
  }

  /**
   * The dimensions.
   *
   * @return a copy, e.g. {60000, 28, 28}
   */
  public int[] dims() {
    return dims.clone();
  }

  /**
   * The number of items (the first dimension).
   *
   * @return dims()[0], or 1 for a rank-0 array
   */
  public int count() {
    return dims.length == 0 ? 1 : dims[0];
  }

  /**
   * The number of elements.
   *
   * @return the product of the dimensions
   */
  public int length() {
    return data.length / type.size;
  }

  /**
   * Element i as a double, decoding the IDX type (big-endian).
   *
   * @param i the element's flat index, in [0, {@link #length()})
   * @return its value
   * @throws IndexOutOfBoundsException when {@code i} is out of range
   */
  public double get(int i) {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
    switch (type) {
      case UBYTE: return data[i] & 0xff;
      case BYTE: return data[i];
      case SHORT: return b.getShort(i * 2);
      case INT: return b.getInt(i * 4);
      case FLOAT: return b.getFloat(i * 4);
      default: return b.getDouble(i * 8);
    }
  }

  /**
   * All elements times {@code scale}, as floats.
   *
   * @param scale the factor, e.g. 1/255 to map pixels to [0, 1]
   * @return a new array of {@link #length()} values
   */
  public float[] toFloats(double scale) {
    float[] out = new float[length()];
    if (type == Type.UBYTE) {
      for (int i = 0; i < out.length; i++) out[i] = (float) ((data[i] & 0xff) * scale);
    } else {
      for (int i = 0; i < out.length; i++) out[i] = (float) (get(i) * scale);
    }
    return out;
  }

  /**
   * All elements as ints (labels), truncated toward zero for FLOAT and DOUBLE.
   *
   * @return a new array of {@link #length()} values
   */
  public int[] toInts() {

    int[] out = new int[length()];
    for (int i = 0; i < out.length; i++) out[i] = (int) get(i);
    return out;
  }
}
