package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** log(softmax(x / temperature)) over the last dimension, computed without forming the softmax. */
public final class LogSoftmax extends Module {
  private final double temperature;

  public LogSoftmax() {
    this(1.0);
  }

  public LogSoftmax(double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("LogSoftmax: temperature must be a positive finite number, got " + temperature);
    }
    this.temperature = temperature;
  }

  public double temperature() {
    return temperature;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return 3 * Shapes.numel(out);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.logSoftmax(temperature);
  }

  @Override
  public String describe() {
    return "LogSoftmax(temperature=" + temperature + ")";
  }
}
