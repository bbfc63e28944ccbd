package org.jdnn.loss;

import java.util.Arrays;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

final class Checks {
  private Checks() {}

  /** The dtype a loss computes a tensor in: under autocast a 16-bit tensor is widened to float32 (losses run in it). */
  static DType asComputed(DType d) {
    return Autocast.current() != null && d.isHalf() ? DType.FLOAT32 : d;
  }

  static void sameShape(String loss, Tensor prediction, Tensor target) {
    Tensor.requireSameDevice(loss, prediction, target);
    if (!Arrays.equals(prediction.shape(), target.shape())) {
      throw new IllegalArgumentException(loss + ": prediction " + prediction.describe() + " and target "
          + target.describe() + " must have the same shape");
    }
    if (asComputed(prediction.dtype()) != asComputed(target.dtype())) {
      throw new IllegalArgumentException(loss + ": target dtype " + target.dtype() + " must equal prediction dtype "
          + prediction.dtype());
    }
  }
}
