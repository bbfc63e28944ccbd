package org.jdnn.data;

import org.jdnn.tensor.Tensor;

/** One mini-batch: inputs (B, ...) and labels (B) or targets (B, ...). Closing frees both. */
public final class Batch implements AutoCloseable {
  private final Tensor inputs;
  private final Tensor targets;

  Batch(Tensor inputs, Tensor targets) {
    this.inputs = inputs;
    this.targets = targets;
  }

  public Tensor inputs() {
    return inputs;
  }

  public Tensor targets() {
    return targets;
  }

  public int size() {
    return (int) inputs.dim(0);
  }

  @Override
  public void close() {
    inputs.close();
    targets.close();
  }
}
