package org.jdnn.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.CsvReader;
import org.jdnn.data.FeatureEncoding;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.DType;
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
  private final FeatureEncoding encoding;
  private final List<String> classNames;
  private final Map<String, String> metadata;

  SavedModel(Layer model, Normalizer normalizer, List<String> classNames, Map<String, String> metadata) {
    this(model, normalizer, null, classNames, metadata);
  }

  SavedModel(Layer model, Normalizer normalizer, FeatureEncoding encoding, List<String> classNames, Map<String, String> metadata) {
    this.model = model;
    this.normalizer = normalizer;
    this.encoding = encoding;
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

  /**
   * The CSV feature encoding stored with the model.
   *
   * @return the encoding, or null when none was saved
   */
  public FeatureEncoding featureEncoding() {
    return encoding;
  }

  /**
   * The model's output for raw CSV rows: encoded with the stored {@link FeatureEncoding} (unknown
   * categories as the column's policy says), normalized as in training, on the model's device.
   *
   * <pre>{@code
   * Tensor scores = saved.predictRows(List.of(Map.of("age", "41", "color", "red")));
   * }</pre>
   *
   * @param rows field text by column header, one map per row; other keys are ignored
   * @return a new tensor of N outputs, in the caller's innermost open scope (else owned by the caller)
   * @throws IllegalStateException when the file holds no feature encoding
   * @throws IllegalArgumentException when there are no rows, a row lacks a column, has an empty or non-numeric field
   *     where a number is needed, or a category its column refuses (the message names row, column
   *     and value)
   */
  public Tensor predictRows(List<Map<String, String>> rows) {
    if (rows.isEmpty()) throw new IllegalArgumentException("SavedModel.predictRows: no rows; pass at least one");
    float[] x = requireEncoding().encode(rows);
    return predictEncoded(x, rows.size());
  }

  /**
   * The model's output for every row of a CSV file with a header: its columns are found by name
   * (others, such as a label column, are ignored) and encoded as {@link #predictRows} does.
   *
   * @param file a UTF-8 CSV file with a header row and the stored encoding's columns
   * @return a new tensor of N outputs, one per data row in file order, in the caller's innermost
   *     open scope (else owned by the caller)
   * @throws IllegalStateException when the file holds no feature encoding
   * @throws IOException when the CSV file cannot be read or a value cannot be encoded; the message
   *     names file, line and column
   */
  public Tensor predictCsv(Path file) throws IOException {
    CsvReader.Table t = CsvReader.unlabeled().encoding(requireEncoding()).read(file);
    return predictEncoded(t.features, t.rows);
  }

  private FeatureEncoding requireEncoding() {
    if (encoding == null) {
      throw new IllegalStateException("SavedModel: the model file holds no feature encoding; save it with "
          + "ModelFile.save(path, model, normalizer, table.encoding, classNames, metadata)");
    }
    return encoding;
  }

  private Tensor predictEncoded(float[] x, int rows) {
    try (TensorScope s = new TensorScope()) {
      Tensor in = Tensor.empty(DType.FLOAT32, model.device(), rows, encoding.width()).write(x);
      return s.escape(predict(in));
    }
  }

  /** Frees the model's parameters and buffers. */
  @Override
  public void close() {

    model.close();
  }
}
