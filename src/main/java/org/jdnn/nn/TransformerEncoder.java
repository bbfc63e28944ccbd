package org.jdnn.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.jdnn.tensor.Tensor;

/**
 * A stack of {@link TransformerEncoderLayer}s, as PyTorch's nn.TransformerEncoder: each layer in turn
 * with the same masks, then an optional final {@link LayerNorm} (the usual closing norm of a
 * pre-norm stack). The children carry PyTorch's names, "layers" (the blocks, "0", "1", ...) and
 * "norm", so state dict keys match ("layers.0.self_attn.in_proj_weight", "layers.1.norm2.bias",
 * "norm.weight").
 *
 * <p>PyTorch builds the stack by deep-copying one layer, so every block starts from the same
 * weights; here each block is made by a factory (or given), so each is initialized on its own. The
 * parameter names and shapes, and so the state dicts, are the same either way.
 *
 * <pre>{@code
 * TransformerEncoder encoder = new TransformerEncoder(
 *     i -> new TransformerEncoderLayer(64, 4, 128, 0.1, "gelu", 1e-5, true, true, true), 6,
 *     new LayerNorm(new long[] {64}, 1e-5, true, true));
 * Tensor y = encoder.forward(tokens, null, paddingMask);   // tokens (N, L, 64), paddingMask (N, L)
 * }</pre>
 */
public final class TransformerEncoder extends Layer {
  /** The most blocks a stack may have (a model file's bound). */
  static final int MAX_LAYERS = 10_000;

  /** Saved as {"type": "TransformerEncoder", "num_layers", "norm" (whether there is one), "children": {"layers", "norm"}}. */
  public static final LayerType<TransformerEncoder> TYPE = LayerType.of("TransformerEncoder", TransformerEncoder.class,
      (l, out) -> out.put("num_layers", l.numLayers()).put("norm", l.norm != null), in -> {
        int n = in.positiveInt("num_layers", MAX_LAYERS);
        boolean norm = in.bool("norm");
        return LayerType.plan((children, init) -> new TransformerEncoder(n, norm, children));
      });

  private final Sequential layers;
  private final LayerNorm norm;  // null: none
  private final String name;

  /**
   * {@code numLayers} blocks made by {@code layer} (called with 0, 1, ...), then {@code norm}.
   *
   * @param layer makes block i; each call must return a new layer of the same d_model and layout
   * @param numLayers how many blocks, at least 1
   * @param norm the final LayerNorm over d_model, or null for none; owned by the stack from now on
   * @throws IllegalArgumentException when numLayers &lt; 1, the factory returns null, the same layer
   *     twice or layers that differ in d_model or batch_first, or the norm does not normalize over d_model
   */
  public TransformerEncoder(IntFunction<TransformerEncoderLayer> layer, int numLayers, LayerNorm norm) {
    this(made(layer, numLayers), norm, true);
  }

  /**
   * The given blocks in order, then {@code norm}; the stack owns them from now on.
   *
   * @param layers the blocks, at least one, distinct, of one d_model and layout
   * @param norm the final LayerNorm over d_model, or null for none
   * @throws IllegalArgumentException when the list is empty, holds null or a layer twice, the
   *     layers differ in d_model or batch_first, or the norm does not normalize over d_model
   */
  public TransformerEncoder(List<TransformerEncoderLayer> layers, LayerNorm norm) {
    this(layers, norm, false);
  }

  private TransformerEncoder(List<TransformerEncoderLayer> blocks, LayerNorm norm, boolean madeHere) {
    this.name = "TransformerEncoder(" + blocks.size() + " x " + (blocks.isEmpty() || blocks.get(0) == null ? "?"
        : blocks.get(0).describe()) + (norm != null ? ", norm" : "") + ")";
    try {
      check(name, blocks, norm);
    } catch (IllegalArgumentException e) {
      if (madeHere) closeAll(blocks);  // the caller never saw them
      throw e;
    }
    this.layers = registerModule("layers", new Sequential(blocks.toArray(new Layer[0])));
    this.norm = norm == null ? null : registerModule("norm", norm);
  }

  /** From a model file: children [layers (a Sequential of numLayers blocks), norm (when hasNorm)]. */
  private TransformerEncoder(int numLayers, boolean hasNorm, List<Layer> loaded) {
    this(blocksOf(numLayers, hasNorm, loaded), hasNorm ? (LayerNorm) loaded.get(1) : null, false);
  }

  private static List<TransformerEncoderLayer> made(IntFunction<TransformerEncoderLayer> factory, int n) {
    if (factory == null) throw new IllegalArgumentException("TransformerEncoder: the layer factory is null");
    if (n < 1) {
      throw new IllegalArgumentException("TransformerEncoder: num_layers must be at least 1, got " + n);
    }
    List<TransformerEncoderLayer> out = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) out.add(factory.apply(i));
    } catch (RuntimeException e) {
      closeAll(out);
      throw e;
    }
    return out;
  }

  private static List<TransformerEncoderLayer> blocksOf(int n, boolean hasNorm, List<Layer> loaded) {
    String expected = "children layers (a Sequential of " + n + " TransformerEncoderLayers)" + (hasNorm ? " and norm (LayerNorm)" : "");
    boolean shape = loaded.size() == (hasNorm ? 2 : 1) && loaded.get(0) instanceof Sequential s && s.size() == n
        && (!hasNorm || loaded.get(1) instanceof LayerNorm);
    List<TransformerEncoderLayer> out = new ArrayList<>();
    if (shape) {
      for (Layer l : ((Sequential) loaded.get(0)).children().values()) {
        if (!(l instanceof TransformerEncoderLayer t)) {
          shape = false;
          break;
        }
        out.add(t);
      }
    }
    if (!shape) throw new IllegalArgumentException("TransformerEncoder: expected " + expected + "; got " + loaded);
    return out;
  }

  private static void check(String name, List<TransformerEncoderLayer> blocks, LayerNorm norm) {
    if (blocks == null || blocks.isEmpty()) {
      throw new IllegalArgumentException(name + ": needs at least one TransformerEncoderLayer");
    }
    Set<TransformerEncoderLayer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    TransformerEncoderLayer first = blocks.get(0);
    for (int i = 0; i < blocks.size(); i++) {
      TransformerEncoderLayer b = blocks.get(i);
      if (b == null) throw new IllegalArgumentException(name + ": layer " + i + " is null");
      if (!seen.add(b)) {
        throw new IllegalArgumentException(name + ": layer " + i + " is the same object as an earlier one, so they would share"
            + " weights; make each block separately (the factory constructor calls it once per block)");
      }
      if (b.dModel() != first.dModel() || b.isBatchFirst() != first.isBatchFirst()) {
        throw new IllegalArgumentException(name + ": every layer must have layer 0's d_model " + first.dModel() + " and "
            + (first.isBatchFirst() ? "batch-first" : "sequence-first") + " layout, got layer " + i + " " + b.describe()
            + (b.isBatchFirst() ? " (batch first)" : " (sequence first)"));
      }
    }
    if (norm != null && !Arrays.equals(norm.normalizedShape(), new long[] {first.dModel()})) {
      throw new IllegalArgumentException(name + ": the final norm must normalize over d_model, [" + first.dModel() + "], got "
          + norm.describe() + " over " + Arrays.toString(norm.normalizedShape()));
    }
  }

  private static void closeAll(List<? extends Layer> layers) {
    for (Layer l : layers) if (l != null) l.close();
  }

  /**
   * {@inheritDoc} No masks.
   *
   * @param src (L, N, E), or (N, L, E) when the layers are batch-first
   * @return the new output, of src's shape
   * @throws IllegalArgumentException when src does not fit the layers
   */
  @Override
  public Tensor forward(Tensor src) {
    return forward(src, null, null);
  }

  /**
   * Every block with the same masks, then the final norm (nn.TransformerEncoder.forward).
   *
   * @param src (L, N, E), or (N, L, E) when the layers are batch-first
   * @param mask null, or (L, L) or (N nhead, L, L): uint8 (nonzero: not allowed) or float (added)
   * @param srcKeyPaddingMask null, or (N, L): uint8 (nonzero: padding, ignored) or float (added)
   * @return the new output, of src's shape
   * @throws IllegalArgumentException when src or a mask does not fit (the first block says which)
   */
  public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask) {
    return Composed.run(() -> {
      Tensor x = src;
      for (int i = 0; i < layers.size(); i++) x = block(i).call(x, mask, srcKeyPaddingMask);
      return norm == null ? x : norm.call(x);
    });
  }

  /**
   * Block {@code i}, as the stack runs it.
   *
   * @param i in [0, {@link #numLayers()})
   * @return the block, still owned by the stack
   * @throws IndexOutOfBoundsException when {@code i} is out of range
   */
  public TransformerEncoderLayer block(int i) {
    Layer l = layers.get(i);
    if (!(l instanceof TransformerEncoderLayer t)) {
      throw new IllegalStateException(name + ": block " + i + " was replaced by " + l.describe() + ", which is not a"
          + " TransformerEncoderLayer; replace blocks only with TransformerEncoderLayers of the same d_model");
    }
    return t;
  }

  /** @return the number of blocks */
  public int numLayers() {
    return layers.size();
  }

  /** @return the final norm, or null when there is none */
  public LayerNorm norm() {
    return norm;
  }

  @Override
  public long flops(long[] in, long[] out) {
    long total = 0;
    for (int i = 0; i < layers.size(); i++) total += block(i).flops(in, in);
    return total + (norm == null ? 0 : norm.flops(in, in));
  }

  @Override
  public String describe() {
    return name;
  }
}
