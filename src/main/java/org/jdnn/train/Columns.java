package org.jdnn.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;

/**
 * Where named tensors sit in one packed float32 (N, F) tensor: each name's samples flattened into a
 * block of columns, in a fixed order. This is how {@link GraphTraining} gives the trainer, which
 * batches one input and one target tensor, the several inputs and targets of a graph; unpacking
 * restores each tensor's per-sample shape and dtype (int32/int64 labels travel as floats, exact
 * below 2^24, which {@link #pack} checks).
 */
final class Columns {
  /** Integers up to this size are exact in float32. */
  private static final long EXACT_INT = 1L << 24;

  /** One named block: its columns [offset, offset + width) and one sample's shape and dtype. */
  record Block(String name, DType dtype, long[] sampleShape, long offset, long width) {}

  private final String what;
  private final List<Block> blocks;
  private final long width;

  private Columns(String what, List<Block> blocks) {
    this.what = what;
    this.blocks = List.copyOf(blocks);
    long w = 0;
    for (Block b : blocks) w += b.width;
    this.width = w;
  }

  /**
   * The layout of {@code tensors} taken in the order of {@code names}.
   *
   * @param what "inputs", "targets" or "outputs", for messages
   */
  static Columns of(String what, List<String> names, Map<String, Tensor> tensors) {
    List<Block> blocks = new ArrayList<>();
    long offset = 0;
    for (String name : names) {
      Tensor t = tensors.get(name);
      long[] sample = Arrays.copyOfRange(t.shape(), 1, t.rank());
      long w = 1;
      for (long d : sample) w *= d;
      blocks.add(new Block(name, t.dtype(), sample, offset, w));
      offset += w;
    }
    return new Columns(what, blocks);
  }

  List<Block> blocks() {
    return blocks;
  }

  long width() {
    return width;
  }

  /** Whether the two layouts hold the same names, shapes and dtypes in the same columns. */
  boolean sameAs(Columns other) {
    if (other.blocks.size() != blocks.size()) return false;
    for (int i = 0; i < blocks.size(); i++) {
      Block a = blocks.get(i);
      Block b = other.blocks.get(i);
      if (!a.name.equals(b.name) || a.dtype != b.dtype || !Arrays.equals(a.sampleShape, b.sampleShape)) return false;
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(what).append(" {");
    for (Block b : blocks) {
      sb.append(b == blocks.get(0) ? "" : ", ").append(b.name).append(": ").append(b.dtype).append(' ')
          .append(Arrays.toString(b.sampleShape));
    }
    return sb.append('}').toString();
  }

  /** One float32 (N, width) tensor holding every block; integer values must be exact in float32. */
  Tensor pack(Map<String, Tensor> tensors) {
    Tensor[] parts = new Tensor[blocks.size()];
    for (int i = 0; i < parts.length; i++) {
      Block b = blocks.get(i);
      Tensor t = tensors.get(b.name);
      if (t.dtype() == DType.INT32 || t.dtype() == DType.INT64) {
        for (long v : t.to(DType.INT64).toLongArray()) {
          if (Math.abs(v) > EXACT_INT) {
            throw new IllegalArgumentException("GraphTraining: " + what + " '" + b.name + "' holds " + v
                + "; integer values travel as float32 between the loader and the graph, exact only up to 2^24 in size");
          }
        }
      } else if (t.dtype() != DType.FLOAT32) {
        throw new IllegalArgumentException("GraphTraining: " + what + " '" + b.name + "' is " + t.describe()
            + "; expected float32, or int32/int64 class labels (convert it with Tensor.to(DType.FLOAT32))");
      }
      Tensor flat = t.reshape(t.dim(0), b.width);
      parts[i] = t.dtype() == DType.FLOAT32 ? flat : flat.to(DType.FLOAT32);
    }
    return parts.length == 1 ? parts[0].copy() : ConcatOps.concat(1, "GraphTraining", parts);
  }

  /** Each block of a packed (B, width) tensor, in its own shape and dtype, by name. */
  Map<String, Tensor> unpack(Tensor packed) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Block b : blocks) out.put(b.name, unpack(packed, b));
    return out;
  }

  /** The block {@code name} of a packed (B, width) tensor, in its own shape and dtype. */
  Tensor unpack(Tensor packed, String name) {
    for (Block b : blocks) if (b.name.equals(name)) return unpack(packed, b);
    throw new IllegalArgumentException("GraphTraining: no " + what + " '" + name + "' in " + this);
  }

  private Tensor unpack(Tensor packed, Block b) {
    if (packed.rank() != 2 || packed.dim(1) != width) {
      throw new IllegalArgumentException("GraphTraining: expected packed " + what + " of shape (B, " + width + ") for " + this
          + ", got " + packed.describe() + "; give the trainer datasets made by GraphTraining.pack");
    }
    Tensor col = blocks.size() == 1 ? packed : NarrowOps.narrow(packed, 1, b.offset, b.width);
    long[] shape = new long[b.sampleShape.length + 1];
    shape[0] = packed.dim(0);
    System.arraycopy(b.sampleShape, 0, shape, 1, b.sampleShape.length);
    Tensor t = col.reshape(shape);
    return b.dtype.isFloatingPoint() ? t : t.to(b.dtype);  // labels back to integers
  }
}
