package org.jdnn.loss;

import org.jdnn.tensor.Tensor;

/** How per-element losses combine into what {@link Loss#compute} returns. */
public enum Reduction {
  /** The mean over every element: a scalar that does not grow with the batch size (the default). */
  MEAN,
  /** The sum over every element: a scalar. */
  SUM,
  /** No reduction: one loss per element, in the prediction's shape. */
  NONE;

  Tensor apply(Tensor perElement) {
    switch (this) {
      case MEAN: return perElement.mean();
      case SUM: return perElement.sum();
      default: return perElement;
    }
  }
}
