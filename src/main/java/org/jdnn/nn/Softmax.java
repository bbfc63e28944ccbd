package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** softmax(x / temperature) over the last dimension. Train on logits with CrossEntropyLoss instead. */
public final class Softmax extends Module {
  private final double temperature;

  public Softmax() {
    this(1.0);
  }

  public Softmax(double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("Softmax: temperature must be a positive finite number, got " + temperature);
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
    return x.softmax(temperature);
  }

  @Override
  public String describe() {
    return "Softmax(temperature=" + temperature + ")";
  }
}
