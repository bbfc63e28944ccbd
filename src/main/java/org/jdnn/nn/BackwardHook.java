package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * Runs during backward with the gradient of the loss with respect to a layer's output, before that
 * gradient flows into the layer (PyTorch's {@code register_full_backward_pre_hook}). It may read
 * the gradient, or return a replacement that the layer's backward receives instead. Registered
 * with {@link Layer#registerBackwardHook}.
 *
 * <p>The gradient with respect to the layer's input is the gradient of the output of whatever
 * produced that input: in a {@link Sequential}, the previous layer's hook sees it. So one hook
 * type covers what PyTorch's {@code register_full_backward_hook} reports as grad_output and, one
 * layer down, as grad_input.
 */
@FunctionalInterface
public interface BackwardHook {
  /**
   * Sees the gradient flowing back into {@code layer}.
   *
   * @param layer the layer whose output the gradient belongs to
   * @param gradOutput the gradient of the loss with respect to the layer's output (after any
   *     earlier backward hook's replacement), of the output's shape; do not close it
   * @return a replacement gradient of the same shape, dtype and device (it belongs to the backward
   *     pass's scope, as the gradient does), or null to keep {@code gradOutput}
   */
  Tensor apply(Layer layer, Tensor gradOutput);
}
