package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** log(softmax(x / temperature)) over the last dimension, computed without forming the softmax. */
public final class LogSoftmax extends TemperatureSoftmax {
  /** Saved as {"type": "LogSoftmax", "temperature": t}. */
  public static final LayerType<LogSoftmax> TYPE = type("LogSoftmax", LogSoftmax.class, LogSoftmax::new);

  /** A log-softmax at temperature 1. */
  public LogSoftmax() {
    this(1.0);
  }

  /**
   * A log-softmax of x / temperature (above 1 flattens the distribution, below 1 sharpens it).
   *
   * @param temperature the divisor, positive and finite
   * @throws IllegalArgumentException when {@code temperature} is not positive and finite
   */
  public LogSoftmax(double temperature) {
    super("LogSoftmax", temperature);
  }

  /**
   * {@inheritDoc}
   *
   * @return a new tensor of x's shape, normalized over the last dimension
   */
  @Override
  public Tensor forward(Tensor x) {
    return x.logSoftmax(temperature());
  }
}
