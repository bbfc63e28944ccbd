package org.jdnn.train;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * Counts of (true class, predicted class) pairs, C x C, rows the true class and columns the
 * predicted one (scikit-learn's confusion_matrix; torchmetrics' ConfusionMatrix has the same
 * layout). Multi-class scores (N, C) predict their argmax (the first largest score, NaN counting as
 * the largest, as torch.argmax); single-output scores (N) or (N, 1) predict class 1 when above the
 * threshold (0 for logits, 0.5 for probabilities; a NaN score predicts 0) and make a 2 x 2 matrix.
 * Targets are class indices (N), (N, C) one-hot or probability targets (their largest entry), or
 * 0/1 targets for single-output scores.
 *
 * <p>Standalone, {@link #of(Tensor, Tensor)} counts one set; as a {@link Metric} it accumulates
 * over a Trainer's epoch or {@link Trainer#evaluate evaluate}, after which {@link #counts()},
 * {@link #toText} and {@code org.jdnn.plot.ConfusionPlot} read it. Its {@link #value()} is the
 * accuracy (the trace over the total). The class count is fixed by the constructor or by the first
 * batch after a reset. Each update reads the outputs and the targets to the host once each (on a
 * GPU, one copy of each per batch) and counts in Java.
 *
 * <pre>{@code
 * ConfusionMatrix cm = new ConfusionMatrix();
 * trainer.metrics(cm).evaluate(test);
 * System.out.println(cm.toText(List.of("cat", "dog", "bird")));
 * }</pre>
 */
public final class ConfusionMatrix implements Metric {
  private final String name;
  private final double threshold;
  private final int fixedClasses;
  private int classes;
  private long[][] counts;

  /** A matrix named "cm_accuracy" whose class count comes from the first batch; logits threshold 0. */
  public ConfusionMatrix() {
    this("cm_accuracy", 0, 0.0);
  }

  /**
   * A matrix for {@code numClasses} classes (checked against every batch); logits threshold 0.
   *
   * @param numClasses the number of classes, at least 2
   * @throws IllegalArgumentException when {@code numClasses} &lt; 2
   */
  public ConfusionMatrix(int numClasses) {
    this("cm_accuracy", checkClasses(numClasses), 0.0);
  }

  ConfusionMatrix(String name, int numClasses, double threshold) {
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException(name + ": threshold must be a finite number, got " + threshold);
    }
    this.name = name;
    this.fixedClasses = numClasses;
    this.threshold = threshold;
    reset();
  }

  private static int checkClasses(int c) {
    if (c < 2) throw new IllegalArgumentException("confusion matrix: numClasses must be >= 2, got " + c);
    return c;
  }

  /**
   * A 2 x 2 matrix for single-output scores, class 1 when the score is above {@code threshold}.
   *
   * @param threshold 0 for logits, 0.5 for probabilities; finite
   * @return a new matrix named "cm_accuracy"
   * @throws IllegalArgumentException when {@code threshold} is not finite
   */
  public static ConfusionMatrix binary(double threshold) {
    return new ConfusionMatrix("cm_accuracy", 2, threshold);
  }

  /**
   * Counts one set of outputs and targets (for multi-class scores, or single-output logits).
   *
   * @param output scores (N, C), or single-output logits (N) / (N, 1); any device, not changed
   * @param target class indices (N), (N, C) targets, or 0/1 targets for single-output scores
   * @return a new matrix holding the counts
   * @throws IllegalArgumentException when the shapes do not fit
   */
  public static ConfusionMatrix of(Tensor output, Tensor target) {
    ConfusionMatrix cm = new ConfusionMatrix();
    cm.update(output, target);
    return cm;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void reset() {
    classes = fixedClasses;
    counts = classes == 0 ? null : new long[classes][classes];
  }

  @Override
  public void update(Tensor output, Tensor target) {
    int n = (int) output.dim(0);
    int[] truth;
    int[] pred;
    int c;
    if (MetricInputs.singleOutput(output)) {
      c = 2;
      checkClassCount(2, output);
      truth = MetricInputs.binaryTargets(name, output, target);
      double[] s = MetricInputs.doubles(output);
      pred = new int[n];
      for (int i = 0; i < n; i++) pred[i] = s[i] > threshold ? 1 : 0;
    } else if (output.rank() == 2 && output.dim(1) >= 2) {
      c = (int) output.dim(1);
      checkClassCount(c, output);
      truth = MetricInputs.classTargets(name, target, n, c);
      pred = MetricInputs.argmax(MetricInputs.doubles(output), n, c);
    } else {
      throw new IllegalArgumentException(name + ": expected (N, C) scores with C >= 2 classes or single-output scores (N) / (N, 1), got "
          + output.describe() + "; flatten or reshape the model's output to one row per sample");
    }
    if (counts == null) {
      classes = c;
      counts = new long[c][c];
    }
    for (int i = 0; i < n; i++) counts[truth[i]][pred[i]]++;
  }

  private void checkClassCount(int c, Tensor output) {
    if (classes != 0 && classes != c) {
      throw new IllegalArgumentException(name + ": expected scores for " + classes + " classes"
          + (classes == 2 ? " ((N, 2) or single-output)" : " (N, " + classes + ")") + ", got " + output.describe()
          + "; a metric instance counts one set of classes (reset() forgets the count when it was not given)");
    }
  }

  /**
   * Adds one sample by class indices (for predictions made elsewhere).
   *
   * @param trueClass the sample's class, in [0, C)
   * @param predictedClass the predicted class, in [0, C)
   * @throws IllegalStateException when the class count is not known yet (no batch and none given)
   * @throws IllegalArgumentException when a class is out of range
   */
  public void add(int trueClass, int predictedClass) {
    if (counts == null) throw new IllegalStateException(name + ": the class count is unknown; construct with new ConfusionMatrix(numClasses)");
    if (trueClass < 0 || trueClass >= classes || predictedClass < 0 || predictedClass >= classes) {
      throw new IllegalArgumentException(name + ": classes must be in [0, " + classes + "), got true " + trueClass + ", predicted " + predictedClass);
    }
    counts[trueClass][predictedClass]++;
  }

  /**
   * The number of classes.
   *
   * @return C, or 0 before the first batch when it was not given
   */
  public int numClasses() {
    return classes;
  }

  /**
   * The counts.
   *
   * @return a new C x C array, {@code [true][predicted]}; 0 x 0 before the class count is known
   */
  public long[][] counts() {
    long[][] out = new long[classes][];
    for (int i = 0; i < classes; i++) out[i] = counts[i].clone();
    return out;
  }

  /**
   * Samples counted since the last reset.
   *
   * @return the sum of every count
   */
  public long total() {
    long t = 0;
    for (int i = 0; i < classes; i++) for (int j = 0; j < classes; j++) t += counts[i][j];
    return t;
  }

  /**
   * The accuracy: correctly classified samples (the diagonal) over all samples.
   *
   * @return a value in [0, 1], or NaN when nothing was counted
   */
  @Override
  public double value() {
    long total = total();
    long diag = 0;
    for (int i = 0; i < classes; i++) diag += counts[i][i];
    return total == 0 ? Double.NaN : (double) diag / total;
  }

  long truePositives(int k) {
    return counts[k][k];
  }

  /** Samples predicted as class k (column sum). */
  long predicted(int k) {
    long s = 0;
    for (int i = 0; i < classes; i++) s += counts[i][k];
    return s;
  }

  /** Samples of true class k (row sum, the support). */
  long actual(int k) {
    long s = 0;
    for (int j = 0; j < classes; j++) s += counts[k][j];
    return s;
  }

  /**
   * Per-class precision tp / (tp + fp); 0 for a class never predicted (scikit-learn's zero_division).
   *
   * @return a new array of C values
   */
  public double[] precision() {
    double[] out = new double[classes];
    for (int k = 0; k < classes; k++) out[k] = ratio(truePositives(k), predicted(k));
    return out;
  }

  /**
   * Per-class recall tp / (tp + fn); 0 for a class with no true samples (scikit-learn's zero_division).
   *
   * @return a new array of C values
   */
  public double[] recall() {
    double[] out = new double[classes];
    for (int k = 0; k < classes; k++) out[k] = ratio(truePositives(k), actual(k));
    return out;
  }

  /**
   * Per-class F1 = 2 tp / (2 tp + fp + fn) (the harmonic mean of precision and recall); 0 when a class
   * is neither predicted nor present, or when tp is 0.
   *
   * @return a new array of C values
   */
  public double[] f1() {
    double[] out = new double[classes];
    for (int k = 0; k < classes; k++) out[k] = ratio(2 * truePositives(k), predicted(k) + actual(k));
    return out;
  }

  static double ratio(long num, long den) {
    return den == 0 ? 0.0 : (double) num / den;
  }

  /**
   * A text table: a header of predicted classes, then one row per true class.
   *
   * @param classNames one name per class, or null for the indices
   * @return the table, lines ending in '\n'
   * @throws IllegalArgumentException when the names are not one per class
   */
  public String toText(List<String> classNames) {
    List<String> names = labels(classNames);
    int w = 6;
    for (String s : names) w = Math.max(w, s.length());
    for (int i = 0; i < classes; i++) for (int j = 0; j < classes; j++) w = Math.max(w, Long.toString(counts[i][j]).length());
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-" + w + "s", "true\\pred"));
    for (String s : names) b.append(' ').append(String.format("%" + w + "s", s));
    b.append('\n');
    for (int i = 0; i < classes; i++) {
      b.append(String.format("%-" + w + "s", names.get(i)));
      for (int j = 0; j < classes; j++) b.append(' ').append(String.format("%" + w + "d", counts[i][j]));
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * The class names to show: {@code classNames} checked against C, or "0", "1", ... when null.
   *
   * @param classNames one name per class, or null
   * @return C labels
   * @throws IllegalArgumentException when the names are not one per class
   */
  public List<String> labels(List<String> classNames) {
    if (classNames == null) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < classes; i++) out.add(Integer.toString(i));
      return out;
    }
    if (classNames.size() != classes) {
      throw new IllegalArgumentException(name + ": expected " + classes + " class names, got " + classNames.size()
          + "; pass one name per class, in class-index order");
    }
    return List.copyOf(classNames);
  }

  @Override
  public String toString() {
    return toText(null);
  }
}
