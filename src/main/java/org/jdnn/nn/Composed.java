package org.jdnn.nn;

import java.util.function.Supplier;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The lifetime of the intermediate tensors of a layer whose forward is a chain of tensor ops
 * (LayerNorm, attention), through {@link TensorScope#composed}: while gradients are recorded, the
 * graph reads the intermediates during backward, so they stay in the caller's scope (the Trainer's
 * step scope frees them); with recording off nothing reads them again, so they are freed as soon as
 * the output exists.
 */
final class Composed {
  private Composed() {}

  /**
   * Runs {@code body}, freeing its intermediates at once when no gradient can be recorded.
   *
   * @param body the forward computation
   * @return its output, in the caller's innermost open scope (else owned by the caller)
   */
  static Tensor run(Supplier<Tensor> body) {
    return TensorScope.composed(body);
  }

  /**
   * As {@link #run}, for a computation with several results (null entries allowed).
   *
   * @param body the forward computation
   * @return its results, in the caller's innermost open scope (else owned by the caller)
   */
  static Tensor[] runAll(Supplier<Tensor[]> body) {
    return TensorScope.composedAll(body);
  }

  /**
   * Checks that {@code x} has the dtype of the layer's parameter {@code param} (the ops would
   * otherwise refuse it naming only themselves).
   *
   * @throws IllegalArgumentException naming the layer, both dtypes and the fix
   */
  static void checkDType(String layer, Tensor x, Tensor param) {
    if (x.dtype() != param.dtype() && !Autocast.takesMixed(x, param)) {
      throw new IllegalArgumentException(layer + ": expected " + param.dtype() + " input (the parameters' dtype), got "
          + x.describe() + "; convert the input with .to(" + param.dtype() + ") or the layer with .to(" + x.dtype() + ")");
    }
  }
}
