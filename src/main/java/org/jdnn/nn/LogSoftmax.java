package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** log(softmax(x / temperature)) over the last dimension, computed without forming the softmax. */
public final class LogSoftmax extends TemperatureSoftmax {
  /** Saved as {"type": "LogSoftmax", "temperature": t}. */
  public static final LayerType<LogSoftmax> TYPE = type("LogSoftmax", LogSoftmax.class, LogSoftmax::new);

  public LogSoftmax() {
    this(1.0);
  }

  public LogSoftmax(double temperature) {
    super("LogSoftmax", temperature);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.logSoftmax(temperature());
  }
}
