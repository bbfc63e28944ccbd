package org.jdnn.data;

import org.jdnn.tensor.Tensor;

/**
 * One mini-batch: inputs (B, ...) and labels (B) or targets (B, ...). Closing frees both; a batch
 * made inside an open {@link org.jdnn.tensor.TensorScope} is also freed with it.
 */
public final class Batch implements AutoCloseable {
  private final Tensor inputs;
  private final Tensor targets;

  Batch(Tensor inputs, Tensor targets) {
    this.inputs = inputs;
    this.targets = targets;
  }

  /**
   * The batch's inputs.
   *
   * @return the (B, ...) tensor, owned by the batch
   */
  public Tensor inputs() {
    return inputs;
  }

  /**
   * The batch's labels or targets.
   *
   * @return int32 labels (B) or float targets (B, ...), owned by the batch
   */
  public Tensor targets() {
    return targets;
  }

  /**
   * The number of samples.
   *
   * @return B, at least 1
   */
  public int size() {
    return (int) inputs.dim(0);
  }

  /** Frees the inputs and targets. */
  @Override
  public void close() {

    inputs.close();
    targets.close();
  }
}
