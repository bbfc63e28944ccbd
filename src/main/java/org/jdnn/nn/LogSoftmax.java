package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** log(softmax(x / temperature)) over the last dimension, computed without forming the softmax. */
public final class LogSoftmax extends TemperatureSoftmax {
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
