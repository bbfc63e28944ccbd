package org.jdnn.train;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/**
 * Regression metrics accumulated over batches in Java: mean absolute error, root mean squared error
 * and the coefficient of determination R2.
 *
 * <ul>
 *   <li>MAE = mean |y - yhat| over every element (scikit-learn's mean_absolute_error with its
 *       uniform average, torchmetrics' MeanAbsoluteError).
 *   <li>RMSE = sqrt(mean (y - yhat)^2) over every element (torchmetrics'
 *       MeanSquaredError(squared=False); scikit-learn's root_mean_squared_error for one output; for
 *       several outputs scikit-learn averages the per-output RMSEs instead).
 *   <li>R2 = 1 - SS_res / SS_tot per output column, SS_tot the targets' sum of squared deviations
 *       from their mean, averaged over the columns (scikit-learn's r2_score, multioutput
 *       "uniform_average"). For constant targets (SS_tot = 0) scikit-learn's force_finite convention
 *       holds: 1 when the predictions are exact, else 0. SS_tot is accumulated as per-batch counts,
 *       means and squared deviations merged exactly (Chan et al.), equivalent to the running sums of
 *       y and y^2 without their cancellation.
 * </ul>
 *
 * <p>Outputs and targets must have the same shape, or be (N) and (N, 1); rank 1 is one output,
 * (N, ...) has one output per trailing element. Each update reads both to the host once each.
 * Values are NaN before any sample.
 */
public final class RegressionMetric implements Metric {
  /** Which quantity. */
  enum Kind {
    MAE("mae"),
    RMSE("rmse"),
    R2("r2");

    final String key;

    Kind(String key) {
      this.key = key;
    }
  }

  private final Kind kind;
  private long count; // elements
  private double absSum;
  private double sqSum;
  // per output column, for R2
  private long rows;
  private double[] mean;
  private double[] m2;
  private double[] resSq;

  RegressionMetric(Kind kind) {
    this.kind = kind;
  }

  @Override
  public String name() {
    return kind.key;
  }

  @Override
  public void reset() {
    count = 0;
    absSum = 0;
    sqSum = 0;
    rows = 0;
    mean = null;
    m2 = null;
    resSq = null;
  }

  @Override
  public void update(Tensor output, Tensor target) {
    boolean same = Arrays.equals(output.shape(), target.shape());
    boolean column = output.numel() == target.numel() && output.rank() >= 1 && target.rank() >= 1 && output.rank() <= 2
        && target.rank() <= 2 && output.rank() != target.rank() && (output.rank() == 1 ? target.dim(1) == 1 : output.dim(1) == 1);
    if (output.rank() == 0 || !(same || column)) {
      throw new IllegalArgumentException(name() + ": expected targets of the output's shape " + output.describe()
          + " (or (N) with (N, 1)), got " + target.describe() + "; reshape the targets to the model's output");
    }
    double[] yhat = MetricInputs.doubles(output);
    double[] y = MetricInputs.doubles(target);
    int n = (int) output.dim(0);
    int k = n == 0 ? 1 : yhat.length / n;
    if (mean != null && mean.length != k) {
      throw new IllegalArgumentException(name() + ": expected " + mean.length + " outputs per sample as in earlier batches, got "
          + output.describe() + "; reset() between models");
    }
    if (mean == null) {
      mean = new double[k];
      m2 = new double[k];
      resSq = new double[k];
    }
    for (int i = 0; i < y.length; i++) {
      double r = y[i] - yhat[i];
      absSum += Math.abs(r);
      sqSum += r * r;
      resSq[i % k] += r * r;
    }
    count += y.length;
    if (n == 0) return;
    for (int j = 0; j < k; j++) {
      double bMean = 0;
      for (int i = 0; i < n; i++) bMean += y[i * k + j];
      bMean /= n;
      double bM2 = 0;
      for (int i = 0; i < n; i++) {
        double d = y[i * k + j] - bMean;
        bM2 += d * d;
      }
      double delta = bMean - mean[j];
      long total = rows + n;
      mean[j] += delta * n / total;
      m2[j] += bM2 + delta * delta * ((double) rows * n / total);
    }
    rows += n;
  }

  @Override
  public double value() {
    if (count == 0) return Double.NaN;
    switch (kind) {
      case MAE:
        return absSum / count;
      case RMSE:
        return Math.sqrt(sqSum / count);
      default: {
        double sum = 0;
        for (int j = 0; j < mean.length; j++) {
          if (m2[j] == 0) sum += resSq[j] == 0 ? 1.0 : 0.0;
          else sum += 1 - resSq[j] / m2[j];
        }
        return sum / mean.length;
      }
    }
  }
}
