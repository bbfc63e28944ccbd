package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Fills, copies (across dtypes and devices) and row gathers: in-place or fresh tensors outside the
 * autograd graph, used by org.jdnn.io, org.jdnn.data and the optimizers' state.
 */
public final class MemoryOps {
  private MemoryOps() {}

  public static void fill(Tensor t, double value) {
    NativeErrors.check(JdnnNative.tensor_fill(t.h(), value));
  }

  /**
   * dst = src (converting dtype), equal element counts. Unlike compute ops it crosses devices
   * (through a temporary on dst's device), since loading weights or optimizer state into a model
   * on a GPU is a copy from host tensors.
   */
  public static void copy(Tensor src, Tensor dst) {
    if (src.numel() != dst.numel()) {
      throw new IllegalArgumentException("copy: " + src.describe() + " into " + dst.describe() + ": element counts differ");
    }
    if (src.device() == dst.device()) {
      NativeErrors.check(JdnnNative.tensor_copy(src.h(), dst.h()));
      return;
    }
    try (GradMode.Guard g = GradMode.disable(); Tensor moved = src.to(dst.device())) {
      NativeErrors.check(JdnnNative.tensor_copy(moved.h(), dst.h()));
    }
  }

  /** dst[i] = src[index[i]] for the rows (dimension 0) of src. */
  public static Tensor gatherRows(Tensor src, Tensor index) {
    Tensor.requireSameDevice("gatherRows", src, index);
    if (src.rank() == 0) throw new IllegalArgumentException("gatherRows: source must have rows, got " + src.describe());
    long[] shape = src.shape();
    shape[0] = index.numel();
    Tensor out = Tensor.empty(src.dtype(), src.device(), shape);
    NativeErrors.check(JdnnNative.tensor_gather_rows(src.h(), index.h(), out.h()));
    return out;
  }
}
