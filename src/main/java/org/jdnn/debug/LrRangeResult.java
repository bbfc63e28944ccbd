package org.jdnn.debug;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jdnn.plot.LinePanels;

/**
 * What an {@link LrRangeTest} recorded: per step, the rate, the batch's loss and the smoothed
 * loss, and the rates read off the curve.
 *
 * <p><b>The suggestion.</b> {@link #suggestedRate()} is the rate at the lowest smoothed loss
 * divided by 10: at the minimum the rate is already about to make the loss climb, and a tenth of
 * it still trains fast. {@link #steepestRate()}, the rate where the smoothed loss falls fastest
 * against log(rate) before the minimum, is another common reading; it follows the noise of the
 * curve more, so it is reported, not suggested.
 *
 * @param rates the rate of each step run
 * @param losses each step's loss, before its update
 * @param smoothed the debiased moving average of the losses
 * @param stopReason why the sweep ended: the range was swept, or the loss diverged (and where)
 */
public record LrRangeResult(double[] rates, double[] losses, double[] smoothed, String stopReason) {
  /**
   * The step with the lowest finite smoothed loss.
   *
   * @return its index, or -1 when no loss was finite
   */
  public int minimumIndex() {
    int best = -1;
    for (int i = 0; i < smoothed.length; i++) {
      if (Double.isFinite(smoothed[i]) && (best < 0 || smoothed[i] < smoothed[best])) best = i;
    }
    return best;
  }

  /**
   * The rate at the lowest smoothed loss.
   *
   * @return that rate
   * @throws IllegalStateException when no step had a finite loss
   */
  public double minLossRate() {
    int m = minimumIndex();
    if (m < 0) {
      throw new IllegalStateException("LrRangeResult: no step had a finite loss (" + stopReason + "); lower the minimum rate");
    }
    return rates[m];
  }

  /**
   * The suggested learning rate: {@link #minLossRate()} / 10 (see the class comment).
   *
   * @return the rate
   * @throws IllegalStateException when no step had a finite loss
   */
  public double suggestedRate() {
    return minLossRate() / 10;
  }

  /**
   * The rate where the smoothed loss falls fastest against log(rate), up to the minimum: the step
   * i maximizing (smoothed[i - 1] - smoothed[i]) / (ln rate[i] - ln rate[i - 1]).
   *
   * @return that rate; the first rate when the minimum is the first step
   * @throws IllegalStateException when no step had a finite loss
   */
  public double steepestRate() {
    int m = minimumIndex();
    if (m < 0) minLossRate();  // throws with the message
    int best = 0;
    double fall = Double.NEGATIVE_INFINITY;
    for (int i = 1; i <= m; i++) {
      double f = (smoothed[i - 1] - smoothed[i]) / (Math.log(rates[i]) - Math.log(rates[i - 1]));
      if (f > fall) {
        fall = f;
        best = i;
      }
    }
    return rates[best];
  }

  /**
   * Draws the loss and the smoothed loss against the rate (logarithmic rate axis), with the
   * suggested rate marked, and writes the PNG atomically.
   *
   * @param png the file to create or replace
   * @param width the image's width, at least 200
   * @param height the image's height, at least 150
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when no step had a finite loss or the size is too small
   */
  public void savePng(Path png, int width, int height) throws IOException {
    double mark = minimumIndex() < 0 ? Double.NaN : suggestedRate();
    LinePanels.Panel panel = new LinePanels.Panel("Learning-rate range test", "learning rate (log scale)", "loss", true, false,
        List.of(new LinePanels.Series("loss", rates, losses), new LinePanels.Series("smoothed", rates, smoothed)), mark,
        "suggested rate");
    LinePanels.save(List.of(panel), png, width, height);
  }

  @Override
  public String toString() {
    if (minimumIndex() < 0) return "LR range test: " + rates.length + " steps, no finite loss; " + stopReason;
    return String.format(Locale.ROOT, "LR range test: %d steps from %.3g to %.3g (%s); lowest smoothed loss %.4g at %.3g;"
        + " suggested rate %.3g (a tenth of it), steepest fall at %.3g", rates.length, rates[0], rates[rates.length - 1],
        stopReason, smoothed[minimumIndex()], minLossRate(), suggestedRate(), steepestRate());
  }
}
