package org.jdnn.loss;

import org.jdnn.tensor.Tensor;

/** A training objective: a scalar (or, with {@link Reduction#NONE}, per-element) loss of predictions against targets. */
@FunctionalInterface
public interface Loss {
  Tensor compute(Tensor prediction, Tensor target);
}
