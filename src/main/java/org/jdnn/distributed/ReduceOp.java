package org.jdnn.distributed;

import org.jdnn.tensor.Communicator;

/** How an all-reduce or reduce-scatter combines the ranks' elements. */
public enum ReduceOp {
  /** The sum over ranks. */
  SUM(Communicator.Op.SUM),
  /** The sum divided by the world size (float32 and float64 tensors only). */
  AVG(Communicator.Op.AVG),
  /** The largest value (NaN when any rank's is NaN). */
  MAX(Communicator.Op.MAX);

  private final Communicator.Op engineOp;

  ReduceOp(Communicator.Op engineOp) {
    this.engineOp = engineOp;
  }

  Communicator.Op engineOp() {
    return engineOp;
  }
}
