package org.jdnn.debug;

import java.util.Locale;

/**
 * The statistics of one layer's outputs over the forward passes an {@link ActivationStats}
 * recorded.
 *
 * @param name the layer's dotted name in the model ("0", "block.1"), "" for a one-layer model
 * @param layer the layer's description, e.g. "ReLU()"
 * @param count how many output elements were seen
 * @param mean their mean
 * @param std their standard deviation with Bessel's correction (n - 1, as torch.std); NaN for one
 *     element
 * @param zeroFraction the fraction of elements exactly 0 (a ReLU's inactive outputs)
 * @param deadFraction the fraction of units (positions within one sample, so a channel-pixel for
 *     a convolution) that were exactly 0 for every sample seen: dead ReLUs; NaN when the layer's
 *     per-sample shape changed between passes
 */
public record LayerActivations(String name, String layer, long count, double mean, double std, double zeroFraction,
    double deadFraction) {
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%-12s %-28s mean %10.4g  std %10.4g  zeros %6.1f%%  dead units %6.1f%%",
        name.isEmpty() ? "-" : name, layer, mean, std, 100 * zeroFraction, 100 * deadFraction);
  }
}
