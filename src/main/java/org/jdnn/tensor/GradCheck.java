package org.jdnn.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Compares autograd gradients with central finite differences, for debugging ops and modules.
 *
 * <p>The function's output is projected to a scalar with fixed pseudo-random weights (so every
 * output element's gradient path is exercised), then for every element of every checked tensor
 * the analytic derivative from {@link Tensor#backward()} is set against (L(x + h) - L(x - h)) / 2h.
 * Checked tensors must be float64: in float32 the finite difference itself is too noisy to judge.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(in -> in[0].tanh().matmul(in[1]), List.of(), x, w);
 * r.assertWithin(1e-6, 1e-5);  // throws naming the worst element
 * }</pre>
 */
public final class GradCheck {
  private GradCheck() {}

  /** The worst element found: where it is, both derivatives and the error. */
  public static final class Result {
    /** Which checked tensor holds the worst element: inputs first, then parameters, from 0. */
    public final int tensorIndex;
    /** The worst element's flat index in that tensor. */
    public final long elementIndex;
    /** Its derivative from backward. */
    public final double analytic;
    /** Its central finite difference. */
    public final double numeric;
    /** |analytic - numeric| there, the largest over every element (infinite for a NaN). */
    public final double maxAbsError;
    /** How many elements were checked. */
    public final int elementsChecked;

    Result(int tensorIndex, long elementIndex, double analytic, double numeric, double maxAbsError, int checked) {
      this.tensorIndex = tensorIndex;
      this.elementIndex = elementIndex;
      this.analytic = analytic;
      this.numeric = numeric;
      this.maxAbsError = maxAbsError;
      this.elementsChecked = checked;
    }

    /**
     * Whether the worst element passes |analytic - numeric| &lt;= atol + rtol |numeric|.
     *
     * @param atol the absolute tolerance, e.g. 1e-6
     * @param rtol the tolerance relative to the numeric derivative, e.g. 1e-5
     * @return true when it does
     */
    public boolean within(double atol, double rtol) {
      return worstRatio(atol, rtol) <= 1;
    }

    private double worstRatio(double atol, double rtol) {
      return maxAbsError / (atol + rtol * Math.abs(numeric));
    }

    /**
     * Throws an AssertionError describing the worst element when the check fails (for tests).
     *
     * @param atol the absolute tolerance
     * @param rtol the relative tolerance
     * @return this result, when it passes
     * @throws AssertionError when {@link #within} is false
     */
    public Result assertWithin(double atol, double rtol) {
      if (!within(atol, rtol)) throw new AssertionError("gradient check failed: " + this);
      return this;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "worst element %d of checked tensor %d: analytic %.10g, numeric %.10g, "
          + "abs error %.3g (%d elements checked)", elementIndex, tensorIndex, analytic, numeric, maxAbsError, elementsChecked);
    }
  }

  /**
   * Checks f's gradients with respect to {@code inputs} (which are marked as requiring gradients),
   * with step h = 1e-6. Costs two extra evaluations of f per input element.
   *
   * @param f the function under test, taking the inputs in order and returning a float64 tensor
   * @param inputs float64 tensors; written to during the check and restored
   * @return the worst element over every input
   * @throws IllegalArgumentException when an input or f's result is not float64
   */
  public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return check(f, List.of(), 1e-6, inputs);
  }

  /**
   * Checks gradients with respect to {@code inputs} and also {@code parameters} (leaves f reads
   * without receiving them, such as a layer's weights), with finite-difference step {@code h}.
   *
   * @param f the function under test, taking the inputs in order and returning a float64 tensor
   * @param parameters further float64 leaves f reads (their gradients are cleared)
   * @param h the finite-difference step, e.g. 1e-6
   * @param inputs float64 tensors; written to during the check and restored
   * @return the worst element over inputs and parameters
   * @throws IllegalArgumentException when a checked tensor or f's result is not float64
   */
  public static Result check(Function<Tensor[], Tensor> f, List<Tensor> parameters, double h, Tensor... inputs) {
    List<Tensor> leaves = new ArrayList<>(Arrays.asList(inputs));
    leaves.addAll(parameters);
    for (Tensor t : leaves) {
      if (t.dtype() != DType.FLOAT64) {
        throw new IllegalArgumentException("GradCheck needs float64 tensors (float32 finite differences are too noisy), got "
            + t.describe());
      }
    }
    for (Tensor t : inputs) t.requiresGrad(true);
    double[][] analytic = analyticGradients(f, inputs, leaves);
    double worst = -1, worstA = 0, worstN = 0;
    int worstT = 0;
    long worstE = 0;
    int checked = 0;
    for (int k = 0; k < leaves.size(); k++) {
      Tensor t = leaves.get(k);
      double[] values = t.toDoubleArray();
      for (int j = 0; j < values.length; j++) {
        double original = values[j];
        values[j] = original + h;
        t.write(values);
        double plus = projected(f, inputs);
        values[j] = original - h;
        t.write(values);
        double minus = projected(f, inputs);
        values[j] = original;
        t.write(values);
        double numeric = (plus - minus) / (2 * h);
        double err = Math.abs(numeric - analytic[k][j]);
        if (err > worst || Double.isNaN(err)) {
          worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
          worstA = analytic[k][j];
          worstN = numeric;
          worstT = k;
          worstE = j;
        }
        checked++;
      }
    }
    return new Result(worstT, worstE, worstA, worstN, Math.max(worst, 0), checked);
  }

  private static double[][] analyticGradients(Function<Tensor[], Tensor> f, Tensor[] inputs, List<Tensor> leaves) {
    for (Tensor t : leaves) t.clearGrad();
    try (TensorScope scope = new TensorScope(); GradMode.Guard g = GradMode.enable()) {
      Tensor out = f.apply(inputs);
      Tensor loss = project(out);
      loss.backward();
    }
    double[][] grads = new double[leaves.size()][];
    for (int k = 0; k < leaves.size(); k++) {
      Tensor t = leaves.get(k);
      grads[k] = t.grad() == null ? new double[(int) t.numel()] : t.grad().toDoubleArray();
      t.clearGrad();
    }
    return grads;
  }

  private static double projected(Function<Tensor[], Tensor> f, Tensor[] inputs) {
    try (TensorScope scope = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      return project(f.apply(inputs)).item();
    }
  }

  // sum(out * w) with w fixed by a seed: weights in [0.5, 1.5) so no output is ignored.
  private static Tensor project(Tensor out) {
    if (out.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException("GradCheck: the function must return float64, got " + out.describe());
    }
    Tensor w = Tensor.empty(DType.FLOAT64, out.device(), out.shape());
    RandomOps.uniform(w, 0.5, 1.5, 0x6ad, 0);
    return out.mul(w).sum();
  }
}
