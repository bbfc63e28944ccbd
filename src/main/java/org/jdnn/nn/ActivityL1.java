package org.jdnn.nn;

import org.jdnn.optim.Regularization;
import org.jdnn.tensor.Tensor;

/**
 * Wraps a layer and, in training mode, computes {@link Regularization#activityL1} (lambda * sum
 * |output| / batch) of each forward's output, pushing hidden units toward sparsity. The output
 * itself is unchanged. The training loop adds the penalty to its loss:
 *
 * <pre>{@code
 * Tensor loss = lossFn.compute(model.forward(x), y);
 * Tensor penalty = ActivityL1.totalPenalty(model);   // null when no ActivityL1 ran
 * if (penalty != null) loss = loss.add(penalty);
 * }</pre>
 *
 * The penalty belongs to the graph and the tensor scope of the forward that made it; after that
 * scope closes, or in eval mode, {@link #penalty()} is null. One wrapper used twice in a forward
 * keeps only its last penalty.
 */
public final class ActivityL1 extends Layer {
  /** Saved as {"type": "ActivityL1", "lambda": l, "children": {"inner": ...}}. */
  public static final LayerType<ActivityL1> TYPE = LayerType.of("ActivityL1", ActivityL1.class,
      (l, out) -> out.put("lambda", l.lambda), in -> {
        double lambda = in.finite("lambda");
        return LayerType.plan((children, init) -> {
          if (children.size() != 1) {
            throw new IllegalArgumentException("ActivityL1: expected 1 child (inner), got " + children.size());
          }
          return new ActivityL1(children.get(0), lambda);
        });
      });

  private Layer inner;
  private final double lambda;
  private Tensor last;

  /**
   * Wraps {@code inner}, which this layer then owns (as its child "inner").
   *
   * @param inner the layer whose output to penalize
   * @param lambda the penalty's weight, finite and &gt;= 0
   * @throws IllegalArgumentException when {@code lambda} is negative, infinite or NaN
   */
  public ActivityL1(Layer inner, double lambda) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("ActivityL1: lambda must be a finite number >= 0, got " + lambda);
    }
    this.inner = registerModule("inner", inner);
    this.lambda = lambda;
  }

  /**
   * The penalty's weight.
   *
   * @return lambda
   */
  public double lambda() {
    return lambda;
  }

  /**
   * {@inheritDoc}
   *
   * @return the inner layer's output, unchanged; in training mode the penalty of that output is
   *     kept for {@link #penalty()}
   */
  @Override
  public Tensor forward(Tensor x) {
    Tensor y = inner.call(x);
    last = isTraining() ? Regularization.activityL1(y, lambda) : null;
    return y;
  }

  /**
   * The penalty of the last training-mode forward.
   *
   * @return a scalar in that forward's graph and scope (not owned by this layer), or null: none
   *     yet, eval mode, or its scope closed
   */
  public Tensor penalty() {
    return last == null || last.isClosed() || !isTraining() ? null : last;
  }

  /**
   * The sum of the current penalties of every ActivityL1 in {@code model} (itself included).
   *
   * @param model the model whose last forward to read
   * @return a scalar to add to the loss, in the caller's scope when several are summed; null if
   *     none has a penalty
   */
  public static Tensor totalPenalty(Layer model) {

    Tensor total = model instanceof ActivityL1 a ? a.penalty() : null;
    for (Layer child : model.children().values()) {
      Tensor p = totalPenalty(child);
      if (p != null) total = total == null ? p : total.add(p);
    }
    return total;
  }

  /**
   * {@inheritDoc}
   *
   * @param name "inner", the only child
   */
  @Override
  public Layer replaceChild(String name, Layer module) {
    Layer old = replaceModule(name, module);
    inner = module;
    return old;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return Summary.flopsOf(inner, in);
  }

  @Override
  public String describe() {
    return "ActivityL1(" + inner.describe() + ", lambda=" + lambda + ")";
  }
}
