package org.jdnn.loss;

import org.jdnn.tensor.Tensor;

/** How per-element losses combine: their mean (default), their sum, or not at all. */
public enum Reduction {
  MEAN, SUM, NONE;

  Tensor apply(Tensor perElement) {
    switch (this) {
      case MEAN: return perElement.mean();
      case SUM: return perElement.sum();
      default: return perElement;
    }
  }
}
