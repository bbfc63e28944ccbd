package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;

/**
 * AdaGrad (Duchi et al.) with torch.optim.Adagrad's update and defaults (lr_decay 0,
 * initial_accumulator_value 0, eps 1e-10): at the parameter's step t, g = grad + wd p;
 * sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).
 */
public final class AdaGrad extends Optimizer {
  public AdaGrad(List<Tensor> params, double lr) {
    super(params, lr);
    defineDefaults();
  }

  public AdaGrad(ParamGroups groups, double lr) {
    super(groups, lr);
    defineDefaults();
  }

  private void defineDefaults() {
    setDefault("lr_decay", 0.0);
    setDefault("initial_accumulator_value", 0.0);
    setDefault("eps", 1e-10);
  }

  public AdaGrad lrDecay(double value) {
    setDefault("lr_decay", value);
    return this;
  }

  /** The value the sum of squares starts from (applies to state created after this call). */
  public AdaGrad initialAccumulatorValue(double value) {
    setDefault("initial_accumulator_value", value);
    return this;
  }

  public AdaGrad eps(double value) {
    setDefault("eps", value);
    return this;
  }

  public AdaGrad weightDecay(double value) {
    setDefault("weight_decay", value);
    return this;
  }

  @Override
  protected void update(int i, Tensor p, Tensor g, int group) {
    Tensor sum = state(i, "sum", hyper(group, "initial_accumulator_value"));
    OptimOps.adagrad(p, g, sum, hyper(group, "lr"), hyper(group, "lr_decay"), hyper(group, "eps"),
        hyper(group, "weight_decay"), steps(i));
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
