package org.jdnn.tensor;

/**
 * The two results of {@link Tensor#max(int, boolean)} and {@link Tensor#min(int, boolean)}, as PyTorch's
 * {@code torch.return_types.max}: the extreme values (in the graph, their gradient flowing to the selected
 * elements only) and their int64 indices along the dimension. Closing it closes both; the values'
 * backward reads the indices, so keep them open until it has run (a backward after they were closed
 * throws {@link IllegalStateException}).
 */
public final class ValuesIndices implements AutoCloseable {
  private final Tensor values;
  private final Tensor indices;

  ValuesIndices(Tensor values, Tensor indices) {
    this.values = values;
    this.indices = indices;
  }

  /**
   * The extreme values.
   *
   * @return the values tensor (this object's: closed by {@link #close()})
   */
  public Tensor values() {
    return values;
  }

  /**
   * Where each extreme lies along the reduced dimension: int64, outside the graph.
   *
   * @return the indices tensor (this object's: closed by {@link #close()})
   */
  public Tensor indices() {
    return indices;
  }

  /** Closes both tensors (idempotent). */
  @Override
  public void close() {
    values.close();
    indices.close();
  }
}
