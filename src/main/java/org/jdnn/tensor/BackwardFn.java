package org.jdnn.tensor;

/**
 * The backward of one recorded op: given the gradient of the loss with respect to the op's output,
 * returns the gradient with respect to each input, in input order (null for an input that needs
 * none). Returned gradients must have their input's shape.
 */
@FunctionalInterface
public interface BackwardFn {
  Tensor[] apply(Tensor gradOutput);
}
