package org.jdnn.nn;

import java.util.function.DoubleFunction;

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

  /** The layer type of {@code cls}, saved with its temperature and rebuilt by {@code create}. */
  static <S extends TemperatureSoftmax> LayerType<S> type(String name, Class<S> cls, DoubleFunction<S> create) {
    return LayerType.of(name, cls, (l, out) -> out.put("temperature", l.temperature()), in -> {
      double t = in.finite("temperature");
      return LayerType.plan((children, init) -> create.apply(t));
    });
  }

  /**
   * The temperature.
   *
   * @return the divisor of the inputs, positive
   */
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
