package org.jdnn.nn;

import org.jdnn.tensor.Generator;

/** Dropout of whole channels: each (sample, channel) plane of an (N, C, ...) input is kept or zeroed together. */
public final class Dropout2d extends Dropout {
  public Dropout2d(double p) {
    this(p, Generator.global());
  }

  public Dropout2d(double p, Generator generator) {
    super(p, generator, true);
  }
}
