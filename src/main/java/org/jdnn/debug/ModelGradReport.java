package org.jdnn.debug;

import java.util.List;
import java.util.Locale;

/**
 * The result of a {@link ModelGradCheck}: the worst relative error of each parameter.
 *
 * @param parameters one entry per parameter, in {@code namedParameters()} order
 */
public record ModelGradReport(List<ParamGradError> parameters) {
  /**
   * The parameter with the largest error.
   *
   * @return that entry
   */
  public ParamGradError worst() {
    ParamGradError w = parameters.get(0);
    for (ParamGradError p : parameters) if (p.relativeError() > w.relativeError() || Double.isNaN(p.relativeError())) w = p;
    return w;
  }

  /**
   * Whether every checked element's relative error is at most {@code tolerance}.
   *
   * @param tolerance e.g. 1e-5: float64 central differences of a correct, smooth model agree to
   *     about 1e-7 (their rounding noise, about 1e-10 absolute, relative to small derivatives); a
   *     wrong backward is off by far more
   * @return true when they all are
   */
  public boolean passed(double tolerance) {
    for (ParamGradError p : parameters) if (!(p.relativeError() <= tolerance)) return false;
    return true;
  }

  /**
   * Throws when a parameter's error is above {@code tolerance}.
   *
   * @param tolerance the largest relative error accepted
   * @return this report, when it passes
   * @throws IllegalStateException naming every failing parameter and its worst element
   */
  public ModelGradReport requirePassed(double tolerance) {
    if (passed(tolerance)) return this;
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "ModelGradCheck failed: relative errors above %.3g, so backward disagrees with the loss's finite differences "
        + "(a wrong backward, or a forward that is not a smooth function of the parameter there):", tolerance));
    for (ParamGradError p : parameters) if (!(p.relativeError() <= tolerance)) sb.append("\n  ").append(p);
    throw new IllegalStateException(sb.toString());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("gradient check, worst relative error per parameter:");
    for (ParamGradError p : parameters) sb.append("\n  ").append(p);
    return sb.toString();
  }
}
