package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** softmax(x / temperature) over the last dimension. Train on logits with CrossEntropyLoss instead. */
public final class Softmax extends TemperatureSoftmax {
  public Softmax() {
    this(1.0);
  }

  public Softmax(double temperature) {
    super("Softmax", temperature);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.softmax(temperature());
  }
}
