package org.jdnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;

/**
 * Multi-head attention as PyTorch's nn.MultiheadAttention, with its parameters, so state dicts
 * transfer: "in_proj_weight" (3E, E), the query, key and value projections stacked in that order
 * (Xavier-uniform), "in_proj_bias" (3E, zeros) and the child "out_proj", a Linear(E, E) whose bias
 * starts at zero. Each of the {@code numHeads} heads attends over E / numHeads features with scale
 * 1 / sqrt(E / numHeads); in training the attention weights are dropped out with probability
 * {@code dropout} before they weigh the values. Runs on batched products and a softmax over the last
 * dimension ({@link Attention}), on every device.
 *
 * <p><b>Options</b> ({@link #builder}), each PyTorch's:
 * <ul>
 *   <li>{@code kdim}, {@code vdim}: the key's and the value's feature counts (default E). When either
 *       differs from E the projections are three separate parameters, "q_proj_weight" (E, E),
 *       "k_proj_weight" (E, kdim) and "v_proj_weight" (E, vdim), each Xavier-uniform, in place of
 *       "in_proj_weight"; "in_proj_bias" (3E) stays.
 *   <li>{@code addBiasKv}: learned "bias_k" and "bias_v", each (1, 1, E) and Xavier-normal (std
 *       sqrt(1 / E)), appended after the projections as one more key and value position.
 *   <li>{@code addZeroAttn}: a zero key and a zero value appended to every head after the split (and
 *       after bias_k / bias_v), one more position whose score is 0.
 * </ul>
 * Each appended position is never masked: both masks get a zero column at the end for it (as PyTorch
 * pads them), and the weights returned have S + 1 (or S + 2) columns. The registration order, and so the
 * state dict's, is PyTorch's: the projection weights, in_proj_bias, bias_k, bias_v, out_proj.
 *
 * <pre>{@code
 * MultiheadAttention cross = MultiheadAttention.builder(256, 8)
 *     .kdim(64).vdim(96)        // key (S, N, 64), value (S, N, 96)
 *     .addBiasKv(true)          // bias_k, bias_v
 *     .addZeroAttn(true)
 *     .batchFirst(true)
 *     .build();
 * }</pre>
 *
 * <p><b>Layout.</b> Inputs are (L, N, E) (sequence first, PyTorch's default) or, with
 * {@code batchFirst}, (N, L, E); key and value have S positions, kdim and vdim features. The
 * one-argument {@link #forward(Tensor)} is self-attention (kdim = vdim = E), so the layer also works
 * inside a {@link Sequential}.
 *
 * <p><b>Masks</b>, with nn.MultiheadAttention's meaning (the opposite of SDPA's boolean masks):
 * {@code keyPaddingMask} (N, S), uint8 nonzero = that key is padding and ignored, or float added to the
 * scores; {@code attnMask} (L, S) or (N numHeads, L, S), uint8 nonzero = not allowed to attend, or
 * float added. A query whose every key is masked gets zeros (see {@link Attention}); PyTorch gives
 * NaN there when it returns the weights and zeros when it does not, so jdnn takes the zeros always
 * (with addBiasKv or addZeroAttn no row is fully masked: the appended positions stay open).
 */
public final class MultiheadAttention extends Layer {
  /**
   * Saved as {"type": "MultiheadAttention", "embed_dim": e, "num_heads": h, "dropout": p, "bias": b,
   * "batch_first": f, "kdim": k, "vdim": v, "add_bias_kv": bkv, "add_zero_attn": z, "children":
   * {"out_proj": Linear}}; a file without the last four (written before they existed) reads as
   * kdim = vdim = E and neither option.
   */
  public static final LayerType<MultiheadAttention> TYPE = LayerType.of("MultiheadAttention", MultiheadAttention.class,
      (l, out) -> out.put("embed_dim", l.embedDim).put("num_heads", l.numHeads).put("dropout", l.dropout)
          .put("bias", l.hasBias).put("batch_first", l.batchFirst).put("kdim", l.kdim).put("vdim", l.vdim)
          .put("add_bias_kv", l.addBiasKv).put("add_zero_attn", l.addZeroAttn), in -> {
            int e = in.positiveInt("embed_dim", SettingsReader.MAX_FEATURES / 3);
            int h = in.positiveInt("num_heads", SettingsReader.MAX_FEATURES);
            double p = in.finite("dropout");
            boolean bias = in.bool("bias");
            boolean batchFirst = in.bool("batch_first");
            int kdim = in.intOr("kdim", 1, SettingsReader.MAX_FEATURES, e);
            int vdim = in.intOr("vdim", 1, SettingsReader.MAX_FEATURES, e);
            boolean biasKv = in.boolOr("add_bias_kv", false);
            boolean zeroAttn = in.boolOr("add_zero_attn", false);
            return LayerType.plan(parameterShapes(e, kdim, vdim, bias, biasKv), (children, init) -> {
              if (children.size() != 1 || !(children.get(0) instanceof Linear)) {
                throw new IllegalArgumentException("MultiheadAttention: expected one child, out_proj, a Linear; got " + children);
              }
              return new MultiheadAttention(builder(e, h).dropout(p).bias(bias).batchFirst(batchFirst).kdim(kdim).vdim(vdim)
                  .addBiasKv(biasKv).addZeroAttn(zeroAttn).generator(init), (Linear) children.get(0));
            });
          });

  /** What the results of {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)} hold. */
  public record Output(Tensor output, Tensor weights) {}

  private final int embedDim;
  private final int numHeads;
  private final int headDim;
  private final double dropout;
  private final boolean hasBias;
  private final boolean batchFirst;
  private final int kdim;
  private final int vdim;
  private final boolean addBiasKv;
  private final boolean addZeroAttn;
  private final boolean packed;  // kdim = vdim = E: one in_proj_weight
  private final Linear outProj;
  private final Generator generator = Generator.global();
  private final String name;

  /**
   * PyTorch's defaults: no dropout, biases, sequence-first inputs.
   *
   * @param embedDim E, divisible by {@code numHeads}
   * @param numHeads the number of heads
   * @throws IllegalArgumentException when E or the head count is not positive or the heads do not divide E
   */
  public MultiheadAttention(int embedDim, int numHeads) {
    this(embedDim, numHeads, 0.0, true, false);
  }

  /**
   * A multi-head attention layer initialized from the global generator, without PyTorch's other options
   * ({@link #builder} has them all).
   *
   * @param embedDim E, divisible by {@code numHeads}
   * @param numHeads the number of heads
   * @param dropout the probability of dropping an attention weight in training, in [0, 1)
   * @param bias whether the input and output projections have biases
   * @param batchFirst whether inputs are (N, L, E) instead of (L, N, E)
   * @throws IllegalArgumentException when a setting is out of range
   */
  public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst) {
    this(builder(embedDim, numHeads).dropout(dropout).bias(bias).batchFirst(batchFirst), null);
  }

  /**
   * A builder holding PyTorch's defaults (no dropout, biases, kdim = vdim = E, no bias_k / bias_v, no zero
   * attention, sequence first, the global generator); every setter may be left out.
   *
   * @param embedDim E, divisible by {@code numHeads} (checked by {@link Builder#build})
   * @param numHeads the number of heads
   * @return a new builder
   */
  public static Builder builder(int embedDim, int numHeads) {
    return new Builder(embedDim, numHeads);
  }

  /**
   * The settings of a {@link MultiheadAttention}, PyTorch's defaults until set. The setters store values as
   * given; {@link #build} checks them all and names the layer in its message.
   */
  public static final class Builder {
    private final int embedDim;
    private final int numHeads;
    private double dropout;
    private boolean bias = true;
    private boolean batchFirst;
    private Integer kdim;
    private Integer vdim;
    private boolean addBiasKv;
    private boolean addZeroAttn;
    private Generator generator = Generator.global();

    private Builder(int embedDim, int numHeads) {
      this.embedDim = embedDim;
      this.numHeads = numHeads;
    }

    /**
     * @param p the probability of dropping an attention weight in training, in [0, 1) (default 0)
     * @return this builder
     */
    public Builder dropout(double p) {
      this.dropout = p;
      return this;
    }

    /**
     * @param b whether the input projections (in_proj_bias) and out_proj have biases (default true)
     * @return this builder
     */
    public Builder bias(boolean b) {
      this.bias = b;
      return this;
    }

    /**
     * @param f whether inputs and output are (N, L, E) instead of (L, N, E) (default false)
     * @return this builder
     */
    public Builder batchFirst(boolean f) {
      this.batchFirst = f;
      return this;
    }

    /**
     * @param k the key's feature count, at least 1 (default E); another value than E gives separate
     *     q_proj_weight, k_proj_weight and v_proj_weight
     * @return this builder
     */
    public Builder kdim(int k) {
      this.kdim = k;
      return this;
    }

    /**
     * @param v the value's feature count, at least 1 (default E); another value than E gives separate
     *     q_proj_weight, k_proj_weight and v_proj_weight
     * @return this builder
     */
    public Builder vdim(int v) {
      this.vdim = v;
      return this;
    }

    /**
     * @param b whether learned bias_k and bias_v (1, 1, E) are appended as one more key and value position
     *     (default false)
     * @return this builder
     */
    public Builder addBiasKv(boolean b) {
      this.addBiasKv = b;
      return this;
    }

    /**
     * @param b whether a zero key and value are appended to every head as one more position (default false)
     * @return this builder
     */
    public Builder addZeroAttn(boolean b) {
      this.addZeroAttn = b;
      return this;
    }

    /**
     * @param g the generator the initial weights are drawn from (default the global one)
     * @return this builder
     * @throws IllegalArgumentException when g is null
     */
    public Builder generator(Generator g) {
      if (g == null) throw new IllegalArgumentException("MultiheadAttention: generator must not be null; leave it unset for "
          + "the global one");
      this.generator = g;
      return this;
    }

    /**
     * The layer with these settings; later changes to this builder do not affect it.
     *
     * @return a new layer, its out_proj a new Linear(E, E)
     * @throws IllegalArgumentException when a setting is out of range
     */
    public MultiheadAttention build() {
      return new MultiheadAttention(this, null);
    }
  }

  /** With {@code outProj} null a new Linear(E, E) is made (bias zeroed, as PyTorch); else that child is checked and used. */
  MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst, Linear outProj, Generator g) {
    this(builder(embedDim, numHeads).dropout(dropout).bias(bias).batchFirst(batchFirst).generator(g), outProj);
  }

  private MultiheadAttention(Builder o, Linear outProj) {
    int embedDim = o.embedDim, numHeads = o.numHeads;
    int kd = o.kdim == null ? embedDim : o.kdim, vd = o.vdim == null ? embedDim : o.vdim;
    this.name = "MultiheadAttention(embed_dim=" + embedDim + ", num_heads=" + numHeads + (kd == embedDim ? "" : ", kdim=" + kd)
        + (vd == embedDim ? "" : ", vdim=" + vd) + (o.addBiasKv ? ", add_bias_kv=true" : "")
        + (o.addZeroAttn ? ", add_zero_attn=true" : "") + ")";
    if (embedDim < 1 || numHeads < 1) {
      throw new IllegalArgumentException(name + ": embed_dim and num_heads must be positive, got " + embedDim + " and " + numHeads);
    }
    if (embedDim % numHeads != 0) {
      throw new IllegalArgumentException(name + ": embed_dim (" + embedDim + ") must be divisible by num_heads (" + numHeads
          + "); choose a head count that divides it");
    }
    if (kd < 1 || vd < 1) {
      throw new IllegalArgumentException(name + ": kdim and vdim must be positive (the key's and the value's feature counts), got "
          + kd + " and " + vd + "; leave them unset for E = " + embedDim);
    }
    double dropout = o.dropout;
    if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException(name + ": dropout must be in [0, 1), got " + dropout);
    boolean bias = o.bias;
    Generator g = o.generator;
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.hasBias = bias;
    this.batchFirst = o.batchFirst;
    this.kdim = kd;
    this.vdim = vd;
    this.addBiasKv = o.addBiasKv;
    this.addZeroAttn = o.addZeroAttn;
    this.packed = kd == embedDim && vd == embedDim;
    Map<String, long[]> shapes = parameterShapes(embedDim, kd, vd, bias, addBiasKv);
    for (String w : packed ? new String[] {"in_proj_weight"} : new String[] {"q_proj_weight", "k_proj_weight", "v_proj_weight"}) {
      Init.xavierUniform(registerParameter(w, Tensor.empty(DType.FLOAT32, shapes.get(w))), 1.0, g);
    }
    if (bias) registerParameter("in_proj_bias", Tensor.zeros(shapes.get("in_proj_bias")));
    if (addBiasKv) {
      for (String b : new String[] {"bias_k", "bias_v"}) {
        registerParameter(b, Tensor.empty(DType.FLOAT32, shapes.get(b)));
      }
    }
    if (outProj == null) {
      outProj = new Linear(embedDim, embedDim, bias, g);
      if (bias) {
        try (Tensor zeros = Tensor.zeros(embedDim)) {  // PyTorch zeroes out_proj.bias
          outProj.bias().copyFrom(zeros);
        }
      }
    } else if (outProj.inFeatures() != embedDim || outProj.outFeatures() != embedDim || outProj.hasBias() != bias) {
      throw new IllegalArgumentException(name + ": out_proj must be Linear(" + embedDim + " -> " + embedDim
          + (bias ? "" : ", no bias") + "), got " + outProj.describe());
    }
    // drawn after out_proj, so that a layer without these options draws what it always drew
    if (addBiasKv) for (String b : new String[] {"bias_k", "bias_v"}) Init.xavierNormal(parameter(b), 1.0, g);
    this.outProj = registerModule("out_proj", outProj);
  }

  /**
   * What the layer allocates itself (out_proj is a child), in PyTorch's registration order: in_proj_weight
   * (3E, E) when kdim = vdim = E, else q_proj_weight (E, E), k_proj_weight (E, kdim) and v_proj_weight
   * (E, vdim); with bias, in_proj_bias (3E); with addBiasKv, bias_k and bias_v (1, 1, E).
   */
  static Map<String, long[]> parameterShapes(int embedDim, int kdim, int vdim, boolean bias, boolean addBiasKv) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (kdim == embedDim && vdim == embedDim) {
      shapes.put("in_proj_weight", new long[] {3L * embedDim, embedDim});
    } else {
      shapes.put("q_proj_weight", new long[] {embedDim, embedDim});
      shapes.put("k_proj_weight", new long[] {embedDim, kdim});
      shapes.put("v_proj_weight", new long[] {embedDim, vdim});
    }
    if (bias) shapes.put("in_proj_bias", new long[] {3L * embedDim});
    if (addBiasKv) {
      shapes.put("bias_k", new long[] {1, 1, embedDim});
      shapes.put("bias_v", new long[] {1, 1, embedDim});
    }
    return shapes;
  }

  /**
   * Self-attention: query, key and value are {@code x}; no masks.
   *
   * @param x (L, N, E), or (N, L, E) with batchFirst
   * @return the new output, of x's shape
   * @throws IllegalArgumentException when x does not fit the layer
   */
  @Override
  public Tensor forward(Tensor x) {
    return forward(x, x, x, null, null, false, true).output();
  }

  /**
   * Attention of {@code query} over {@code key} and {@code value}, no masks.
   *
   * @param query (L, N, E), or (N, L, E) with batchFirst
   * @param key (S, N, kdim), or (N, S, kdim)
   * @param value (S, N, vdim), or (N, S, vdim)
   * @return the new output, of query's shape
   * @throws IllegalArgumentException when the inputs do not fit the layer or each other
   */
  public Tensor forward(Tensor query, Tensor key, Tensor value) {
    return forward(query, key, value, null, null, false, true).output();
  }

  /**
   * {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)} run through this
   * layer's hooks, as {@link #call(Tensor)} runs {@link #forward(Tensor)}: the hooks see the query as
   * the input and the attention output as the output. A pre-hook's replacement becomes the query,
   * and the key and value too where they are the query (self-attention); a forward hook's
   * replacement becomes the output; the weights come back beside it as computed. Containers
   * (TransformerEncoderLayer) call this, so hooks on their attention run.
   *
   * @param query (L, N, E), or (N, L, E) with batchFirst
   * @param key (S, N, kdim), or (N, S, kdim)
   * @param value (S, N, vdim), or (N, S, vdim)
   * @param keyPaddingMask null, or (N, S): uint8 (nonzero: ignore that key) or float (added)
   * @param attnMask null, or (L, S) or (N numHeads, L, S): uint8 (nonzero: not allowed) or float (added)
   * @param needWeights whether to return the attention weights
   * @param averageAttnWeights whether the weights are averaged over the heads
   * @return the output (of query's shape, or a forward hook's replacement) and, with
   *     {@code needWeights}, the weights (else null)
   * @throws IllegalArgumentException when an input or mask does not fit
   */
  public Output call(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean needWeights,
      boolean averageAttnWeights) {
    Tensor[] weights = new Tensor[1];
    Tensor out = call(query, q -> {
      Output o = forward(q, key == query ? q : key, value == query ? q : value, keyPaddingMask, attnMask, needWeights,
          averageAttnWeights);
      weights[0] = o.weights();
      return o.output();
    });
    return new Output(out, weights[0]);
  }

  /**
   * Attention with masks, and optionally its weights. With addBiasKv and addZeroAttn the keys are S + 1 or
   * S + 2 positions: the masks keep their (.., S) shapes here and the layer pads them with open columns.
   *
   * @param query (L, N, E), or (N, L, E) with batchFirst
   * @param key (S, N, kdim), or (N, S, kdim)
   * @param value (S, N, vdim), or (N, S, vdim)
   * @param keyPaddingMask null, or (N, S): uint8 (nonzero: ignore that key) or float (added)
   * @param attnMask null, or (L, S) or (N numHeads, L, S): uint8 (nonzero: not allowed) or float (added)
   * @param needWeights whether to return the attention weights
   * @param averageAttnWeights whether the weights are averaged over the heads, (N, L, S'), or kept per
   *     head, (N, numHeads, L, S'), where S' is S plus one for addBiasKv and one for addZeroAttn
   * @return the output (of query's shape) and, with {@code needWeights}, the weights (else null)
   * @throws IllegalArgumentException when an input or mask does not fit
   */
  public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean needWeights,
      boolean averageAttnWeights) {
    checkInputs(query, key, value);
    int b = batchFirst ? 0 : 1, t = batchFirst ? 1 : 0;
    long n = query.dim(b), l = query.dim(t), s = key.dim(t);
    Tensor weight = parameter(packed ? "in_proj_weight" : "q_proj_weight");
    Composed.checkDType(name, query, weight);
    if (!packed) {
      Composed.checkDType(name, key, weight);
      Composed.checkDType(name, value, weight);
    }
    if (keyPaddingMask != null && (keyPaddingMask.rank() != 2 || keyPaddingMask.dim(0) != n || keyPaddingMask.dim(1) != s)) {
      throw new IllegalArgumentException(name + ": key_padding_mask must be (N, S) = [" + n + ", " + s + "], got "
          + keyPaddingMask.describe() + appendedNote());
    }
    boolean perBatchMask = attnMask != null && attnMask.rank() == 3;
    if (attnMask != null && !((attnMask.rank() == 2 && attnMask.dim(0) == l && attnMask.dim(1) == s)
        || (perBatchMask && attnMask.dim(0) == n * numHeads && attnMask.dim(1) == l && attnMask.dim(2) == s))) {
      throw new IllegalArgumentException(name + ": attn_mask must be (L, S) = [" + l + ", " + s + "] or (N num_heads, L, S) = ["
          + n * numHeads + ", " + l + ", " + s + "], got " + attnMask.describe() + appendedNote());
    }
    for (Tensor m : new Tensor[] {keyPaddingMask, attnMask}) {
      if (m == null) continue;
      Tensor.requireSameDevice(name, query, m);
      Attention.checkMaskType(name, m == attnMask ? "attn_mask" : "key_padding_mask", m, query.dtype());
    }
    long extra = (addBiasKv ? 1 : 0) + (addZeroAttn ? 1 : 0), s2 = s + extra;
    Tensor[] result = Composed.runAll(() -> {
      // (N, L, E) rows from here on; sequence-first inputs are transposed in and out
      Tensor q = batchFirst ? query : query.transpose(0, 1);
      Tensor k = key == query ? q : batchFirst ? key : key.transpose(0, 1);
      Tensor v = value == key ? k : batchFirst ? value : value.transpose(0, 1);
      Tensor[] qkv = project(q, k, v, parameter("in_proj_bias"));
      Tensor kRows = qkv[1].reshape(n, s, embedDim), vRows = qkv[2].reshape(n, s, embedDim);
      if (addBiasKv) {  // one more position, the same learned key and value for every sample
        kRows = Tensor.cat(1, kRows, parameter("bias_k").expand(n, 1, embedDim));
        vRows = Tensor.cat(1, vRows, parameter("bias_v").expand(n, 1, embedDim));
      }
      Tensor kh = heads(kRows, n, kRows.dim(1)), vh = heads(vRows, n, vRows.dim(1));
      if (addZeroAttn) {  // (N, H, S, D) gets a zero position at the end of S
        kh = kh.pad(0, 0, 0, 1);
        vh = vh.pad(0, 0, 0, 1);
      }
      Tensor mask = null;
      if (keyPaddingMask != null) {
        mask = openColumns(Attention.additive(name, "key_padding_mask", keyPaddingMask, false, query.dtype()), extra)
            .reshape(n, 1, 1, s2);
      }
      if (attnMask != null) {
        Tensor am = openColumns(Attention.additive(name, "attn_mask", attnMask, false, query.dtype()), extra);
        if (perBatchMask) am = am.reshape(n, numHeads, l, s2);  // row i is batch i / H, head i % H, as PyTorch's
        mask = mask == null ? am : mask.add(am);
      }
      Tensor[] att = Attention.attend(heads(qkv[0], n, l), kh, vh, new long[] {n, numHeads}, mask, 1 / Math.sqrt(headDim),
          isTraining() ? dropout : 0, generator, name);
      Tensor merged = att[0].permute(0, 2, 1, 3).reshape(n * l, embedDim);
      Tensor y = outProj.call(merged).reshape(n, l, embedDim);
      Tensor weights = needWeights ? (averageAttnWeights ? att[1].mean(1, false) : att[1]) : null;
      return new Tensor[] {batchFirst ? y : y.transpose(0, 1), weights};
    });
    return new Output(result[0], result[1]);
  }

  /** An additive mask with {@code extra} zero (open) columns after its last: the appended positions are never masked. */
  private static Tensor openColumns(Tensor mask, long extra) {
    return extra == 0 ? mask : mask.pad(0, extra);
  }

  /** For mask shape errors: the masks cover the S given keys, not the positions the layer appends. */
  private String appendedNote() {
    if (!addBiasKv && !addZeroAttn) return "";
    return " (give the masks for the S keys passed in; the layer adds the open column for "
        + (addBiasKv && addZeroAttn ? "bias_k and the zero attention" : addBiasKv ? "bias_k" : "the zero attention") + " itself)";
  }

  /**
   * The query, key and value projections, each (N * len, E); self-attention with one in_proj_weight runs one
   * product for the three.
   */
  private Tensor[] project(Tensor q, Tensor k, Tensor v, Tensor bias) {
    long e = embedDim;
    Tensor[] in = {q, k, v};
    Tensor[] out = new Tensor[3];
    if (packed) {
      Tensor weight = parameter("in_proj_weight");
      if (q == k && k == v) {
        Tensor all = Linalg.linear(q.reshape(-1, e), weight, bias, name);
        return new Tensor[] {NarrowOps.narrow(all, 1, 0, e), NarrowOps.narrow(all, 1, e, e), NarrowOps.narrow(all, 1, 2 * e, e)};
      }
      for (int i = 0; i < 3; i++) {
        Tensor bi = bias == null ? null : NarrowOps.narrow(bias, 0, i * e, e);
        out[i] = Linalg.linear(in[i].reshape(-1, e), NarrowOps.narrow(weight, 0, i * e, e), bi, name);
      }
      return out;
    }
    String[] names = {"q_proj_weight", "k_proj_weight", "v_proj_weight"};
    long[] widths = {e, kdim, vdim};
    for (int i = 0; i < 3; i++) {
      Tensor bi = bias == null ? null : NarrowOps.narrow(bias, 0, i * e, e);
      out[i] = Linalg.linear(in[i].reshape(-1, widths[i]), parameter(names[i]), bi, name);
    }
    return out;
  }

  /** (N, len, E) or (N * len, E) rows to (N, H, len, D) heads. */
  private Tensor heads(Tensor rows, long n, long len) {
    return rows.reshape(n, len, numHeads, headDim).permute(0, 2, 1, 3);
  }

  private void checkInputs(Tensor query, Tensor key, Tensor value) {
    int b = batchFirst ? 0 : 1, t = batchFirst ? 1 : 0;
    String[] what = {"query", "key", "value"};
    String[] feature = {"E", "kdim", "vdim"};
    int[] width = {embedDim, kdim, vdim};
    Tensor[] xs = {query, key, value};
    for (int i = 0; i < 3; i++) {
      Tensor x = xs[i];
      if (x == null) throw new IllegalArgumentException(name + ": query, key and value must not be null");
      if (x.rank() == 3 && x.dim(2) == width[i]) continue;
      String layout = "(" + (batchFirst ? "N, " : "") + (i == 0 ? "L" : "S") + (batchFirst ? "" : ", N") + ", " + feature[i] + ")";
      String hint = batchFirst ? "" : " (sequence first; build with batch_first=true for (N, L, E))";
      if (packed) {
        throw new IllegalArgumentException(name + ": expected " + (batchFirst ? "(N, L, E)" : "(L, N, E)") + " inputs with E = "
            + embedDim + hint + ", got " + x.describe() + (i > 0 && x.rank() == 3
            ? "; a " + what[i] + " of another width needs a layer built with " + feature[i] + "(" + x.dim(2) + ")" : ""));
      }
      throw new IllegalArgumentException(name + ": expected " + what[i] + " " + layout + " with " + feature[i] + " = " + width[i]
          + hint + ", got " + x.describe() + (i > 0 && x.rank() == 3 ? "; build the layer with " + feature[i] + "(" + x.dim(2)
          + ") for this " + what[i] : ""));
    }
    if (key.dim(b) != query.dim(b) || value.dim(b) != query.dim(b) || value.dim(t) != key.dim(t)) {
      throw new IllegalArgumentException(name + ": query, key and value must share the batch size N and key and value the"
          + " length S, got query " + query.describe() + ", key " + key.describe() + ", value " + value.describe());
    }
  }

  /** @return E */
  public int embedDim() {
    return embedDim;
  }

  /** @return the number of heads */
  public int numHeads() {
    return numHeads;
  }

  /** @return the attention-weight dropout probability */
  public double dropout() {
    return dropout;
  }

  /** @return whether inputs are (N, L, E) */
  public boolean isBatchFirst() {
    return batchFirst;
  }

  /** @return whether the projections have biases */
  public boolean hasBias() {
    return hasBias;
  }

  /** @return the key's feature count (E unless set) */
  public int kdim() {
    return kdim;
  }

  /** @return the value's feature count (E unless set) */
  public int vdim() {
    return vdim;
  }

  /** @return whether bias_k and bias_v are appended as one more key and value position */
  public boolean addsBiasKv() {
    return addBiasKv;
  }

  /** @return whether a zero key and value are appended as one more position */
  public boolean addsZeroAttn() {
    return addZeroAttn;
  }

  /**
   * Projections (E (2E + kdim + vdim) multiply-adds per position, 2 FLOPs each) and the two products of
   * attention (self-attention length L, keys L plus the appended positions).
   */
  @Override
  public long flops(long[] in, long[] out) {
    long len = in.length >= 2 ? in[0] : 1;  // a (L, E) sample, as Summary passes batch-first shapes
    long e = embedDim;
    long keys = len + (addBiasKv ? 1 : 0) + (addZeroAttn ? 1 : 0);
    return 2 * e * (2 * e + kdim + vdim) * len + 2 * 2 * len * keys * e;
  }

  @Override
  public String describe() {
    return name;
  }
}
