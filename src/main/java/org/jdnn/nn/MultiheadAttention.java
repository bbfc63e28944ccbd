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
 * <p><b>Layout.</b> Inputs are (L, N, E) (sequence first, PyTorch's default) or, with
 * {@code batchFirst}, (N, L, E); key and value have S positions. The one-argument {@link #forward(Tensor)}
 * is self-attention, so the layer also works inside a {@link Sequential}.
 *
 * <p><b>Masks</b>, with nn.MultiheadAttention's meaning (the opposite of SDPA's boolean masks):
 * {@code keyPaddingMask} (N, S), uint8 nonzero = that key is padding and ignored, or float added to the
 * scores; {@code attnMask} (L, S) or (N numHeads, L, S), uint8 nonzero = not allowed to attend, or
 * float added. A query whose every key is masked gets zeros (see {@link Attention}); PyTorch gives
 * NaN there when it returns the weights and zeros when it does not, so jdnn takes the zeros always.
 * Not supported: add_bias_kv, add_zero_attn, kdim/vdim different from E.
 */
public final class MultiheadAttention extends Layer {
  /**
   * Saved as {"type": "MultiheadAttention", "embed_dim": e, "num_heads": h, "dropout": p, "bias": b,
   * "batch_first": f, "children": {"out_proj": Linear}}.
   */
  public static final LayerType<MultiheadAttention> TYPE = LayerType.of("MultiheadAttention", MultiheadAttention.class,
      (l, out) -> out.put("embed_dim", l.embedDim).put("num_heads", l.numHeads).put("dropout", l.dropout)
          .put("bias", l.hasBias).put("batch_first", l.batchFirst), in -> {
            int e = in.positiveInt("embed_dim", SettingsReader.MAX_FEATURES / 3);
            int h = in.positiveInt("num_heads", SettingsReader.MAX_FEATURES);
            double p = in.finite("dropout");
            boolean bias = in.bool("bias");
            boolean batchFirst = in.bool("batch_first");
            return LayerType.plan(parameterShapes(e, bias), (children, init) -> {
              if (children.size() != 1 || !(children.get(0) instanceof Linear)) {
                throw new IllegalArgumentException("MultiheadAttention: expected one child, out_proj, a Linear; got " + children);
              }
              return new MultiheadAttention(e, h, p, bias, batchFirst, (Linear) children.get(0), init);
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
   * A multi-head attention layer initialized from the global generator.
   *
   * @param embedDim E, divisible by {@code numHeads}
   * @param numHeads the number of heads
   * @param dropout the probability of dropping an attention weight in training, in [0, 1)
   * @param bias whether the input and output projections have biases
   * @param batchFirst whether inputs are (N, L, E) instead of (L, N, E)
   * @throws IllegalArgumentException when a setting is out of range
   */
  public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst) {
    this(embedDim, numHeads, dropout, bias, batchFirst, null, Generator.global());
  }

  /** With {@code outProj} null a new Linear(E, E) is made (bias zeroed, as PyTorch); else that child is checked and used. */
  MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst, Linear outProj, Generator g) {
    this.name = "MultiheadAttention(embed_dim=" + embedDim + ", num_heads=" + numHeads + ")";
    if (embedDim < 1 || numHeads < 1) {
      throw new IllegalArgumentException(name + ": embed_dim and num_heads must be positive, got " + embedDim + " and " + numHeads);
    }
    if (embedDim % numHeads != 0) {
      throw new IllegalArgumentException(name + ": embed_dim (" + embedDim + ") must be divisible by num_heads (" + numHeads
          + "); choose a head count that divides it");
    }
    if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException(name + ": dropout must be in [0, 1), got " + dropout);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.hasBias = bias;
    this.batchFirst = batchFirst;
    Map<String, long[]> shapes = parameterShapes(embedDim, bias);
    Init.xavierUniform(registerParameter("in_proj_weight", Tensor.empty(DType.FLOAT32, shapes.get("in_proj_weight"))), 1.0, g);
    if (bias) registerParameter("in_proj_bias", Tensor.zeros(shapes.get("in_proj_bias")));
    if (outProj == null) {
      outProj = new Linear(embedDim, embedDim, bias, g);
      if (bias) outProj.bias().copyFrom(Tensor.zeros(embedDim));
    } else if (outProj.inFeatures() != embedDim || outProj.outFeatures() != embedDim || outProj.hasBias() != bias) {
      throw new IllegalArgumentException(name + ": out_proj must be Linear(" + embedDim + " -> " + embedDim
          + (bias ? "" : ", no bias") + "), got " + outProj.describe());
    }
    this.outProj = registerModule("out_proj", outProj);
  }

  /** What the layer allocates itself (out_proj is a child): in_proj_weight (3E, E) and, with bias, in_proj_bias (3E). */
  static Map<String, long[]> parameterShapes(int embedDim, boolean bias) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("in_proj_weight", new long[] {3L * embedDim, embedDim});
    if (bias) shapes.put("in_proj_bias", new long[] {3L * embedDim});
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
   * @param key (S, N, E), or (N, S, E)
   * @param value (S, N, E), or (N, S, E)
   * @return the new output, of query's shape
   * @throws IllegalArgumentException when the inputs do not fit the layer or each other
   */
  public Tensor forward(Tensor query, Tensor key, Tensor value) {
    return forward(query, key, value, null, null, false, true).output();
  }

  /**
   * Attention with masks, and optionally its weights.
   *
   * @param query (L, N, E), or (N, L, E) with batchFirst
   * @param key (S, N, E), or (N, S, E)
   * @param value (S, N, E), or (N, S, E)
   * @param keyPaddingMask null, or (N, S): uint8 (nonzero: ignore that key) or float (added)
   * @param attnMask null, or (L, S) or (N numHeads, L, S): uint8 (nonzero: not allowed) or float (added)
   * @param needWeights whether to return the attention weights
   * @param averageAttnWeights whether the weights are averaged over the heads, (N, L, S), or kept per
   *     head, (N, numHeads, L, S)
   * @return the output (of query's shape) and, with {@code needWeights}, the weights (else null)
   * @throws IllegalArgumentException when an input or mask does not fit
   */
  public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean needWeights,
      boolean averageAttnWeights) {
    checkInputs(query, key, value);
    int b = batchFirst ? 0 : 1, t = batchFirst ? 1 : 0;
    long n = query.dim(b), l = query.dim(t), s = key.dim(t);
    Tensor weight = parameter("in_proj_weight");
    Composed.checkDType(name, query, weight);
    if (keyPaddingMask != null && (keyPaddingMask.rank() != 2 || keyPaddingMask.dim(0) != n || keyPaddingMask.dim(1) != s)) {
      throw new IllegalArgumentException(name + ": key_padding_mask must be (N, S) = [" + n + ", " + s + "], got "
          + keyPaddingMask.describe());
    }
    boolean perBatchMask = attnMask != null && attnMask.rank() == 3;
    if (attnMask != null && !((attnMask.rank() == 2 && attnMask.dim(0) == l && attnMask.dim(1) == s)
        || (perBatchMask && attnMask.dim(0) == n * numHeads && attnMask.dim(1) == l && attnMask.dim(2) == s))) {
      throw new IllegalArgumentException(name + ": attn_mask must be (L, S) = [" + l + ", " + s + "] or (N num_heads, L, S) = ["
          + n * numHeads + ", " + l + ", " + s + "], got " + attnMask.describe());
    }
    for (Tensor m : new Tensor[] {keyPaddingMask, attnMask}) {
      if (m == null) continue;
      Tensor.requireSameDevice(name, query, m);
      Attention.checkMaskType(name, m == attnMask ? "attn_mask" : "key_padding_mask", m, query.dtype());
    }
    Tensor[] result = Composed.runAll(() -> {
      // (N, L, E) rows from here on; sequence-first inputs are transposed in and out
      Tensor q = batchFirst ? query : query.transpose(0, 1);
      Tensor k = key == query ? q : batchFirst ? key : key.transpose(0, 1);
      Tensor v = value == key ? k : batchFirst ? value : value.transpose(0, 1);
      Tensor[] qkv = project(q, k, v, weight, parameter("in_proj_bias"));
      Tensor mask = null;
      if (keyPaddingMask != null) {
        mask = Attention.additive(name, "key_padding_mask", keyPaddingMask, false, query.dtype()).reshape(n, 1, 1, s);
      }
      if (attnMask != null) {
        Tensor am = Attention.additive(name, "attn_mask", attnMask, false, query.dtype());
        if (perBatchMask) am = am.reshape(n, numHeads, l, s);  // row i is batch i / H, head i % H, as PyTorch's
        mask = mask == null ? am : mask.add(am);
      }
      Tensor[] att = Attention.attend(heads(qkv[0], n, l), heads(qkv[1], n, s), heads(qkv[2], n, s), new long[] {n, numHeads},
          mask, 1 / Math.sqrt(headDim), isTraining() ? dropout : 0, generator, name);
      Tensor merged = att[0].permute(0, 2, 1, 3).reshape(n * l, embedDim);
      Tensor y = outProj.call(merged).reshape(n, l, embedDim);
      Tensor weights = needWeights ? (averageAttnWeights ? att[1].mean(1, false) : att[1]) : null;
      return new Tensor[] {batchFirst ? y : y.transpose(0, 1), weights};
    });
    return new Output(result[0], result[1]);
  }

  /** The query, key and value projections, each (N * len, E); self-attention runs one product for the three. */
  private Tensor[] project(Tensor q, Tensor k, Tensor v, Tensor weight, Tensor bias) {
    long e = embedDim;
    if (q == k && k == v) {
      Tensor all = Linalg.linear(q.reshape(-1, e), weight, bias, name);
      return new Tensor[] {NarrowOps.narrow(all, 1, 0, e), NarrowOps.narrow(all, 1, e, e), NarrowOps.narrow(all, 1, 2 * e, e)};
    }
    Tensor[] in = {q, k, v};
    Tensor[] out = new Tensor[3];
    for (int i = 0; i < 3; i++) {
      Tensor w = NarrowOps.narrow(weight, 0, i * e, e);
      Tensor bi = bias == null ? null : NarrowOps.narrow(bias, 0, i * e, e);
      out[i] = Linalg.linear(in[i].reshape(-1, e), w, bi, name);
    }
    return out;
  }

  /** (N * len, E) rows to (N, H, len, D) heads. */
  private Tensor heads(Tensor rows, long n, long len) {
    return rows.reshape(n, len, numHeads, headDim).permute(0, 2, 1, 3);
  }

  private void checkInputs(Tensor query, Tensor key, Tensor value) {
    String layout = batchFirst ? "(N, L, E)" : "(L, N, E)";
    int b = batchFirst ? 0 : 1, t = batchFirst ? 1 : 0;
    for (Tensor x : new Tensor[] {query, key, value}) {
      if (x == null) throw new IllegalArgumentException(name + ": query, key and value must not be null");
      if (x.rank() != 3 || x.dim(2) != embedDim) {
        throw new IllegalArgumentException(name + ": expected " + layout + " inputs with E = " + embedDim + (batchFirst
            ? "" : " (sequence first; build with batch_first=true for (N, L, E))") + ", got " + x.describe());
      }
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

  /** Projections (4 E^2 per position, 2 FLOPs each) and the two products of attention (self-attention length L). */
  @Override
  public long flops(long[] in, long[] out) {
    long len = in.length >= 2 ? in[0] : 1;  // a (L, E) sample, as Summary passes batch-first shapes
    long e = embedDim;
    return 2 * 4 * e * e * len + 2 * 2 * len * len * e;
  }

  @Override
  public String describe() {
    return name;
  }
}
