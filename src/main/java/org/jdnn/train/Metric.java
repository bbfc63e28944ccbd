package org.jdnn.train;

import org.jdnn.tensor.Tensor;

/**
 * A quantity averaged over an epoch's samples from the model's outputs and the targets. The
 * trainer resets it at each epoch start and calls update once per batch, without gradients.
 * A metric keeps running sums in Java, not tensors, so it owns nothing to close; one instance
 * serves one trainer at a time. Apart from accuracy's GPU counter, the built-in metrics copy the
 * batch's outputs and targets to the host once each per update (on a GPU, two reads per batch that
 * wait for the device). In distributed training a training-epoch value is the ranks'
 * sample-weighted mean, exact for accuracy, MAE and the confusion matrix's accuracy, an
 * approximation for precision, recall, F1, ROC-AUC, RMSE and R2 (validation values are exact).
 *
 * <pre>{@code
 * new Trainer(model, optimizer, new CrossEntropyLoss()).metrics(Metric.accuracy(), Metric.topK(5));
 * }</pre>
 */
public interface Metric {
  /**
   * The key in History and in the logs ("accuracy"; validation values get "val_" in front).
   *
   * @return a name unique among the trainer's metrics
   */
  String name();

  /** Forgets every batch seen: the start of an epoch or of an evaluation. */
  void reset();

  /**
   * Adds one batch.
   *
   * @param output the model's output for the batch, on the model's device; not to be closed or
   *     kept (it belongs to the step's scope)
   * @param target the batch's targets, same device; not to be closed or kept
   * @throws IllegalArgumentException when the shapes do not fit the metric
   */
  void update(Tensor output, Tensor target);

  /**
   * The metric over every sample added since {@link #reset()}.
   *
   * @return the value; the built-in metrics give NaN when no sample was added

   */
  double value();

  /**
   * Fraction of correctly classified samples. Multi-class scores (N, C): the largest score must be
   * the label (class indices (N), or the largest entry of (N, C) targets). Single-output scores
   * (N, 1) or (N) of a binary classifier are read as logits: class 1 when the score is above 0
   * (sigmoid above 0.5), compared with 0/1 targets. For a model that outputs probabilities (a
   * Sigmoid last layer, trained with BCELoss) use {@link #binaryAccuracy binaryAccuracy(0.5)}.
   *
   * @return a new metric named "accuracy", with values in [0, 1]
   */
  static Metric accuracy() {
    return Accuracy.classification(0);
  }

  /**
   * Accuracy of a single-output binary classifier ((N, 1) or (N) scores, 0/1 targets): class 1
   * when the score is above {@code threshold} (0 for logits, 0.5 for probabilities). Logged as
   * "accuracy".
   *
   * @param threshold the score above which a sample is class 1, finite
   * @return a new metric named "accuracy", with values in [0, 1]
   * @throws IllegalArgumentException when {@code threshold} is infinite or NaN
   */
  static Metric binaryAccuracy(double threshold) {
    return Accuracy.binary(threshold);
  }

  /**
   * Fraction of samples whose label is among the {@code k} largest of C &gt; k scores.
   *
   * @param k how many of the largest scores may hold the label, at least 1 and below C (checked
   *     when the first batch shows C)
   * @return a new metric named "top&lt;k&gt;_accuracy" (e.g. "top5_accuracy"), with values in [0, 1]
   * @throws IllegalArgumentException when {@code k} &lt; 1
   */

  static Metric topK(int k) {

    return Accuracy.topK(k, "top" + k + "_accuracy");
  }

  /**
   * Precision tp / (tp + fp) of a classifier, combined over classes by {@code average}
   * (scikit-learn's precision_score; a class never predicted counts 0). Multi-class scores (N, C)
   * predict their argmax; single-output scores (N) / (N, 1) are logits (class 1 above 0).
   *
   * @param average MACRO, MICRO or BINARY (class 1 of two)
   * @return a new metric named "precision_&lt;average&gt;" (e.g. "precision_macro"); per-class values
   *     from {@link ClassificationScore#perClass()}
   * @throws IllegalArgumentException when {@code average} is null
   */
  static ClassificationScore precision(Average average) {
    return precision(average, 0);
  }

  /**
   * Precision with single-output scores thresholded at {@code threshold} (0.5 for probabilities).
   *
   * @param average MACRO, MICRO or BINARY
   * @param threshold the score above which a single-output sample is class 1, finite
   * @return a new metric named "precision_&lt;average&gt;"
   * @throws IllegalArgumentException when {@code average} is null or {@code threshold} not finite
   */
  static ClassificationScore precision(Average average, double threshold) {
    return new ClassificationScore(ClassificationScore.Kind.PRECISION, average, threshold);
  }

  /**
   * Recall tp / (tp + fn) of a classifier, combined over classes by {@code average}
   * (scikit-learn's recall_score; a class with no true samples counts 0). Inputs as {@link
   * #precision(Average)}.
   *
   * @param average MACRO, MICRO or BINARY (class 1 of two)
   * @return a new metric named "recall_&lt;average&gt;"
   * @throws IllegalArgumentException when {@code average} is null
   */
  static ClassificationScore recall(Average average) {
    return recall(average, 0);
  }

  /**
   * Recall with single-output scores thresholded at {@code threshold}.
   *
   * @param average MACRO, MICRO or BINARY
   * @param threshold the score above which a single-output sample is class 1, finite
   * @return a new metric named "recall_&lt;average&gt;"
   * @throws IllegalArgumentException when {@code average} is null or {@code threshold} not finite
   */
  static ClassificationScore recall(Average average, double threshold) {
    return new ClassificationScore(ClassificationScore.Kind.RECALL, average, threshold);
  }

  /**
   * F1 = 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall, combined over classes
   * by {@code average} (scikit-learn's f1_score; 0 for a class with tp = 0). Inputs as {@link
   * #precision(Average)}.
   *
   * @param average MACRO, MICRO or BINARY (class 1 of two)
   * @return a new metric named "f1_&lt;average&gt;" (e.g. "f1_macro")
   * @throws IllegalArgumentException when {@code average} is null
   */
  static ClassificationScore f1(Average average) {
    return f1(average, 0);
  }

  /**
   * F1 with single-output scores thresholded at {@code threshold}.
   *
   * @param average MACRO, MICRO or BINARY
   * @param threshold the score above which a single-output sample is class 1, finite
   * @return a new metric named "f1_&lt;average&gt;"
   * @throws IllegalArgumentException when {@code average} is null or {@code threshold} not finite
   */
  static ClassificationScore f1(Average average, double threshold) {
    return new ClassificationScore(ClassificationScore.Kind.F1, average, threshold);
  }

  /**
   * Exact area under the ROC curve of a binary classifier's scores, over every sample of the
   * epoch (see {@link RocAuc}; ties as scikit-learn's roc_auc_score).
   *
   * @return a new metric named "roc_auc"
   */
  static RocAuc rocAuc() {
    return new RocAuc();
  }

  /**
   * Mean absolute error over every output element (see {@link RegressionMetric}).
   *
   * @return a new metric named "mae"
   */
  static RegressionMetric mae() {
    return new RegressionMetric(RegressionMetric.Kind.MAE);
  }

  /**
   * Root mean squared error over every output element (see {@link RegressionMetric}).
   *
   * @return a new metric named "rmse"
   */
  static RegressionMetric rmse() {
    return new RegressionMetric(RegressionMetric.Kind.RMSE);
  }

  /**
   * Coefficient of determination R2 as scikit-learn's r2_score (see {@link RegressionMetric}).
   *
   * @return a new metric named "r2"
   */
  static RegressionMetric r2() {
    return new RegressionMetric(RegressionMetric.Kind.R2);
  }
}
