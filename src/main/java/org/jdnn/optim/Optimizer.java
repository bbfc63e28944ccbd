package org.jdnn.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.Tensor;

/**
 * Updates parameters from their accumulated gradients. Call {@link #zeroGrad()} before each
 * backward pass and {@link #step()} after it. Parameters without a gradient are skipped, as in
 * torch.optim. The optimizer owns its state tensors (momentum, moments) and frees them on close.
 */
public abstract class Optimizer implements AutoCloseable {
  protected final List<Tensor> params;
  private final Map<Tensor, Tensor[]> state = new IdentityHashMap<>();
  protected double lr;

  protected Optimizer(List<Tensor> params, double lr) {
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
    }
    checkNonNegative("learning rate", lr);
    for (Tensor p : params) {
      if (!p.requiresGrad()) {
        throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + p.describe()
            + " does not require gradients");
      }
    }
    this.params = new ArrayList<>(params);
    this.lr = lr;
  }

  public double learningRate() {
    return lr;
  }

  public void setLearningRate(double value) {
    checkNonNegative("learning rate", value);
    lr = value;
  }

  /** Zeroes every parameter's gradient. */
  public void zeroGrad() {
    for (Tensor p : params) p.zeroGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  public void step() {
    beforeStep();
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null) update(p, g);
    }
  }

  protected void beforeStep() {}

  protected abstract void update(Tensor param, Tensor grad);

  /** State tensors of {@code p} (created zero-filled on first use, owned by the optimizer). */
  protected Tensor[] state(Tensor p, int count) {
    Tensor[] s = state.get(p);
    if (s == null) {
      s = new Tensor[count];
      for (int i = 0; i < count; i++) s[i] = Tensor.zeros(p.dtype(), p.shape()).keep();
      state.put(p, s);
    }
    return s;
  }

  protected boolean hasState(Tensor p) {
    return state.containsKey(p);
  }

  @Override
  public void close() {
    for (Tensor[] s : state.values()) for (Tensor t : s) t.close();
    state.clear();
  }

  protected void checkNonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be a finite number >= 0, got " + v);
    }
  }
}
