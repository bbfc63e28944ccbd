package org.jdnn.data;

/**
 * What a categorical column does with a value that is not one of its known categories: one that
 * a later file (a test split, or rows given to a loaded model) holds but the training file did not.
 */
public enum UnknownCategory {
  /** Refuse it: an exception naming the column, the value and the known categories. */
  ERROR,
  /**
   * Map it to an extra "unknown" category after the known ones: the last one-hot feature (named
   * "column=&lt;unknown&gt;") or index K. The training file never uses it, so the model learns
   * nothing for it but still gives an answer.
   */
  BUCKET
}
