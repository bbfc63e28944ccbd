package org.jdnn.train;

import org.jdnn.tensor.Tensor;

/**
 * Precision, recall or F1 of a classifier, accumulated over batches as a {@link ConfusionMatrix}
 * and combined as scikit-learn's precision_recall_fscore_support does: per class precision tp / (tp
 * + fp), recall tp / (tp + fn) and F1 2 tp / (2 tp + fp + fn); the {@link Average} then takes the
 * macro mean, the micro value or class 1's. Zero division follows scikit-learn's default (and
 * torchmetrics'): a class never predicted has precision 0, a class with no true samples recall 0,
 * and F1 is 0 when tp is 0. Macro averages the classes that occur in the targets or the
 * predictions, as scikit-learn does with its default labels.
 *
 * <p>Inputs as {@link ConfusionMatrix}: multi-class scores (N, C) with class-index (or (N, C))
 * targets, or single-output scores (N) / (N, 1) with 0/1 targets and a threshold. Each update reads
 * the outputs and targets to the host once each; the counts stay in Java. The value is NaN before
 * any sample.
 */
public final class ClassificationScore implements Metric {
  /** Which quantity. */
  enum Kind {
    PRECISION("precision"),
    RECALL("recall"),
    F1("f1");

    final String key;

    Kind(String key) {
      this.key = key;
    }
  }

  private final Kind kind;
  private final Average average;
  private final String name;
  private final ConfusionMatrix matrix;

  ClassificationScore(Kind kind, Average average, double threshold) {
    if (average == null) throw new IllegalArgumentException(kind.key + ": average must be MACRO, MICRO or BINARY, got null");
    this.kind = kind;
    this.average = average;
    this.name = kind.key + "_" + average.name().toLowerCase(java.util.Locale.ROOT);
    this.matrix = new ConfusionMatrix(name, average == Average.BINARY ? 2 : 0, threshold);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void reset() {
    matrix.reset();
  }

  @Override
  public void update(Tensor output, Tensor target) {
    if (average == Average.BINARY && !MetricInputs.singleOutput(output) && !(output.rank() == 2 && output.dim(1) == 2)) {
      throw new IllegalArgumentException(name + ": Average.BINARY expected single-output scores (N) / (N, 1) or (N, 2) scores, got "
          + output.describe() + "; for more than two classes use Average.MACRO or Average.MICRO");
    }
    matrix.update(output, target);
  }

  /**
   * The per-class values (scikit-learn's average=None).
   *
   * @return a new array of C values (2 for single-output scores); empty before the first batch
   */
  public double[] perClass() {
    switch (kind) {
      case PRECISION:
        return matrix.precision();
      case RECALL:
        return matrix.recall();
      default:
        return matrix.f1();
    }
  }

  /**
   * The counts behind the value.
   *
   * @return this metric's matrix (live: it changes with each update)
   */
  public ConfusionMatrix confusionMatrix() {
    return matrix;
  }

  @Override
  public double value() {
    if (matrix.numClasses() == 0 || matrix.total() == 0) return Double.NaN;
    double[] per = perClass();
    switch (average) {
      case BINARY:
        return per[1];
      case MICRO: {
        // summed over classes tp = trace, tp + fp = tp + fn = total: every micro value is the accuracy
        return matrix.value();
      }
      default: {
        double sum = 0;
        int present = 0;
        for (int k = 0; k < per.length; k++) {
          if (matrix.predicted(k) + matrix.actual(k) == 0) continue;
          sum += per[k];
          present++;
        }
        return sum / present;
      }
    }
  }
}
