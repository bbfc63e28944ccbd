package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** softmax(x / temperature) over the last dimension. Train on logits with CrossEntropyLoss instead. */
public final class Softmax extends TemperatureSoftmax {
  /** Saved as {"type": "Softmax", "temperature": t}. */
  public static final LayerType<Softmax> TYPE = type("Softmax", Softmax.class, Softmax::new);

  /** A softmax at temperature 1. */
  public Softmax() {
    this(1.0);
  }

  /**
   * A softmax of x / temperature (above 1 flattens the distribution, below 1 sharpens it).
   *
   * @param temperature the divisor, positive and finite
   * @throws IllegalArgumentException when {@code temperature} is not positive and finite
   */
  public Softmax(double temperature) {
    super("Softmax", temperature);
  }

  /**
   * {@inheritDoc}
   *
   * @return a new tensor of x's shape, normalized over the last dimension
   */
  @Override
  public Tensor forward(Tensor x) {
    return x.softmax(temperature());
  }
}
