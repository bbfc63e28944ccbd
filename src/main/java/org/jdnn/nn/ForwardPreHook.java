package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * Runs before a layer's {@link Layer#forward} each time the layer is run through {@link Layer#call}
 * (PyTorch's {@code register_forward_pre_hook}). It may read the input, or return a replacement.
 * Registered with {@link Layer#registerForwardPreHook}.
 */
@FunctionalInterface
public interface ForwardPreHook {
  /**
   * Sees the input of one forward pass of {@code layer}, before the layer runs.
   *
   * @param layer the layer about to run
   * @param input its input, or the replacement of an earlier pre-hook; do not close it
   * @return a replacement input (a new tensor in the caller's scope), or null to keep {@code input}
   */
  Tensor apply(Layer layer, Tensor input);
}
