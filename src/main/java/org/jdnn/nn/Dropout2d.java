package org.jdnn.nn;

import org.jdnn.tensor.Generator;

/** Dropout of whole channels: each (sample, channel) plane of an (N, C, ...) input is kept or zeroed together. */
public final class Dropout2d extends Dropout {
  /** Saved as {"type": "Dropout2d", "p": p}; loaded layers draw their masks from the global generator. */
  public static final LayerType<Dropout2d> TYPE = LayerType.of("Dropout2d", Dropout2d.class,
      (l, out) -> out.put("p", l.p()), in -> {
        double p = in.finite("p");
        return LayerType.plan((children, init) -> new Dropout2d(p));
      });

  /**
   * Channel dropout drawing its masks from the global {@link Generator}.
   *
   * @param p the probability of zeroing a channel plane, in [0, 1)
   * @throws IllegalArgumentException when {@code p} is outside [0, 1) or NaN
   */
  public Dropout2d(double p) {
    this(p, Generator.global());
  }

  /**
   * Channel dropout drawing its masks from {@code generator}.
   *
   * @param p the probability of zeroing a channel plane, in [0, 1)
   * @param generator the source of the masks
   * @throws IllegalArgumentException when {@code p} is outside [0, 1) or NaN
   */
  public Dropout2d(double p, Generator generator) {
    super(p, generator, true);
  }
}
