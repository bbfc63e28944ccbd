package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/**
 * Runs after a layer's {@link Layer#forward} each time the layer is run through {@link Layer#call}
 * (PyTorch's {@code register_forward_hook}). It may read the output, or return a replacement.
 * Registered with {@link Layer#registerForwardHook}.
 */
@FunctionalInterface
public interface ForwardHook {
  /**
   * Sees one forward pass of {@code layer}.
   *
   * @param layer the layer that ran
   * @param input its input (after any forward pre-hook's replacement); do not close it
   * @param output its output, or the replacement of an earlier forward hook; do not close it
   * @return a replacement output (a new tensor in the caller's scope, which the next hook and the
   *     layer's caller receive instead), or null to keep {@code output}
   */
  Tensor apply(Layer layer, Tensor input, Tensor output);
}
