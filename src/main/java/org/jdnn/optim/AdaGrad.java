package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * AdaGrad (Duchi et al.) with torch.optim.Adagrad's update and defaults (lr_decay 0,
 * initial_accumulator_value 0, eps 1e-10): at the parameter's step t, g = grad + wd p;
 * sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).
 */
public final class AdaGrad extends Optimizer {
  /**
   * AdaGrad with torch's defaults over one group.
   *
   * @param params the tensors to update, each requiring gradients and listed once
   * @param lr the learning rate, finite and at least 0 (torch's default is 0.01)
   * @throws IllegalArgumentException when {@code params} is null or empty, a parameter does not
   *     require gradients or appears twice, or {@code lr} is out of range
   */
  public AdaGrad(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  /**
   * AdaGrad with torch's defaults over parameter groups.
   *
   * @param groups the groups, which may override lr and weight decay
   * @param lr the default learning rate, finite and at least 0
   * @throws IllegalArgumentException when {@code groups} is null, a parameter does not require
   *     gradients or appears twice, or {@code lr} is out of range
   */
  public AdaGrad(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("lr_decay", 0.0);
    setDefault("initial_accumulator_value", 0.0);
    setDefault("eps", 1e-10);
  }

  /**
   * Sets the default learning-rate decay ("lr_decay", default 0): step t uses lr / (1 + (t - 1)
   * lr_decay).
   *
   * @param value the decay per step, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public AdaGrad lrDecay(double value) {
    setDefault("lr_decay", value);
    return this;
  }

  /**
   * Sets the value the sum of squares starts from ("initial_accumulator_value", default 0); it
   * applies to state created after this call, i.e. to parameters not yet updated.
   *
   * @param value the initial sum, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public AdaGrad initialAccumulatorValue(double value) {
    setDefault("initial_accumulator_value", value);
    return this;
  }

  /**
   * Sets the default term added to the denominator ("eps", default 1e-10).
   *
   * @param value eps, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public AdaGrad eps(double value) {
    setDefault("eps", value);
    return this;
  }

  /**
   * Sets the default weight decay ("weight_decay", default 0), added to the gradient as wd p.
   *
   * @param value wd, finite and at least 0
   * @return this optimizer
   * @throws IllegalArgumentException when {@code value} is out of range
   */
  public AdaGrad weightDecay(double value) {

    setDefault("weight_decay", value);
    return this;
  }

  @Override
  protected void update(int i, Tensor p, Tensor g, int group) {
    CudaGraph.refuseCapture(p.device(), "AdaGrad's per-tensor step (its learning-rate decay depends on the step count)");
    Tensor sum = state(i, "sum", hyper(group, "initial_accumulator_value"));
    OptimOps.adagrad(p, g, sum, hyper(group, "lr"), hyper(group, "lr_decay"), hyper(group, "eps"),
        hyper(group, "weight_decay"), steps(i));
  }

  @Override
  protected void updateGroup(int group, int[] indices) {
    // Capturable: under a CUDA graph capture the backend reads the decayed rates from a device
    // buffer written before each replay (docs/architecture.md, "CUDA graphs").
    Tensor[] sum = statesOf(indices, "sum", hyper(group, "initial_accumulator_value"));
    OptimOps.adagradGroup(paramsOf(indices), gradsOf(indices), sum, stepsOf(indices), hyper(group, "lr"),
        hyper(group, "lr_decay"), hyper(group, "eps"), hyper(group, "weight_decay"), guardOf(indices));
  }

  @Override
  boolean guardsOnDevice() {
    return true;
  }

  @Override
  protected List<String> stateNames() {
    return List.of("sum");
  }

  @Override
  protected List<String> requiredStateNames() {
    return List.of("sum");
  }
}
