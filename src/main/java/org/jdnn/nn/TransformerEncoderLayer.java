package org.jdnn.nn;

import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * One transformer encoder block as PyTorch's nn.TransformerEncoderLayer: self-attention and a
 * feed-forward network (linear1, activation, dropout, linear2), each in a residual connection with
 * layer normalization, after the sum (post-norm, the default) or before the block
 * ({@code normFirst}). Children carry PyTorch's names, self_attn, linear1, dropout, linear2, norm1,
 * norm2, dropout1, dropout2, so state dict keys match ("self_attn.in_proj_weight", "linear1.weight",
 * "norm2.bias", ...). PyTorch's defaults: dim_feedforward 2048, dropout 0.1 (in the attention
 * weights, the feed-forward network and both residual branches), relu, layer_norm_eps 1e-5,
 * sequence-first, post-norm.
 *
 * <pre>{@code
 * post-norm:  x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(ff(x)))
 * norm-first: x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(ff(norm2(x)))
 * ff(x) = linear2(dropout(activation(linear1(x))))
 * }</pre>
 */
public final class TransformerEncoderLayer extends Layer {
  /**
   * Saved as {"type": "TransformerEncoderLayer", "d_model", "nhead", "dim_feedforward", "dropout", "activation"
   * ("relu" or "gelu"), "layer_norm_eps", "batch_first", "norm_first", "bias", "children": {...the eight children}}.
   */
  public static final LayerType<TransformerEncoderLayer> TYPE = LayerType.of("TransformerEncoderLayer",
      TransformerEncoderLayer.class, (l, out) -> out.put("d_model", l.dModel).put("nhead", l.nhead)
          .put("dim_feedforward", l.dimFeedforward).put("dropout", l.dropout).put("activation", l.activation)
          .put("layer_norm_eps", l.layerNormEps).put("batch_first", l.batchFirst).put("norm_first", l.normFirst)
          .put("bias", l.hasBias), in -> {
            int d = in.positiveInt("d_model", SettingsReader.MAX_FEATURES / 3);
            int h = in.positiveInt("nhead", SettingsReader.MAX_FEATURES);
            int ff = in.positiveInt("dim_feedforward", SettingsReader.MAX_FEATURES);
            double p = in.finite("dropout");
            String act = in.textOr("activation", "relu", "relu", "gelu");
            double eps = in.finite("layer_norm_eps");
            boolean batchFirst = in.bool("batch_first");
            boolean normFirst = in.bool("norm_first");
            boolean bias = in.bool("bias");
            return LayerType.plan((children, init) -> new TransformerEncoderLayer(d, h, ff, p, act, eps, batchFirst, normFirst,
                bias, children));
          });

  private final int dModel;
  private final int nhead;
  private final int dimFeedforward;
  private final double dropout;
  private final String activation;
  private final double layerNormEps;
  private final boolean batchFirst;
  private final boolean normFirst;
  private final boolean hasBias;
  private final MultiheadAttention selfAttn;
  private final Linear linear1;
  private final Dropout dropoutFf;
  private final Linear linear2;
  private final LayerNorm norm1;
  private final LayerNorm norm2;
  private final Dropout dropout1;
  private final Dropout dropout2;
  private final String name;

  /**
   * PyTorch's defaults: dim_feedforward 2048, dropout 0.1, relu, eps 1e-5, sequence-first, post-norm, biases.
   *
   * @param dModel the model width E, divisible by {@code nhead}
   * @param nhead the number of attention heads
   * @throws IllegalArgumentException when a setting is out of range
   */
  public TransformerEncoderLayer(int dModel, int nhead) {
    this(dModel, nhead, 2048, 0.1, "relu", 1e-5, false, false, true);
  }

  /**
   * A transformer encoder layer.
   *
   * @param dModel the model width E, divisible by {@code nhead}
   * @param nhead the number of attention heads
   * @param dimFeedforward the feed-forward network's hidden width
   * @param dropout the dropout probability everywhere in the block, in [0, 1)
   * @param activation "relu" or "gelu" (exact GELU)
   * @param layerNormEps the layer norms' eps, &gt; 0
   * @param batchFirst whether inputs are (N, L, E) instead of (L, N, E)
   * @param normFirst whether the layer norms come before each block (pre-norm) instead of after the sum
   * @param bias whether the linear layers and layer norms have biases
   * @throws IllegalArgumentException when a setting is out of range
   */
  public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation,
      double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias) {
    this(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, null);
  }

  /** With {@code loaded} null the children are made here; else they are the model file's, checked against the settings. */
  private TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation,
      double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias, List<Layer> loaded) {
    this.name = "TransformerEncoderLayer(d_model=" + dModel + ", nhead=" + nhead + ", dim_feedforward=" + dimFeedforward
        + ", " + activation + (normFirst ? ", norm first" : "") + ")";
    if (dimFeedforward < 1) throw new IllegalArgumentException(name + ": dim_feedforward must be positive, got " + dimFeedforward);
    if (!"relu".equals(activation) && !"gelu".equals(activation)) {
      throw new IllegalArgumentException(name + ": activation must be \"relu\" or \"gelu\", got " + activation);
    }
    // checked before any child allocates, so a bad setting leaks nothing
    if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException(name + ": dropout must be in [0, 1), got " + dropout);
    if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
      throw new IllegalArgumentException(name + ": layer_norm_eps must be positive and finite, got " + layerNormEps);
    }
    if (dModel < 1 || nhead < 1 || dModel % nhead != 0) {
      throw new IllegalArgumentException(name + ": d_model (" + dModel + ") must be a positive multiple of nhead (" + nhead
          + "); choose a head count that divides it");
    }
    this.dModel = dModel;
    this.nhead = nhead;
    this.dimFeedforward = dimFeedforward;
    this.dropout = dropout;
    this.activation = activation;
    this.layerNormEps = layerNormEps;
    this.batchFirst = batchFirst;
    this.normFirst = normFirst;
    this.hasBias = bias;
    long[] width = {dModel};
    Layer[] c = loaded == null ? new Layer[] {new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst),
        new Linear(dModel, dimFeedforward, bias), new Dropout(dropout), new Linear(dimFeedforward, dModel, bias),
        new LayerNorm(width, layerNormEps, true, bias), new LayerNorm(width, layerNormEps, true, bias), new Dropout(dropout),
        new Dropout(dropout)} : loaded.toArray(new Layer[0]);
    String expected = "children self_attn MultiheadAttention(" + dModel + ", " + nhead + "), linear1 Linear(" + dModel
        + " -> " + dimFeedforward + "), dropout Dropout, linear2 Linear(" + dimFeedforward + " -> " + dModel
        + "), norm1 and norm2 LayerNorm([" + dModel + "]), dropout1 and dropout2 Dropout";
    if (c.length != 8 || !(c[0] instanceof MultiheadAttention a) || a.embedDim() != dModel || a.numHeads() != nhead
        || a.kdim() != dModel || a.vdim() != dModel
        || !(c[1] instanceof Linear l1) || l1.inFeatures() != dModel || l1.outFeatures() != dimFeedforward
        || !(c[2] instanceof Dropout) || !(c[3] instanceof Linear l2) || l2.inFeatures() != dimFeedforward
        || l2.outFeatures() != dModel || !(c[4] instanceof LayerNorm n1) || !Arrays.equals(n1.normalizedShape(), width)
        || !(c[5] instanceof LayerNorm n2) || !Arrays.equals(n2.normalizedShape(), width)
        || !(c[6] instanceof Dropout) || !(c[7] instanceof Dropout)) {
      throw new IllegalArgumentException(name + ": expected " + expected + "; got " + (loaded == null ? "?" : loaded));
    }
    this.selfAttn = registerModule("self_attn", a);
    this.linear1 = registerModule("linear1", l1);
    this.dropoutFf = registerModule("dropout", (Dropout) c[2]);
    this.linear2 = registerModule("linear2", l2);
    this.norm1 = registerModule("norm1", n1);
    this.norm2 = registerModule("norm2", n2);
    this.dropout1 = registerModule("dropout1", (Dropout) c[6]);
    this.dropout2 = registerModule("dropout2", (Dropout) c[7]);
  }

  /**
   * {@inheritDoc} No masks.
   *
   * @param src (L, N, E), or (N, L, E) with batchFirst
   * @return the new output, of src's shape
   * @throws IllegalArgumentException when src does not fit the layer
   */
  @Override
  public Tensor forward(Tensor src) {
    return forward(src, null, null);
  }

  /**
   * The block with masks for its self-attention (nn.MultiheadAttention's meaning: uint8 nonzero masks).
   *
   * @param src (L, N, E), or (N, L, E) with batchFirst
   * @param srcMask null, or (L, L) or (N nhead, L, L): uint8 (nonzero: not allowed) or float (added)
   * @param srcKeyPaddingMask null, or (N, L): uint8 (nonzero: padding, ignored) or float (added)
   * @return the new output, of src's shape
   * @throws IllegalArgumentException when src or a mask does not fit
   */
  public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
    if (src.rank() != 3 || src.dim(2) != dModel) {
      throw new IllegalArgumentException(name + ": expected input of shape " + (batchFirst ? "(N, L, " : "(L, N, ") + dModel
          + "), got " + src.describe());
    }
    return Composed.run(() -> {
      Tensor x = src;
      if (normFirst) {
        x = x.add(attentionBlock(norm1.call(x), srcMask, srcKeyPaddingMask));
        return x.add(feedForwardBlock(norm2.call(x)));
      }
      x = norm1.call(x.add(attentionBlock(x, srcMask, srcKeyPaddingMask)));
      return norm2.call(x.add(feedForwardBlock(x)));
    });
  }

  /**
   * {@link #forward(Tensor, Tensor, Tensor)} run through this layer's hooks, as {@link #call(Tensor)}
   * runs {@link #forward(Tensor)}: the hooks see {@code src} and the output. TransformerEncoder runs
   * its blocks this way.
   *
   * @param src (L, N, E), or (N, L, E) with batchFirst
   * @param srcMask null, or (L, L) or (N nhead, L, L): uint8 (nonzero: not allowed) or float (added)
   * @param srcKeyPaddingMask null, or (N, L): uint8 (nonzero: padding, ignored) or float (added)
   * @return the output, or a forward hook's replacement
   * @throws IllegalArgumentException when src or a mask does not fit
   */
  public Tensor call(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
    return call(src, x -> forward(x, srcMask, srcKeyPaddingMask));
  }

  private Tensor attentionBlock(Tensor x, Tensor mask, Tensor keyPadding) {
    return dropout1.call(selfAttn.call(x, x, x, keyPadding, mask, false, true).output());
  }

  private Tensor feedForwardBlock(Tensor x) {
    long[] shape = x.shape();
    Tensor h = linear1.call(x.reshape(-1, dModel));
    h = "gelu".equals(activation) ? h.gelu() : h.relu();
    return dropout2.call(linear2.call(dropoutFf.call(h)).reshape(shape));
  }

  /** @return the model width E */
  public int dModel() {
    return dModel;
  }

  /** @return the number of heads */
  public int nhead() {
    return nhead;
  }

  /** @return "relu" or "gelu" */
  public String activation() {
    return activation;
  }

  /** @return whether the layer norms come first */
  public boolean isNormFirst() {
    return normFirst;
  }

  /** @return whether inputs are (N, L, E) */
  public boolean isBatchFirst() {
    return batchFirst;
  }

  @Override
  public long flops(long[] in, long[] out) {
    long len = in.length >= 2 ? in[0] : 1;
    return selfAttn.flops(in, in) + len * (4L * dModel * dimFeedforward + 20L * dModel);  // attention, ff, norms and sums
  }

  @Override
  public String describe() {
    return name;
  }
}
