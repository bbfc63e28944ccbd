package org.jdnn.debug;

import java.util.Arrays;
import java.util.Locale;

/**
 * The worst sampled element of one parameter in a {@link ModelGradCheck}.
 *
 * @param name the parameter's dotted name ("0.weight")
 * @param shape its shape
 * @param checked how many of its elements were checked
 * @param worstIndex the flat index of its worst element
 * @param analytic that element's derivative from backward
 * @param numeric its central finite difference
 * @param relativeError |analytic - numeric| / max(|analytic|, |numeric|, floor) there, the largest
 *     over the checked elements (infinite for a NaN)
 */
public record ParamGradError(String name, long[] shape, int checked, long worstIndex, double analytic, double numeric,
    double relativeError) {
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%-16s %-14s %4d checked  worst rel. error %9.3g at %d (analytic %.10g, numeric %.10g)",
        name, Arrays.toString(shape), checked, relativeError, worstIndex, analytic, numeric);
  }
}
