package org.jdnn.tensor;

/**
 * Mixed precision for this thread, PyTorch's autocast: inside a scope, the products (Linear, matmul, bmm, 2-D
 * convolution) take float32 operands in a 16-bit type and give their result in it, with the sums in float32, while
 * the precision-sensitive ops of PyTorch's float32 list (softmax, log-softmax, the losses, batch norm, layer norm, group
 * norm, exp, log, pow, reciprocal, rsqrt, softplus, sum) and the ops that have no 16-bit form here (pooling, dropout)
 * take 16-bit inputs widened to float32 and give float32. Other element-wise ops (add, mul, relu, tanh, GELU, mean...)
 * run in their inputs' type, and operands of different types promote as in PyTorch (bfloat16 + float32 is float32: see
 * {@link DType}). Parameters stay float32 (master weights): a product casts its operands each time, so gradients
 * reach the parameters in float32 through those casts.
 *
 * <pre>
 * try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
 *   Tensor loss = lossFn.compute(model.forward(x), y);  // Linear in bfloat16, the loss in float32
 *   loss.backward();
 * }
 * </pre>
 *
 * <p>This is the reference semantics: a product here rounds its operands to the 16-bit type, computes in float32 (a
 * product of two 16-bit values is exact in float32, so this is what a 16-bit GEMM accumulating in float32 computes)
 * and rounds the result once. It is as slow as float32 or slower (the casts); the 16-bit GEMMs of the CPU (AMX,
 * AVX512-BF16) and of cuBLAS/cuDNN are the next step and will be checked against it. float16 needs loss scaling
 * (its range ends at 65504) to train; bfloat16 does not.
 *
 * <p>Scopes nest ({@link #disable()} suspends autocast inside one); each thread has its own state.
 */
public final class Autocast {
  private static final ThreadLocal<DType[]> TYPE = ThreadLocal.withInitial(() -> new DType[1]);

  private Autocast() {}

  /** Closes a scope: the previous state comes back. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Turns autocast on for this thread until the scope closes.
   *
   * @param type FLOAT16 or BFLOAT16
   * @return the scope; close it (try-with-resources) to restore the previous state
   * @throws IllegalArgumentException when type is not a 16-bit float type
   */
  public static Scope enable(DType type) {
    if (type == null || !type.isHalf()) {
      throw new IllegalArgumentException("Autocast.enable: expected DType.BFLOAT16 or DType.FLOAT16, got " + type
          + " (float32 needs no autocast: leave the scope out)");
    }
    return set(type);
  }

  /**
   * Turns autocast off for this thread until the scope closes (for a part of a model that must stay float32).
   *
   * @return the scope
   */
  public static Scope disable() {
    return set(null);
  }

  private static final Scope UNCHANGED = () -> { };

  /**
   * A training precision as a scope: {@link #enable} for FLOAT16 or BFLOAT16, a scope that changes nothing for
   * FLOAT32 (what a trainer's precision option turns into around each forward pass).
   *
   * @param precision FLOAT32, FLOAT16 or BFLOAT16
   * @return the scope
   * @throws IllegalArgumentException for any other type
   */
  public static Scope scope(DType precision) {
    if (precision == DType.FLOAT32) return UNCHANGED;
    return enable(precision);
  }

  /**
   * The 16-bit type products use on this thread, or null when autocast is off.
   *
   * @return FLOAT16, BFLOAT16 or null
   */
  public static DType current() {
    return TYPE.get()[0];
  }

  private static Scope set(DType type) {
    DType[] slot = TYPE.get();
    DType previous = slot[0];
    slot[0] = type;
    return () -> slot[0] = previous;
  }

  /**
   * Whether autocast is on and every tensor (nulls skipped) is float32 or 16-bit (float64 is left alone, as PyTorch
   * leaves it): what a product runs in the 16-bit type, and what a layer takes against its
   * float32 parameters under autocast (a product's 16-bit output, a normalization's float32 one).
   *
   * @param tensors the layer's inputs
   * @return false outside autocast
   */
  public static boolean takesMixed(Tensor... tensors) {
    return current() != null && productOperands(tensors);
  }

  private static boolean productOperands(Tensor... operands) {
    for (Tensor t : operands) if (t != null && t.dtype() != DType.FLOAT32 && !t.dtype().isHalf()) return false;
    return true;
  }

  /** An operand as the product sees it: rounded to the 16-bit type (a recorded cast), widened back exactly. */
  static Tensor rounded(Tensor t) {
    if (t == null) return null;
    Tensor low = t.dtype() == current() ? t : t.to(current());
    return low.to(DType.FLOAT32);
  }

  /**
   * Whether a sum of {@code t} gives float32: autocast on and t 16-bit (sum is on PyTorch's float32 list; mean is not,
   * and keeps the input's type).
   */
  static boolean sumsInFloat32(Tensor t) {
    return t.dtype().isHalf() && current() != null;
  }

  /**
   * For an op on PyTorch's autocast float32 list, or one that computes in float32 or float64 only: a 16-bit input
   * widened to float32 (a recorded cast) while autocast is on, anything else as it is (outside autocast a 16-bit input
   * is then refused by the op). Layers of one's own that normalize (as LayerNorm and GroupNorm do) call it on their
   * input.
   *
   * @param t a tensor, or null
   * @return t, or t in float32
   */
  public static Tensor widenForFloat32(Tensor t) {
    // the dtype first: float32 inputs, every op's usual case, never look up the thread's state
    return t != null && t.dtype().isHalf() && current() != null ? t.to(DType.FLOAT32) : t;
  }
}
