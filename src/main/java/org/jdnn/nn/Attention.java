package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.DropoutOps;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * Scaled dot-product attention as PyTorch's torch.nn.functional.scaled_dot_product_attention:
 * softmax(q k^T scale + mask) v over the last two dimensions, composed of batched products
 * ({@code bmm}), a softmax over the last dimension and broadcasting element-wise ops, so the
 * gradients are theirs.
 *
 * <p><b>Shapes.</b> query (*, L, E), key (*, S, E), value (*, S, Ev), the leading dimensions * the
 * same for all three (PyTorch also broadcasts them; jdnn requires them equal); the output is
 * (*, L, Ev). The default scale is 1 / sqrt(E).
 *
 * <p><b>Masks.</b> {@code attnMask} broadcasts to (*, L, S). A uint8 mask is boolean with
 * PyTorch's SDPA meaning: nonzero (true) lets a query attend to a key, zero masks the pair. A float
 * mask (the query's dtype; under autocast float32 or 16-bit) is added to the scores; entries at or below {@link #MASKED} (-1e30),
 * -infinity among them, count as masked. {@code isCausal} masks every key after the query
 * (j &gt; i, aligned top-left as PyTorch's tril), and cannot be combined with an explicit mask, as in
 * PyTorch. The weights come from one fused op, {@link Tensor#maskedSoftmax}: the scale, the mask
 * and causal masking are applied as it reads q k^T, and masked keys weigh exactly 0 (no infinity
 * enters the arithmetic, and no causal mask is materialized).
 *
 * <p><b>Fully masked rows.</b> A query whose every key is masked gets zeros in its output and its
 * attention weights, and a zero gradient, as PyTorch's SDPA does since 2.5 (its math backend's
 * "safe softmax" maps such rows to 0 instead of NaN).
 */
public final class Attention {
  /** The additive score of a masked (query, key) pair, and the bound at or below which a float mask entry counts as masked. */
  public static final double MASKED = -1e30;

  private Attention() {}

  /**
   * softmax(q k^T / sqrt(E)) v, no mask.
   *
   * @param query (*, L, E), float32 or float64 (under autocast also 16-bit, and key and value may differ from it)
   * @param key (*, S, E), same leading dimensions, dtype and device
   * @param value (*, S, Ev)
   * @return the new (*, L, Ev) output
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit together
   */
  public static Tensor scaledDotProduct(Tensor query, Tensor key, Tensor value) {
    return scaledDotProduct(query, key, value, null, false, Double.NaN);
  }

  /**
   * Attention with an optional mask or causal masking, scale 1 / sqrt(E).
   *
   * @param query (*, L, E), float32 or float64 (under autocast also 16-bit, and key and value may differ from it)
   * @param key (*, S, E)
   * @param value (*, S, Ev)
   * @param attnMask null, or broadcastable to (*, L, S): uint8 (nonzero attends) or float (added)
   * @param isCausal whether query i may attend only to keys j &lt;= i
   * @return the new (*, L, Ev) output
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit, or both a mask
   *     and {@code isCausal} are given
   */
  public static Tensor scaledDotProduct(Tensor query, Tensor key, Tensor value, Tensor attnMask, boolean isCausal) {
    return scaledDotProduct(query, key, value, attnMask, isCausal, Double.NaN);
  }

  /**
   * Attention with an optional mask or causal masking and a given scale.
   *
   * @param query (*, L, E), float32 or float64 (under autocast also 16-bit, and key and value may differ from it)
   * @param key (*, S, E)
   * @param value (*, S, Ev)
   * @param attnMask null, or broadcastable to (*, L, S): uint8 (nonzero attends) or float (added)
   * @param isCausal whether query i may attend only to keys j &lt;= i
   * @param scale the factor of q k^T, finite; NaN for the default 1 / sqrt(E)
   * @return the new (*, L, Ev) output
   * @throws IllegalArgumentException when the shapes, dtypes or devices do not fit, the scale is
   *     infinite, or both a mask and {@code isCausal} are given
   */
  public static Tensor scaledDotProduct(Tensor query, Tensor key, Tensor value, Tensor attnMask, boolean isCausal,
      double scale) {
    String op = "scaled_dot_product_attention";
    checkOperands(op, query, key, value);
    if (attnMask != null) Tensor.requireSameDevice(op, query, attnMask);
    if (attnMask != null && isCausal) {
      throw new IllegalArgumentException(op + ": an explicit attn_mask cannot be combined with is_causal=true (as in"
          + " PyTorch); pass the causal mask inside attn_mask or drop one of them");
    }
    if (Double.isInfinite(scale)) throw new IllegalArgumentException(op + ": scale must be finite (NaN for 1/sqrt(E)), got " + scale);
    int r = query.rank();
    long[] lead = Arrays.copyOf(query.shape(), r - 2);
    long l = query.dim(r - 2), s = key.dim(r - 2);
    if (attnMask != null) {
      checkBroadcast(op, "attn_mask", attnMask, full(lead, l, s));
      checkMaskType(op, "attn_mask", attnMask, query.dtype());
    }
    double sc = Double.isNaN(scale) ? 1 / Math.sqrt(query.dim(r - 1)) : scale;
    return Composed.run(() -> {
      Tensor mask = attnMask != null ? additive(op, "attn_mask", attnMask, true, query.dtype()) : null;
      return attend(query, key, value, lead, mask, isCausal, sc, 0, null, op)[0];
    });
  }

  /** Shapes, ranks, dtypes and devices of q, k, v, checked once with the op's name. */
  static void checkOperands(String op, Tensor q, Tensor k, Tensor v) {
    if (q == null || k == null || v == null) throw new IllegalArgumentException(op + ": query, key and value must not be null");
    Tensor.requireSameDevice(op, q, k, v);
    // autocast: projections give 16-bit q, k, v (the products round every operand to the autocast type anyway)
    boolean autocast = Autocast.takesMixed(q, k, v);
    for (Tensor t : autocast ? new Tensor[0] : new Tensor[] {k, v}) {
      if (t.dtype() != q.dtype()) {
        throw new IllegalArgumentException(op + ": query, key and value must share a dtype, got query " + q.describe()
            + " and " + t.describe());
      }
    }
    if (!autocast && q.dtype() != DType.FLOAT32 && q.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException(op + ": expected float32 or float64 tensors, got query " + q.describe());
    }
    int r = q.rank();
    if (r < 2 || k.rank() != r || v.rank() != r) {
      throw new IllegalArgumentException(op + ": expected query (*, L, E), key (*, S, E) and value (*, S, Ev) of one rank"
          + " (at least 2), got query " + q.describe() + ", key " + k.describe() + ", value " + v.describe());
    }
    for (int d = 0; d < r - 2; d++) {
      if (k.dim(d) != q.dim(d) || v.dim(d) != q.dim(d)) {
        throw new IllegalArgumentException(op + ": query, key and value must have the same leading dimensions (no"
            + " broadcasting), got query " + q.describe() + ", key " + k.describe() + ", value " + v.describe());
      }
    }
    if (k.dim(r - 1) != q.dim(r - 1)) {
      throw new IllegalArgumentException(op + ": key's last dimension must be query's E = " + q.dim(r - 1) + ", got key "
          + k.describe() + " for query " + q.describe());
    }
    if (v.dim(r - 2) != k.dim(r - 2)) {
      throw new IllegalArgumentException(op + ": value must have key's S = " + k.dim(r - 2) + " rows, got value "
          + v.describe() + " for key " + k.describe());
    }
  }

  /** lead + [l, s]. */
  static long[] full(long[] lead, long l, long s) {
    long[] f = Arrays.copyOf(lead, lead.length + 2);
    f[lead.length] = l;
    f[lead.length + 1] = s;
    return f;
  }

  /** Throws unless {@code mask}'s shape broadcasts to {@code target} (NumPy rules), naming the op and the mask. */
  static void checkBroadcast(String op, String what, Tensor mask, long[] target) {
    boolean ok = mask.rank() <= target.length;
    for (int i = 1; ok && i <= mask.rank(); i++) {
      long m = mask.dim(mask.rank() - i);
      ok = m == 1 || m == target[target.length - i];
    }
    if (!ok) {
      throw new IllegalArgumentException(op + ": " + what + " " + mask.describe() + " does not broadcast to "
          + Arrays.toString(target) + "; give it that shape or one with 1 in the dimensions it shares");
    }
  }

  /**
   * The additive form of a mask: a uint8 mask becomes 0 where it lets attention through and
   * {@link #MASKED} elsewhere ({@code trueAttends}: nonzero lets through, as SDPA; else nonzero masks, as
   * nn.MultiheadAttention's masks); a float mask of {@code dtype} is clamped from below at MASKED, so
   * -infinity becomes finite and still counts as masked.
   */
  static Tensor additive(String op, String what, Tensor mask, boolean trueAttends, DType dtype) {
    checkMaskType(op, what, mask, dtype);
    if (mask.dtype() == DType.UINT8) {
      Tensor m = mask.to(dtype).clamp(0, 1);  // any nonzero byte is true
      return trueAttends ? m.sub(1).mul(-MASKED) : m.mul(MASKED);
    }
    return mask.clampMin(MASKED);
  }

  /** A mask is uint8 (boolean) or of the scores' float dtype. */
  static void checkMaskType(String op, String what, Tensor mask, DType dtype) {
    // under autocast the scores' type is the autocast one and the softmax runs in float32: any float mask fits
    if (mask.dtype() != DType.UINT8 && mask.dtype() != dtype && !(dtype != DType.FLOAT64 && Autocast.takesMixed(mask))) {
      throw new IllegalArgumentException(op + ": " + what + " must be uint8 (a boolean mask) or " + dtype + " (added to the"
          + " scores), got " + mask.describe());
    }
  }

  /** {@link #attend(Tensor, Tensor, Tensor, long[], Tensor, boolean, double, double, Generator, String)} without causal masking. */
  static Tensor[] attend(Tensor q, Tensor k, Tensor v, long[] lead, Tensor mask, double scale, double dropoutP,
      Generator generator, String op) {
    return attend(q, k, v, lead, mask, false, scale, dropoutP, generator, op);
  }

  /**
   * The attention itself: q (*lead, L, E), k (*lead, S, E), v (*lead, S, Ev) as checked above; mask
   * null or additive, broadcastable to (*lead, L, S); {@code causal} masks key j for query i when
   * j &gt; i. The weights come from one fused op, {@link Tensor#maskedSoftmax} over the unscaled
   * q k^T (the scale, the mask, causal masking and fully masked rows handled inside it). With
   * {@code dropoutP} &gt; 0 the weights are dropped out (drawn from {@code generator}) before they weigh
   * the values, as PyTorch's attention dropout. Returns {output (*lead, L, Ev), weights (*lead, L, S)}.
   */
  static Tensor[] attend(Tensor q, Tensor k, Tensor v, long[] lead, Tensor mask, boolean causal, double scale,
      double dropoutP, Generator generator, String op) {
    int r = q.rank();
    long l = q.dim(r - 2), s = k.dim(r - 2), e = q.dim(r - 1), ev = v.dim(r - 1);
    long b = Shapes.numel(lead);
    long[] fullShape = full(lead, l, s);
    Tensor scores = q.reshape(b, l, e).bmm(k.reshape(b, s, e), false, true);
    Tensor weights;
    if (mask == null) {
      weights = scores.maskedSoftmax(null, scale, causal);
    } else if (fullShape.length <= Tensor.MAX_STRIDED_DIMS) {  // the mask read through broadcast strides
      weights = scores.reshape(fullShape).maskedSoftmax(mask, scale, causal).reshape(b, l, s);
    } else {  // more dims than the fused op's strides: the mask broadcast in full by an add (any rank), then (b, l, s)
      Tensor zeros = Tensor.empty(mask.dtype(), mask.device(), fullShape);
      MemoryOps.fill(zeros, 0);
      weights = scores.maskedSoftmax(mask.add(zeros).reshape(b, l, s), scale, causal);
    }
    if (dropoutP > 0) {
      CudaGraph.drawnByReplays(weights.device(), generator);
      long seed = generator.seed();
      long offset = generator.reserve(weights.numel());
      weights = DropoutOps.dropout(weights, dropoutP, false, seed, offset, op);
    }
    Tensor out = weights.bmm(v.reshape(b, s, ev));
    return new Tensor[] {out.reshape(full(lead, l, ev)), weights.reshape(fullShape)};
  }
}
