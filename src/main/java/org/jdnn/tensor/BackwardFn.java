package org.jdnn.tensor;

/**
 * The backward of one recorded op: given the gradient of the loss with respect to the op's output,
 * returns the gradient with respect to each input, in input order (null for an input that needs
 * none). Returned gradients must have their input's shape.
 */
@FunctionalInterface
public interface BackwardFn {
  /**
   * Computes the inputs' gradients. Runs during {@link Tensor#backward()}, with recording as the
   * caller left it; the returned tensors belong to the backward's own scope.
   *
   * @param gradOutput the gradient of the loss with respect to the op's output, its shape
   * @return one gradient per input, in input order, each of its input's shape, or null
   */
  Tensor[] apply(Tensor gradOutput);
}
