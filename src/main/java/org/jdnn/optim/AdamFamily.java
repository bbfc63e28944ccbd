package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * What Adam and AdamW share (torch's defaults: betas 0.9, 0.999, eps 1e-8, no AMSGrad): m and v
 * are exponential averages of g and g^2; with AMSGrad, v_max = max(v_max, v) replaces v; the
 * step at the parameter's update t is lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * They differ only in how weight decay enters, which {@link #decoupled()} says. Only this package
 * can extend it.
 *
 * @param <S> the concrete optimizer, so that the setters chain with its own type
 */
public abstract class AdamFamily<S extends AdamFamily<S>> extends Optimizer {
  AdamFamily(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  AdamFamily(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("beta1", 0.9);
    setDefault("beta2", 0.999);
    setDefault("eps", 1e-8);
    setDefault("amsgrad", false);
  }

  abstract boolean decoupled();

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /**
   * Sets the default decay rates of the two moment averages ("beta1", "beta2"; default 0.9 and
   * 0.999).
   *
   * @param beta1 the first moment's rate, in [0, 1)
   * @param beta2 the second moment's rate, in [0, 1)
   * @return this optimizer
   * @throws IllegalArgumentException when either is outside [0, 1) or NaN; nothing is changed then
   */
  public S betas(double beta1, double beta2) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(name() + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
    }
    setDefault("beta1", beta1);
    setDefault("beta2", beta2);
    return self();
  }

  /**
   * Sets the default term added to the denominator ("eps", default 1e-8).
   *
   * @param value eps, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public S eps(double value) {
    setDefault("eps", value);
    return self();
  }

  /**
   * Sets the default weight decay ("weight_decay"; default 0 for Adam, 0.01 for AdamW). Adam adds
   * it to the gradient, AdamW shrinks the parameter by it.
   *
   * @param value wd, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public S weightDecay(double value) {
    setDefault("weight_decay", value);
    return self();
  }

  /**
   * Turns AMSGrad on or off ("amsgrad", default off): it keeps the largest second moment seen so
   * far (Reddi et al.) in a third state tensor, "max_exp_avg_sq", as torch's amsgrad=True.
   *
   * @param value whether to use AMSGrad
   * @return this optimizer
   */
  public S amsgrad(boolean value) {

    setDefault("amsgrad", value);
    return self();
  }

  @Override
  protected void checkHyper(String name, double value) {
    super.checkHyper(name, value);
    if ((name.equals("beta1") || name.equals("beta2")) && value >= 1) {
      throw new IllegalArgumentException(name() + ": " + name + " must be in [0, 1), got " + value);
    }
  }

  @Override
  protected void update(int i, Tensor p, Tensor g, int group) {
    refuseGraph(p);
    Tensor m = state(i, "exp_avg", 0);
    Tensor v = state(i, "exp_avg_sq", 0);
    Tensor vMax = flag(group, "amsgrad") ? state(i, "max_exp_avg_sq", 0) : null;
    OptimOps.adam(p, g, m, v, vMax, hyper(group, "lr"), hyper(group, "beta1"), hyper(group, "beta2"),
        hyper(group, "eps"), hyper(group, "weight_decay"), steps(i), decoupled());
  }

  // final: loss-scaled steps rely on this call passing the step guard (guardsOnDevice)
  @Override
  protected final void updateGroup(int group, int[] indices) {
    // Capturable: under a CUDA graph capture the backend reads the step sizes and bias corrections
    // from a device buffer written before each replay (docs/architecture.md, "CUDA graphs").
    Tensor[] m = statesOf(indices, "exp_avg", 0);
    Tensor[] v = statesOf(indices, "exp_avg_sq", 0);
    Tensor[] vMax = flag(group, "amsgrad") ? statesOf(indices, "max_exp_avg_sq", 0) : null;
    OptimOps.adamGroup(paramsOf(indices), gradsOf(indices), m, v, vMax, stepsOf(indices), hyper(group, "lr"),
        hyper(group, "beta1"), hyper(group, "beta2"), hyper(group, "eps"), hyper(group, "weight_decay"), decoupled(),
        guardOf(indices));
  }

  @Override
  boolean guardsOnDevice() {
    return true;
  }

  // The per-tensor reference path passes the bias corrections as kernel arguments, which a CUDA graph
  // would freeze; only the fused group step (the default) is capturable.
  private void refuseGraph(Tensor p) {
    CudaGraph.refuseCapture(p.device(), name() + "'s per-tensor step (its bias corrections depend on the step count)");
  }

  @Override
  protected List<String> stateNames() {
    return List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");
  }

  @Override
  protected List<String> requiredStateNames() {
    return List.of("exp_avg", "exp_avg_sq");
  }
}
