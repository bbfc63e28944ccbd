package org.jdnn.optim;

import java.util.List;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.Updates;

/**
 * Adam (Kingma and Ba) with torch.optim.Adam's update and defaults (betas 0.9, 0.999, eps 1e-8):
 * m and v are exponential averages of g and g^2; the step is lr / (1 - b1^t) * m /
 * (sqrt(v) / sqrt(1 - b2^t) + eps). Weight decay here is L2 added to the gradient.
 */
public final class Adam extends Optimizer {
  private double beta1 = 0.9;
  private double beta2 = 0.999;
  private double eps = 1e-8;
  private double weightDecay;
  private final java.util.Map<Tensor, long[]> stepCounts = new java.util.IdentityHashMap<>();

  public Adam(List<Tensor> params, double lr) {
    super(params, lr);
  }

  public Adam betas(double b1, double b2) {
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
      throw new IllegalArgumentException("Adam: betas must be in [0, 1), got (" + b1 + ", " + b2 + ")");
    }
    beta1 = b1;
    beta2 = b2;
    return this;
  }

  public Adam eps(double value) {
    checkNonNegative("eps", value);
    eps = value;
    return this;
  }

  public Adam weightDecay(double value) {
    checkNonNegative("weight decay", value);
    weightDecay = value;
    return this;
  }

  /** Updates applied to {@code param} so far (t in its bias corrections; per parameter, as in torch.optim). */
  public long steps(Tensor param) {
    long[] t = stepCounts.get(param);
    return t == null ? 0 : t[0];
  }

  // ---- state names and step counts for Optimizer's save/restore stand-in (torch.optim.Adam's names) ----
  @Override
  protected String[] stateNames() {
    return new String[] {"exp_avg", "exp_avg_sq"};
  }

  @Override
  protected void saveScalars(int index, Tensor param, java.util.Map<String, Object> out) {
    if (steps(param) > 0) out.put("state." + index + ".step", steps(param));
  }

  @Override
  protected void loadScalars(int index, Tensor param, java.util.Map<String, Object> in) {
    Object v = in.get("state." + index + ".step");
    if (v instanceof Number) stepCounts.computeIfAbsent(param, k -> new long[1])[0] = ((Number) v).longValue();
  }

  @Override
  protected void update(Tensor p, Tensor g) {
    Tensor[] s = state(p, 2);
    long[] t = stepCounts.computeIfAbsent(p, k -> new long[1]);
    t[0]++;
    Updates.adam(p, g, s[0], s[1], lr, beta1, beta2, eps, weightDecay, t[0]);
  }
}
