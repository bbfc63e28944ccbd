package org.jdnn.train;

import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.Loss;
import org.jdnn.tensor.Tensor;

/** Cross-entropy whose loss at call {@code failAt} (0-based) is multiplied by {@code value} (NaN or infinite). */
final class FailingLoss implements Loss {
  private final Loss inner = new CrossEntropyLoss();
  private final int failAt;
  private final double value;
  private int calls;

  FailingLoss(int failAt, double value) {
    this.failAt = failAt;
    this.value = value;
  }

  @Override
  public Tensor compute(Tensor prediction, Tensor target) {
    Tensor l = inner.compute(prediction, target);
    return calls++ == failAt ? l.mul(value) : l;
  }
}
