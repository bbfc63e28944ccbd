package org.jdnn.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final List<String> classNames;
  private final Map<String, String> metadata;

  SavedModel(Layer model, Normalizer normalizer, List<String> classNames, Map<String, String> metadata) {
    this.model = model;
    this.normalizer = normalizer;
    this.classNames = List.copyOf(classNames);
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    model.eval();
  }

  /**
   * The class names stored with the model ({@link ModelFile#save(java.nio.file.Path, Layer, Normalizer, List, Map)}).
   *
   * @return the names in class-index order, unmodifiable; empty when none were saved
   */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * The caller's metadata stored with the model (jdnn's own "jdnn.*" and "format" entries left out).
   *
   * @return the entries, unmodifiable; empty when none were saved
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * The predicted class of each sample by name: the argmax of {@link #predict}'s (N, C) scores
   * (the first largest score), looked up in {@link #classNames()}.
   *
   * @param x a batch of raw inputs on the model's device; not closed
   * @return N names, in sample order
   * @throws IllegalStateException when the file holds no class names
   * @throws IllegalArgumentException when the output is not (N, C) with C the number of names, or
   *     {@code x} does not fit the model
   */
  public List<String> predictClassNames(Tensor x) {
    if (classNames.isEmpty()) {
      throw new IllegalStateException("SavedModel: the model file holds no class names; save it with "
          + "ModelFile.save(path, model, normalizer, classNames, metadata)");
    }
    try (TensorScope s = new TensorScope()) {
      Tensor out = predict(x);
      if (out.rank() != 2 || out.dim(1) != classNames.size()) {
        throw new IllegalArgumentException("SavedModel.predictClassNames: expected (N, " + classNames.size() + ") scores for "
            + classNames.size() + " class names, got " + out.describe() + "; the model's output must have one score per class");
      }
      long[] idx = out.argmax().toLongArray();
      List<String> names = new ArrayList<>(idx.length);
      for (long i : idx) names.add(classNames.get((int) i));
      return names;
    }
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
      return s.escape(model.call(in));
    }
  }

  /** Frees the model's parameters and buffers. */
  @Override
  public void close() {

    model.close();
  }
}
