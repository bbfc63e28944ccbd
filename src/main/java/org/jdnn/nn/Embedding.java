package org.jdnn.nn;

import java.util.Arrays;
import java.util.Map;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * A lookup table as PyTorch's nn.Embedding: integer indices of any shape (*) become their rows of
 * "weight" (numEmbeddings, embeddingDim), an output of shape (*, embeddingDim). The weight starts
 * N(0, 1), as PyTorch's. With a padding index, that row starts at zeros and receives no gradient:
 * positions holding it still read the row (whatever it holds), but their gradient is dropped, so
 * training never moves it. Indices outside [0, numEmbeddings) are an index error from the lookup
 * (on a GPU raised at the next synchronization). Not supported: scale_grad_by_freq, sparse.
 *
 * <p><b>max_norm</b> ({@link #builder}): each forward first renormalizes, in place in "weight", every row
 * it looks up whose p-norm ({@code normType}, default 2) exceeds {@code maxNorm}: the row is multiplied by
 * maxNorm / (norm + 1e-7), as PyTorch's embedding_renorm_, so it ends just under maxNorm. Rows not looked
 * up keep their norms, whatever they are; the padding row is renormalized like any other when looked up
 * (PyTorch's renorm does not know it). The renorm is not recorded (no gradient flows through it): the
 * gradient is the plain lookup's, taken at the renormalized rows. It runs on the device, with no host
 * wait, as element-wise ops over the whole table (one pass over the weight per forward; the rows to touch
 * are found with a scatter-add of the indices), not a per-row kernel. Like PyTorch's, it changes the
 * weight in eval mode and under no-grad too.
 *
 * <pre>{@code
 * Embedding words = Embedding.builder(30000, 256).paddingIdx(0).maxNorm(1.0).build();
 * }</pre>
 */
public final class Embedding extends Layer {
  /**
   * Saved as {"type": "Embedding", "num_embeddings": n, "embedding_dim": d, "padding_idx": p (-1 for none),
   * "max_norm": m (only when set), "norm_type": q}; a file without "norm_type" (written before it existed)
   * reads as 2.
   */
  public static final LayerType<Embedding> TYPE = LayerType.of("Embedding", Embedding.class, (l, out) -> {
    out.put("num_embeddings", l.num).put("embedding_dim", l.dim).put("padding_idx", l.paddingIdx);
    if (!Double.isNaN(l.maxNorm)) out.put("max_norm", l.maxNorm);
    out.put("norm_type", l.normType);
  }, in -> {
    int n = in.positiveInt("num_embeddings", SettingsReader.MAX_FEATURES);
    int d = in.positiveInt("embedding_dim", SettingsReader.MAX_FEATURES);
    int pad = in.intIn("padding_idx", -1, n - 1);
    if ((long) n * d > (1L << 31)) {
      throw new IllegalArgumentException("architecture: " + in.where() + ": num_embeddings x embedding_dim = " + (long) n * d
          + " exceeds 2^31 elements");
    }
    double maxNorm = in.finiteOr("max_norm", Double.NaN);
    double normType = in.finiteOr("norm_type", 2.0);
    return LayerType.plan(Map.of("weight", new long[] {n, d}), (children, init) -> {
      Builder b = builder(n, d).paddingIdx(pad < 0 ? null : pad).normType(normType).generator(init);
      return (Double.isNaN(maxNorm) ? b : b.maxNorm(maxNorm)).build();
    });
  });

  private final int num;
  private final int dim;
  private final int paddingIdx;  // -1: none
  private final double maxNorm;  // NaN: none
  private final double normType;
  private final String name;

  /**
   * An embedding without a padding index, initialized from the global generator.
   *
   * @param numEmbeddings the table's number of rows
   * @param embeddingDim each row's length
   * @throws IllegalArgumentException when a size is not positive
   */
  public Embedding(int numEmbeddings, int embeddingDim) {
    this(numEmbeddings, embeddingDim, null, Generator.global());
  }

  /**
   * An embedding, initialized from the global generator.
   *
   * @param numEmbeddings the table's number of rows
   * @param embeddingDim each row's length
   * @param paddingIdx null for none, else a row in [-numEmbeddings, numEmbeddings) (negative counts
   *     from the end, as PyTorch) that starts at zeros and gets no gradient
   * @throws IllegalArgumentException when a size is not positive or the padding index is out of range
   */
  public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx) {
    this(numEmbeddings, embeddingDim, paddingIdx, Generator.global());
  }

  /**
   * An embedding initialized from {@code generator}.
   *
   * @param numEmbeddings the table's number of rows
   * @param embeddingDim each row's length
   * @param paddingIdx null for none, else a row in [-numEmbeddings, numEmbeddings)
   * @param generator the source of the initial N(0, 1) weights
   * @throws IllegalArgumentException when a size is not positive or the padding index is out of range
   */
  public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Generator generator) {
    this(builder(numEmbeddings, embeddingDim).paddingIdx(paddingIdx).generator(generator));
  }

  /**
   * A builder holding PyTorch's defaults (no padding index, no max_norm, norm_type 2, the global generator);
   * every setter may be left out.
   *
   * @param numEmbeddings the table's number of rows (checked by {@link Builder#build})
   * @param embeddingDim each row's length
   * @return a new builder
   */
  public static Builder builder(int numEmbeddings, int embeddingDim) {
    return new Builder(numEmbeddings, embeddingDim);
  }

  /**
   * The settings of an {@link Embedding}, PyTorch's defaults until set. The setters store values as given;
   * {@link #build} checks them all and names the layer in its message.
   */
  public static final class Builder {
    private final int num;
    private final int dim;
    private Integer paddingIdx;
    private double maxNorm = Double.NaN;
    private boolean maxNormSet;
    private double normType = 2.0;
    private Generator generator = Generator.global();

    private Builder(int num, int dim) {
      this.num = num;
      this.dim = dim;
    }

    /**
     * @param idx null for none (the default), else a row in [-numEmbeddings, numEmbeddings) (negative counts
     *     from the end) that starts at zeros and gets no gradient
     * @return this builder
     */
    public Builder paddingIdx(Integer idx) {
      this.paddingIdx = idx;
      return this;
    }

    /**
     * @param m the largest norm a looked-up row may have, a finite number &gt; 0; each forward renormalizes
     *     the looked-up rows above it, in place in the weight (default: none)
     * @return this builder
     */
    public Builder maxNorm(double m) {
      this.maxNorm = m;
      this.maxNormSet = true;
      return this;
    }

    /**
     * @param p the p of the p-norm that max_norm bounds, a finite number &gt; 0 (default 2); infinity (the
     *     largest magnitude, which PyTorch also takes) is refused, as model files hold finite numbers only
     * @return this builder
     */
    public Builder normType(double p) {
      this.normType = p;
      return this;
    }

    /**
     * @param g the generator the initial N(0, 1) weights are drawn from (default the global one)
     * @return this builder
     * @throws IllegalArgumentException when g is null
     */
    public Builder generator(Generator g) {
      if (g == null) throw new IllegalArgumentException("Embedding: generator must not be null; leave it unset for the global one");
      this.generator = g;
      return this;
    }

    /**
     * The layer with these settings; later changes to this builder do not affect it.
     *
     * @return a new layer
     * @throws IllegalArgumentException when a setting is out of range
     */
    public Embedding build() {
      return new Embedding(this);
    }
  }

  private Embedding(Builder o) {
    int numEmbeddings = o.num, embeddingDim = o.dim;
    Integer paddingIdx = o.paddingIdx;
    this.name = "Embedding(" + numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx)
        + (o.maxNormSet ? ", max_norm=" + o.maxNorm : "") + (o.normType == 2.0 ? "" : ", norm_type=" + o.normType) + ")";
    if (numEmbeddings < 1 || embeddingDim < 1) {
      throw new IllegalArgumentException(name + ": num_embeddings and embedding_dim must be positive, got " + numEmbeddings
          + " and " + embeddingDim);
    }
    if (paddingIdx != null && (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)) {
      throw new IllegalArgumentException(name + ": padding_idx must be within num_embeddings, in [" + -numEmbeddings + ", "
          + numEmbeddings + "), got " + paddingIdx);
    }
    if (o.maxNormSet && !(o.maxNorm > 0 && o.maxNorm < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(name + ": max_norm must be a finite number > 0, got " + o.maxNorm
          + "; leave it unset for no renormalization");
    }
    if (!(o.normType > 0 && o.normType < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(name + ": norm_type must be a finite number > 0 (the p of the p-norm), got " + o.normType
          + "; 2 (the default) is the Euclidean norm");
    }
    this.num = numEmbeddings;
    this.dim = embeddingDim;
    this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    this.maxNorm = o.maxNormSet ? o.maxNorm : Double.NaN;
    this.normType = o.normType;
    Tensor w = registerParameter("weight", Tensor.empty(DType.FLOAT32, numEmbeddings, embeddingDim));
    o.generator.normal(w, 0, 1);
    if (this.paddingIdx >= 0) {
      try (Tensor zeros = Tensor.zeros(embeddingDim)) {
        MemoryOps.copyIntoRange(zeros, w, (long) this.paddingIdx * embeddingDim);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * @param indices int32 or int64 indices of any shape, in [0, numEmbeddings)
   * @return the new (*, embeddingDim) rows, of the weight's dtype
   * @throws IllegalArgumentException when the indices are not int32 or int64
   */
  @Override
  public Tensor forward(Tensor indices) {
    if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
      throw new IllegalArgumentException(name + ": expected int32 or int64 indices, got " + indices.describe()
          + "; convert them with .to(DType.INT64)");
    }
    long[] outShape = Arrays.copyOf(indices.shape(), indices.rank() + 1);
    outShape[indices.rank()] = dim;
    return Composed.run(() -> {
      Tensor flat = indices.reshape(indices.numel());
      if (!Double.isNaN(maxNorm)) renorm(flat);
      Tensor rows = parameter("weight").indexSelect(0, flat);
      if (paddingIdx >= 0 && rows.requiresGrad()) rows = Tensor.where(notPadding(flat), rows, rows.detach());
      return rows.reshape(outShape);
    });
  }

  /**
   * PyTorch's embedding_renorm_: the rows of the weight that {@code flat} looks up and whose p-norm exceeds
   * maxNorm are multiplied by maxNorm / (norm + 1e-7), in place, unrecorded. Computed over the whole table on
   * its device: which rows are looked up is a scatter-add of ones at the indices (repeats add, then count as
   * one), so a repeated index renormalizes its row once. The intermediates are freed here.
   */
  private void renorm(Tensor flat) {
    Tensor weight = parameter("weight");
    // autocast off: PyTorch's embedding_renorm_ runs in the table's type (under autocast a 16-bit table's sums would
    // come out float32, and the renormalized table could not be written back)
    try (GradMode.Guard off = GradMode.disable(); Autocast.Scope noAutocast = Autocast.disable();
        TensorScope scope = new TensorScope()) {
      Tensor table = weight.detach();
      Tensor norms;
      if (normType == 2.0) {
        norms = table.mul(table).sum(1, true).sqrt();
      } else if (normType == 1.0) {
        norms = table.abs().sum(1, true);
      } else {
        norms = table.abs().pow(normType).sum(1, true).pow(1 / normType);
      }
      // which rows are looked up: counted in float32 whatever the table's type (scatterAdd takes no 16-bit type)
      Tensor ones = Tensor.empty(DType.FLOAT32, weight.device(), flat.numel());
      MemoryOps.fill(ones, 1);
      Tensor counts = Tensor.empty(DType.FLOAT32, weight.device(), num);
      MemoryOps.fill(counts, 0);
      Tensor lookedUp = counts.scatterAdd(0, flat, ones).gt(0).reshape(num, 1);
      Tensor over = lookedUp.logicalAnd(norms.gt(maxNorm));
      Tensor scale = norms.add(1e-7).reciprocal().mul(maxNorm);
      weight.copyFrom(Tensor.where(over, table.mul(scale), table));
    }
  }

  /**
   * (M, 1) uint8: 1 where the index is not the padding index; where() then passes gradient only there.
   * Compared on the indices' device (no host read).
   */
  private Tensor notPadding(Tensor flat) {
    return flat.ne(paddingIdx).reshape(flat.numel(), 1);
  }

  /** @return the table's number of rows */
  public int numEmbeddings() {
    return num;
  }

  /** @return each row's length */
  public int embeddingDim() {
    return dim;
  }

  /** @return the padding row, or null when there is none */
  public Integer paddingIdx() {
    return paddingIdx < 0 ? null : paddingIdx;
  }

  /** @return the largest norm a looked-up row keeps, or null when rows are not renormalized */
  public Double maxNorm() {
    return Double.isNaN(maxNorm) ? null : maxNorm;
  }

  /** @return the p of the p-norm that max_norm bounds (2 unless set) */
  public double normType() {
    return normType;
  }

  /** @return the (numEmbeddings, embeddingDim) table, owned by this layer */
  public Tensor weight() {
    return parameter("weight");
  }

  @Override
  public String describe() {
    return name;
  }
}
