package org.jdnn.train;

/**
 * How precision, recall and F1 combine the classes into one number, as scikit-learn's
 * {@code average} argument (precision_recall_fscore_support) defines it. Per-class values come from
 * {@link ClassificationScore#perClass()}.
 */
public enum Average {
  /**
   * The unweighted mean of the per-class values over the classes that occur in the targets or in
   * the predictions (scikit-learn's default labels, unique_labels(y_true, y_pred); torchmetrics
   * skips the same classes).
   */
  MACRO,
  /**
   * From the counts summed over classes; for single-label classification micro precision, recall
   * and F1 all equal the accuracy.
   */
  MICRO,
  /** The value of class 1 only (the positive class); for two-class outputs (single-output scores or (N, 2)). */
  BINARY
}
