package org.jdnn.nn;

import org.jdnn.tensor.Tensor;

/** softmax(x / temperature) over the last dimension. Train on logits with CrossEntropyLoss instead. */
public final class Softmax extends TemperatureSoftmax {
  /** Saved as {"type": "Softmax", "temperature": t}. */
  public static final LayerType<Softmax> TYPE = type("Softmax", Softmax.class, Softmax::new);

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
