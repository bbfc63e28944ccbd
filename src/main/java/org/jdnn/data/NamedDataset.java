package org.jdnn.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Tensor;

/**
 * Samples with several named inputs and several named targets, N rows in every tensor: the data of
 * a model with several inputs or outputs ({@code org.jdnn.nn.Graph}), as a Keras fit takes dicts of
 * arrays. Owns its tensors: close it when done. {@code org.jdnn.train.GraphTraining#pack} turns it
 * into the {@link ArrayDataset} the trainer batches.
 *
 * <pre>{@code
 * try (NamedDataset data = NamedDataset.of(Map.of("image", images), Map.of("class", labels, "footwear", isShoe))) {
 *   ...
 * }
 * }</pre>
 */
public final class NamedDataset implements AutoCloseable {
  private final Map<String, Tensor> inputs;
  private final Map<String, Tensor> targets;
  private final int size;

  private NamedDataset(Map<String, Tensor> inputs, Map<String, Tensor> targets, int size) {
    this.inputs = Collections.unmodifiableMap(inputs);
    this.targets = Collections.unmodifiableMap(targets);
    this.size = size;
  }

  /**
   * A dataset owning the given tensors (taken out of any scope); each has the samples in dimension 0.
   *
   * @param inputs the model's inputs by name, at least one
   * @param targets the targets by output name (class labels, float targets), at least one
   * @return a new dataset; closing it closes every tensor
   * @throws IllegalArgumentException when a map is empty, a tensor is null, closed or a scalar, or the
   *     tensors disagree on N
   */
  public static NamedDataset of(Map<String, Tensor> inputs, Map<String, Tensor> targets) {
    if (inputs == null || inputs.isEmpty() || targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException("NamedDataset: needs at least one input and one target, got inputs "
          + (inputs == null ? null : inputs.keySet()) + " and targets " + (targets == null ? null : targets.keySet()));
    }
    long n = -1;
    String first = null;
    Map<String, Map<String, Tensor>> both = Map.of("input", inputs, "target", targets);
    for (String kind : new String[] {"input", "target"}) {
      for (Map.Entry<String, Tensor> e : both.get(kind).entrySet()) {
        Tensor t = e.getValue();
        String who = kind + " '" + e.getKey() + "'";
        if (t == null || t.isClosed() || t.rank() < 1) {
          throw new IllegalArgumentException("NamedDataset: " + who + " must be an open tensor with the samples in dimension 0,"
              + " got "
              + (t == null ? "null" : t.describe()));
        }
        if (n < 0) {
          n = t.dim(0);
          first = who;
        } else if (t.dim(0) != n) {
          throw new IllegalArgumentException("NamedDataset: " + who + " " + t.describe() + " has " + t.dim(0) + " samples but "
              + first + " has " + n + "; every tensor needs the same number of rows");
        }
      }
    }
    if (n == 0 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("NamedDataset: " + n + " samples; need 1 to 2^31 - 1");
    }
    Map<String, Tensor> in = new LinkedHashMap<>(inputs);
    Map<String, Tensor> out = new LinkedHashMap<>(targets);
    for (Tensor t : in.values()) t.keep();
    for (Tensor t : out.values()) t.keep();
    return new NamedDataset(in, out, (int) n);
  }

  /**
   * The number of samples.
   *
   * @return N
   */
  public int size() {
    return size;
  }

  /**
   * The inputs.
   *
   * @return an unmodifiable map from name to (N, ...) tensor, owned by the dataset
   */
  public Map<String, Tensor> inputs() {
    return inputs;
  }

  /**
   * The targets.
   *
   * @return an unmodifiable map from output name to (N, ...) tensor, owned by the dataset
   */
  public Map<String, Tensor> targets() {
    return targets;
  }

  /** Frees every tensor. */
  @Override
  public void close() {
    for (Tensor t : inputs.values()) t.close();
    for (Tensor t : targets.values()) t.close();
  }
}
