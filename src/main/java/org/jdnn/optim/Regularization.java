package org.jdnn.optim;

import java.util.List;
import java.util.function.UnaryOperator;
import org.jdnn.tensor.Tensor;

/**
 * Penalties to add to the loss, as differentiable scalar tensors (Keras' conventions, no factor
 * 1/2): {@code loss = loss.add(Regularization.l2(weights, 1e-4))}. They live in the graph and the
 * current {@link org.jdnn.tensor.TensorScope} like any other op's result.
 *
 * <p>Note the gradient of {@link #l2} is 2 lambda p, so SGD's weight decay wd equals an L2 penalty
 * with lambda = wd / 2 (exactly so for plain SGD; not for adaptive optimizers, where AdamW's
 * decoupled decay is the usual choice).
 */
public final class Regularization {
  private Regularization() {}

  /**
   * The L2 penalty lambda * sum over {@code params} of p^2 (all elements).
   *
   * @param params the tensors to penalize (usually weights only), sharing one dtype
   * @param lambda the strength, finite and at least 0
   * @return a new scalar in the graph, in the innermost open scope (else owned by the caller)
   * @throws IllegalArgumentException when {@code params} is null or empty, the dtypes differ, or
   *     {@code lambda} is negative, infinite or NaN
   */
  public static Tensor l2(List<Tensor> params, double lambda) {
    return penalty("l2", params, lambda, Tensor::square);
  }

  /**
   * The L1 penalty lambda * sum over {@code params} of |p|; its gradient at p = 0 is 0.
   *
   * @param params the tensors to penalize, sharing one dtype
   * @param lambda the strength, finite and at least 0
   * @return a new scalar in the graph, in the innermost open scope (else owned by the caller)
   * @throws IllegalArgumentException when {@code params} is null or empty, the dtypes differ, or
   *     {@code lambda} is negative, infinite or NaN
   */
  public static Tensor l1(List<Tensor> params, double lambda) {
    return penalty("l1", params, lambda, Tensor::abs);
  }

  /**
   * An activity penalty for sparse hidden units: lambda * sum |a| / N, where N is the batch size
   * (dimension 0 of {@code activations}; 1 for a scalar), so the strength does not depend on the
   * batch size (Keras' ActivityRegularization does the same division). {@link
   * org.jdnn.nn.ActivityL1} applies it to a layer's output.
   *
   * @param activations a layer's output for one batch, batch first
   * @param lambda the strength, finite and at least 0
   * @return a new scalar in the graph, in the innermost open scope (else owned by the caller)
   * @throws IllegalArgumentException when the batch is empty or {@code lambda} is negative,
   *     infinite or NaN
   */
  public static Tensor activityL1(Tensor activations, double lambda) {

    checkLambda("activityL1", lambda);
    long n = activations.rank() == 0 ? 1 : activations.dim(0);
    if (n == 0) throw new IllegalArgumentException("Regularization.activityL1: empty batch " + activations.describe());
    return activations.abs().sum().mul(lambda / n);
  }

  private static Tensor penalty(String what, List<Tensor> params, double lambda, UnaryOperator<Tensor> f) {
    checkLambda(what, lambda);
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException("Regularization." + what + ": expected at least one parameter, got none");
    }
    Tensor total = null;
    for (Tensor p : params) {
      if (total != null && p.dtype() != total.dtype()) {
        throw new IllegalArgumentException("Regularization." + what + ": parameters must share one dtype, expected "
            + total.dtype() + ", got " + p.describe());
      }
      Tensor s = f.apply(p).sum();
      total = total == null ? s : total.add(s);
    }
    return total.mul(lambda);
  }

  private static void checkLambda(String what, double lambda) {
    Optimizer.checkNonNegative("Regularization." + what, "lambda", lambda);
  }
}
