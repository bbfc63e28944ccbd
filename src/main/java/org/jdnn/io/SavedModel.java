package org.jdnn.io;

import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * A model loaded from a model file with its normalizer (if one was saved). Closing frees the model.
 * The model is in eval mode; {@link #predict} may be called from several threads at once, since
 * gradient recording and tensor scopes are per thread.
 */
public final class SavedModel implements AutoCloseable {
  private final Layer model;
  private final Normalizer normalizer;

  SavedModel(Layer model, Normalizer normalizer) {
    this.model = model;
    this.normalizer = normalizer;
    model.eval();
  }

  /**
   * The rebuilt model.
   *
   * @return the model, owned by this object (closed by {@link #close()})
   */
  public Layer model() {
    return model;
  }

  /**
   * The input normalizer stored with the model.
   *
   * @return the normalizer, or null when none was saved
   */
  public Normalizer normalizer() {
    return normalizer;
  }

  /**
   * The model's output for raw inputs {@code x}: normalized as in training, eval mode, no gradients.
   *
   * @param x a batch of raw inputs on the model's device; not closed
   * @return a new tensor, in the caller's innermost open scope (else owned by the caller)
   * @throws IllegalArgumentException when {@code x} does not fit the model (shape, dtype, device)
   */
  public Tensor predict(Tensor x) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Tensor in = normalizer == null ? x : normalizer.apply(x);
      return s.escape(model.forward(in));
    }
  }

  /** Frees the model's parameters and buffers. */
  @Override
  public void close() {

    model.close();
  }
}
