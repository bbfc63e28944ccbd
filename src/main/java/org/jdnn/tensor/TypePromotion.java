package org.jdnn.tensor;

/**
 * The dtype an op on tensors of different dtypes computes in: PyTorch's type promotion
 * (torch.result_type), for jdnn's dtypes.
 *
 * <p>Two rules, as PyTorch documents them:
 *
 * <ul>
 *   <li>Types combine by {@link DType#promote}.
 *   <li>A zero-dimensional operand only decides the type when its category (integer or float) is higher than every
 *       dimensioned operand's: bfloat16[n] + a float32 scalar tensor is bfloat16, int64[n] + a float32 scalar tensor
 *       is float32. With only zero-dimensional operands, they all take part.
 * </ul>
 *
 * <p>This is what makes autocast compose: a float32 parameter added to a product's bfloat16 output gives float32, as
 * in PyTorch. The operands are converted to the result type before the op (a cast of a 16-bit value to float32 is
 * exact), and each operand's gradient comes back in its own dtype.
 */
final class TypePromotion {
  private TypePromotion() {}

  /** The result type of an op on {@code operands} (non-null, open), by the rules above. */
  static DType resultType(Tensor... operands) {
    DType dimensioned = null, zeroDim = null;
    for (Tensor t : operands) {
      if (t.rank() > 0) dimensioned = dimensioned == null ? t.dtype() : DType.promote(dimensioned, t.dtype());
      else zeroDim = zeroDim == null ? t.dtype() : DType.promote(zeroDim, t.dtype());
    }
    if (dimensioned == null) return zeroDim;
    if (zeroDim == null) return dimensioned;
    // PyTorch's combine_categories: a zero-dim float only counts against dimensioned integers
    return zeroDim.isFloatingPoint() && !dimensioned.isFloatingPoint() ? zeroDim : dimensioned;
  }

  /**
   * {@code t} in {@code type}: itself when already of it, else an unrecorded copy the caller closes (a recorded op
   * built on such copies returns gradients in {@code type}; the autograd engine casts each to its operand's).
   */
  static Tensor converted(Tensor t, DType type) {
    return t.dtype() == type ? t : t.convertedCopy(type);
  }

  /** {@link #converted} for two operands; the first copy is closed should the second conversion fail. */
  static Tensor[] convertedPair(Tensor a, Tensor b, DType type) {
    Tensor ca = converted(a, type);
    try {
      return new Tensor[] {ca, converted(b, type)};
    } catch (RuntimeException e) {
      if (ca != a) ca.close();
      throw e;
    }
  }
}
