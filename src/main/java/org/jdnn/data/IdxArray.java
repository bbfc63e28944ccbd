package org.jdnn.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The contents of one IDX file: element type, dimensions and the raw big-endian data. */
public final class IdxArray {
  /** IDX element type codes (third byte of the magic number). */
  public enum Type {
    UBYTE(0x08, 1), BYTE(0x09, 1), SHORT(0x0B, 2), INT(0x0C, 4), FLOAT(0x0D, 4), DOUBLE(0x0E, 8);

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

  public Type type() {
    return type;
  }

  public int[] dims() {
    return dims.clone();
  }

  public int count() {
    return dims.length == 0 ? 1 : dims[0];
  }

  public int length() {
    return data.length / type.size;
  }

  /** Element i as a double, decoding the IDX type (big-endian). */
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

  /** All elements times {@code scale}, as floats (for pixels: scale 1/255 gives [0, 1]). */
  public float[] toFloats(double scale) {
    float[] out = new float[length()];
    if (type == Type.UBYTE) {
      for (int i = 0; i < out.length; i++) out[i] = (float) ((data[i] & 0xff) * scale);
    } else {
      for (int i = 0; i < out.length; i++) out[i] = (float) (get(i) * scale);
    }
    return out;
  }

  /** All elements as ints (labels). */
  public int[] toInts() {
    int[] out = new int[length()];
    for (int i = 0; i < out.length; i++) out[i] = (int) get(i);
    return out;
  }
}
