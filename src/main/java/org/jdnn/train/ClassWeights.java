package org.jdnn.train;

import org.jdnn.data.ArrayDataset;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * Class weights for an imbalanced classification, given to the loss through
 * {@code CrossEntropyLoss.builder().weight(w)} (or NLLLoss's): each sample's loss is multiplied by
 * its class's weight and the mean divides by the summed weights, as in torch. "Balanced" weights
 * are scikit-learn's compute_class_weight("balanced"): n_samples / (n_classes x count of the
 * class), so every class contributes equally to the loss.
 *
 * <pre>{@code
 * try (Tensor w = ClassWeights.balancedTensor(train, 10, model.device())) {
 *   Trainer t = new Trainer(model, adam, CrossEntropyLoss.builder().weight(w).build());
 *   t.fit(train, null);
 * }
 * }</pre>
 */
public final class ClassWeights {
  private ClassWeights() {}

  /**
   * Balanced class weights from a dataset's labels.
   *
   * @param data a dataset with class labels (read to the host once)
   * @param classes the number of classes C, at least every label + 1
   * @return C weights; a class with no samples gets 1 (it never weighs a sample)
   * @throws IllegalArgumentException when the dataset has no class labels, {@code classes} &lt; 1,
   *     or a label is outside [0, classes)
   */
  public static double[] balanced(ArrayDataset data, int classes) {
    if (!data.hasLabels()) {
      throw new IllegalArgumentException("ClassWeights.balanced: needs class labels (int32 targets), got " + data.targets().describe());
    }
    if (classes < 1) throw new IllegalArgumentException("ClassWeights.balanced: classes must be >= 1, got " + classes);
    long[] count = new long[classes];
    int[] labels = data.targets().toIntArray();
    for (int i = 0; i < labels.length; i++) {
      int y = labels[i];
      if (y < 0 || y >= classes) {
        throw new IllegalArgumentException("ClassWeights.balanced: sample " + i + " has label " + y + ", outside [0, " + classes
            + "); pass the model's number of classes");
      }
      count[y]++;
    }
    int present = 0;
    for (long c : count) if (c > 0) present++;
    double[] w = new double[classes];
    // scikit-learn divides by the number of classes present (the classes it is given are those of y)
    for (int k = 0; k < classes; k++) w[k] = count[k] == 0 ? 1 : (double) labels.length / ((double) present * count[k]);
    return w;
  }

  /**
   * {@link #balanced} as the float32 (C) tensor a loss's {@code weight} takes.
   *
   * @param data a dataset with class labels
   * @param classes the number of classes C
   * @param device the model's device
   * @return a new tensor the caller closes (after the fit: the loss holds it without owning it)
   * @throws IllegalArgumentException as {@link #balanced}
   */
  public static Tensor balancedTensor(ArrayDataset data, int classes, Device device) {
    double[] w = balanced(data, classes);
    float[] f = new float[w.length];
    for (int i = 0; i < w.length; i++) f[i] = (float) w[i];
    return Tensor.empty(DType.FLOAT32, device, classes).write(f);
  }
}
