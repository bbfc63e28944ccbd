package org.jdnn.nn;

import java.util.Arrays;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * A lookup table as PyTorch's nn.Embedding: integer indices of any shape (*) become their rows of
 * "weight" (numEmbeddings, embeddingDim), an output of shape (*, embeddingDim). The weight starts
 * N(0, 1), as PyTorch's. With a padding index, that row starts at zeros and receives no gradient:
 * positions holding it still read the row (whatever it holds), but their gradient is dropped, so
 * training never moves it. Indices outside [0, numEmbeddings) are an index error from the lookup
 * (on a GPU raised at the next synchronization). Not supported: max_norm, scale_grad_by_freq, sparse.
 */
public final class Embedding extends Layer {
  /** Saved as {"type": "Embedding", "num_embeddings": n, "embedding_dim": d, "padding_idx": p (-1 for none)}. */
  public static final LayerType<Embedding> TYPE = LayerType.of("Embedding", Embedding.class, (l, out) -> {
    out.put("num_embeddings", l.num).put("embedding_dim", l.dim).put("padding_idx", l.paddingIdx);
  }, in -> {
    int n = in.positiveInt("num_embeddings", SettingsReader.MAX_FEATURES);
    int d = in.positiveInt("embedding_dim", SettingsReader.MAX_FEATURES);
    int pad = in.intIn("padding_idx", -1, n - 1);
    if ((long) n * d > (1L << 31)) {
      throw new IllegalArgumentException("architecture: " + in.where() + ": num_embeddings x embedding_dim = " + (long) n * d
          + " exceeds 2^31 elements");
    }
    return LayerType.plan(Map.of("weight", new long[] {n, d}), (children, init) -> new Embedding(n, d, pad < 0 ? null : pad, init));
  });

  private final int num;
  private final int dim;
  private final int paddingIdx;  // -1: none
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
    this.name = "Embedding(" + numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx)
        + ")";
    if (numEmbeddings < 1 || embeddingDim < 1) {
      throw new IllegalArgumentException(name + ": num_embeddings and embedding_dim must be positive, got " + numEmbeddings
          + " and " + embeddingDim);
    }
    if (paddingIdx != null && (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)) {
      throw new IllegalArgumentException(name + ": padding_idx must be within num_embeddings, in [" + -numEmbeddings + ", "
          + numEmbeddings + "), got " + paddingIdx);
    }
    this.num = numEmbeddings;
    this.dim = embeddingDim;
    this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    Tensor w = registerParameter("weight", Tensor.empty(DType.FLOAT32, numEmbeddings, embeddingDim));
    generator.normal(w, 0, 1);
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
      Tensor rows = parameter("weight").indexSelect(0, flat);
      if (paddingIdx >= 0 && rows.requiresGrad()) rows = Tensor.where(notPadding(flat), rows, rows.detach());
      return rows.reshape(outShape);
    });
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

  /** @return the (numEmbeddings, embeddingDim) table, owned by this layer */
  public Tensor weight() {
    return parameter("weight");
  }

  @Override
  public String describe() {
    return name;
  }
}
