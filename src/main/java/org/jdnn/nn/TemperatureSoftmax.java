package org.jdnn.nn;

/** What Softmax and LogSoftmax share: a validated temperature over the last dimension. */
abstract class TemperatureSoftmax extends Layer {
  private final String name;
  private final double temperature;

  TemperatureSoftmax(String name, double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(name + ": temperature must be a positive finite number, got " + temperature);
    }
    this.name = name;
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
  public String describe() {
    return name + "(temperature=" + temperature + ")";
  }
}
