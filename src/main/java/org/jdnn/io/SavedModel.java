package org.jdnn.io;

import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** A model loaded from a model file with its normalizer (if one was saved). Closing frees the model. */
public final class SavedModel implements AutoCloseable {
  private final Layer model;
  private final Normalizer normalizer;

  SavedModel(Layer model, Normalizer normalizer) {
    this.model = model;
    this.normalizer = normalizer;
    model.eval();
  }

  public Layer model() {
    return model;
  }

  /** The input normalizer stored with the model, or null. */
  public Normalizer normalizer() {
    return normalizer;
  }

  /** The model's output for raw inputs {@code x}: normalized as in training, eval mode, no gradients. */
  public Tensor predict(Tensor x) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Tensor in = normalizer == null ? x : normalizer.apply(x);
      return s.escape(model.forward(in));
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
