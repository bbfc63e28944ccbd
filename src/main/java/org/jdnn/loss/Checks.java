package org.jdnn.loss;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

final class Checks {
  private Checks() {}

  static void sameShape(String loss, Tensor prediction, Tensor target) {
    Tensor.requireSameDevice(loss, prediction, target);
    if (!Arrays.equals(prediction.shape(), target.shape())) {
      throw new IllegalArgumentException(loss + ": prediction " + prediction.describe() + " and target "
          + target.describe() + " must have the same shape");
    }
    if (prediction.dtype() != target.dtype()) {
      throw new IllegalArgumentException(loss + ": target dtype " + target.dtype() + " must equal prediction dtype "
          + prediction.dtype());
    }
  }
}
