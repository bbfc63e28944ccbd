package org.jdnn.loss;

import org.jdnn.tensor.Tensor;

/**
 * A training objective: how far predictions are from targets, as a tensor that
 * {@link Tensor#backward()} can start from. Implementations validate their inputs before any
 * native code runs and name themselves in every message.
 *
 * <p>A lambda is a loss too, e.g. {@code (p, t) -> p.sub(t).abs().mean()} for the mean absolute
 * error, since the ops it uses record their own gradients.
 */
@FunctionalInterface
public interface Loss {
  /**
   * Computes the loss of {@code prediction} against {@code target}. Neither input is closed or
   * changed.
   *
   * @param prediction the model's output for one batch, usually with {@code requiresGrad} through
   *     the graph that produced it
   * @param target what the prediction should have been; its required shape and dtype depend on
   *     the loss (see the implementing class)
   * @return a new tensor: a scalar (rank 0) for a reduced loss, or one value per element with
   *     {@link Reduction#NONE}; it is part of the autograd graph when {@code prediction} is, and
   *     belongs to the innermost open {@link org.jdnn.tensor.TensorScope} of this thread, or to the
   *     caller, who closes it, when none is open
   * @throws IllegalArgumentException when the shapes, dtypes or devices of the two tensors do not
   *     fit the loss, or a value lies outside the loss's domain (a class label outside [0, C) is an
   *     IndexOutOfBoundsException)

   */
  Tensor compute(Tensor prediction, Tensor target);
}
