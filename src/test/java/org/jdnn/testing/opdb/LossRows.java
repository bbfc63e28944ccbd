package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.loss.BCELoss;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.MSELoss;
import org.jdnn.loss.Reduction;
import org.jdnn.tensor.DType;

/**
 * Rows for the losses of org.jdnn.loss (and the LossOps kernels under them), with PyTorch's
 * definitions: BCE's logs clamped at -100 with log(1 - p) as log1p(-p); BCE with logits as
 * max(x, 0) - x t + log(1 + e^-|x|); cross-entropy averaged over the batch, computed with the row
 * maximum subtracted; an empty batch's mean is NaN.
 */
final class LossRows {
  private LossRows() {}

  static final long[][] SHAPES = {{4, 3}, {1, 1}, {7}, {2, 3, 5}};

  static List<OpInfo<?>> rows() {
    return List.of(mse(), bce(), bceWithLogits(), crossEntropyLabels(), crossEntropyProbabilities());
  }

  static Expected reduce(double[] perElement, long[] shape, Reduction reduction) {
    if (reduction == Reduction.NONE) return Expected.of(perElement, shape);
    double s = 0;
    for (double v : perElement) s += v;
    return Expected.of(new double[] {reduction == Reduction.SUM ? s : s / perElement.length});
  }

  /** Shape-mismatch refusals every element-wise loss shares. */
  static <P> void shapeErrors(OpInfo<P> row, P params, String loss) {
    row.error("target of another shape", params, List.of(Input.of(new double[12], 4, 3), Input.of(new double[4], 4)),
        IllegalArgumentException.class, loss, "[4, 3]", "[4]");
    row.error("target transposed", params, List.of(Input.of(new double[12], 4, 3), Input.of(new double[12], 3, 4)),
        IllegalArgumentException.class, loss, "[3, 4]");
    row.error("float64 target", params, List.of(Input.of(new double[12], 4, 3),
        Input.of(new double[12], 4, 3).as(DType.FLOAT64)), IllegalArgumentException.class, loss, "float64");
  }

  /** Mean squared error; its gradient reaches the target as well, as in PyTorch. */
  static OpInfo<Reduction> mse() {
    OpInfo<Reduction> row = OpInfo.<Reduction>op("MSELoss")
        .covers("loss.MSELoss")
        .call((in, red) -> new MSELoss(red).compute(in[0], in[1]))
        .reference((s, in) -> {
          double[] per = new double[in[0].length];
          for (int i = 0; i < per.length; i++) per[i] = (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
          return reduce(per, s.shape(0), s.params);
        })
        .samples(r -> {
          List<Sample<Reduction>> out = new ArrayList<>();
          Domain d = Domain.range(-2, 2);
          for (Reduction red : Reduction.values()) {
            for (long[] shape : SHAPES) {
              int n = Refs.numel(shape);
              out.add(Sample.of(red + " " + Arrays.toString(shape), red, Input.of(d.draw(r, n), shape),
                  Input.of(d.draw(r, n), shape)));
            }
          }
          out.add(Sample.of("NaN", Reduction.MEAN, Input.of(new double[] {0.5, Double.NaN, 2}, 3),
              Input.of(new double[3], 3)).forwardOnly());
          return out;
        })
        .parityNormwise();
    shapeErrors(row, Reduction.MEAN, "MSELoss");
    return row;
  }

  /** BCE on probabilities; the target is constant (PyTorch's BCELoss has no target gradient). */
  static OpInfo<Reduction> bce() {
    OpInfo<Reduction> row = OpInfo.<Reduction>op("BCELoss")
        .covers("loss.BCELoss", "LossOps.pointLoss")
        .call((in, red) -> new BCELoss(red).compute(in[0], in[1]))
        .reference((s, in) -> reduce(Formulas.bce(in[0], in[1]), s.shape(0), s.params))
        .samples(r -> {
          List<Sample<Reduction>> out = new ArrayList<>();
          Domain p = Domain.range(0.02, 0.98), t = Domain.range(0, 1);
          for (Reduction red : Reduction.values()) {
            for (long[] shape : SHAPES) {
              int n = Refs.numel(shape);
              double[] soft = t.draw(r, n), hard = t.draw(r, n);
              for (int i = 0; i < n; i++) hard[i] = Math.rint(hard[i]);
              out.add(Sample.of(red + " " + Arrays.toString(shape) + " soft targets", red, Input.of(p.draw(r, n), shape),
                  Input.of(soft, shape).constant()));
              out.add(Sample.of(red + " " + Arrays.toString(shape) + " hard targets", red, Input.of(p.draw(r, n), shape),
                  Input.of(hard, shape).constant()));
            }
          }
          // log(0) = -inf and log(1e-50) = -115 are clamped to -100: finite losses
          out.add(Sample.of("saturated", Reduction.NONE, Input.of(new double[] {0, 0, 1, 1, 1e-50, 0.5}, 6),
              Input.of(new double[] {0, 1, 0, 1, 1, 1}, 6).constant()).forwardOnly());
          out.add(Sample.of("tiny probabilities (log1p)", Reduction.NONE, Input.of(new double[] {1e-7, 3e-9, 2e-5}, 3),
              Input.of(new double[] {0, 0, 0.25}, 3).constant()).forwardOnly());
          return out;
        })
        .parityNormwise();
    shapeErrors(row, Reduction.MEAN, "BCELoss");
    List<Input> ok = List.of(Input.of(new double[] {1, 0, 1, 0}, 4).constant());
    row.error("inputs that are not probabilities", Reduction.MEAN, List.of(Input.of(new double[] {0.5, 0.25, 2.5, -1}, 4),
        ok.get(0)), IllegalArgumentException.class, "BCELoss", "input", "2.5", "index 2", "[0, 1]", "BCEWithLogitsLoss");
    row.error("a NaN input", Reduction.NONE, List.of(Input.of(new double[] {0.5, Double.NaN, 0.1, 0.2}, 4), ok.get(0)),
        IllegalArgumentException.class, "BCELoss", "NaN", "index 1");
    row.error("a target outside [0, 1]", Reduction.MEAN, List.of(Input.of(new double[] {0.5, 0.5, 0.5, 0.5}, 4),
        Input.of(new double[] {1, 0, -1, 0}, 4)), IllegalArgumentException.class, "BCELoss", "target", "-1", "index 2",
        "[0, 1]");
    return row;
  }

  static OpInfo<Reduction> bceWithLogits() {
    OpInfo<Reduction> row = OpInfo.<Reduction>op("BCEWithLogitsLoss")
        .covers("loss.BCEWithLogitsLoss")
        .call((in, red) -> new BCEWithLogitsLoss(red).compute(in[0], in[1]))
        .reference((s, in) -> reduce(Formulas.bceWithLogits(in[0], in[1]), s.shape(0), s.params))
        .samples(r -> {
          List<Sample<Reduction>> out = new ArrayList<>();
          Domain x = Domain.range(0.05, 6).signed(), t = Domain.range(0, 1);  // both branches, away from the kink at 0
          for (Reduction red : Reduction.values()) {
            for (long[] shape : SHAPES) {
              int n = Refs.numel(shape);
              out.add(Sample.of(red + " " + Arrays.toString(shape), red, Input.of(x.draw(r, n), shape),
                  Input.of(t.draw(r, n), shape).constant()));
            }
          }
          out.add(Sample.of("logits near 0", Reduction.NONE, Input.of(Domain.range(-6, 6).draw(r, 12), 4, 3),
              Input.of(t.draw(r, 12), 4, 3).constant()).forwardOnly());
          out.add(Sample.of("huge logits", Reduction.NONE, Input.of(new double[] {1e4, 1e4, -1e4, -1e4, 1e4, -1e4, 100, -100}, 8),
              Input.of(new double[] {1, 0, 1, 0, 0.25, 0.75, 0, 1}, 8).constant()));
          out.add(Sample.of("huge logits, mean", Reduction.MEAN, Input.of(new double[] {1e4, -1e4}, 2),
              Input.of(new double[] {0, 0}, 2).constant()));
          return out;
        })
        .parityNormwise();
    shapeErrors(row, Reduction.MEAN, "BCEWithLogitsLoss");
    return row;
  }

  /** CrossEntropyLoss with class labels (int32 or int64) in [0, C). */
  static OpInfo<DType> crossEntropyLabels() {
    OpInfo<DType> row = OpInfo.<DType>op("CrossEntropyLoss(labels)")
        .covers("loss.CrossEntropyLoss", "LossOps.crossEntropy")
        .messageName("CrossEntropyLoss")
        .call((in, labelType) -> new CrossEntropyLoss().compute(in[0], in[1]))
        .reference((s, in) -> {
          int n = (int) s.shape(0)[0], c = (int) s.shape(0)[1];
          double total = 0;
          for (int i = 0; i < n; i++) total += Formulas.logSumExp(in[0], i * c, c) - in[0][i * c + (int) in[1][i]];
          return Expected.of(new double[] {total / n});
        })
        .samples(r -> {
          List<Sample<DType>> out = new ArrayList<>();
          for (DType labelType : new DType[] {DType.INT64, DType.INT32}) {
            for (int[] nc : new int[][] {{4, 5}, {1, 3}, {1, 1}, {6, 1}, {3, 129}, {17, 10}}) {
              int n = nc[0], c = nc[1];
              long[] labels = new long[n];
              for (int i = 0; i < n; i++) labels[i] = r.nextInt(c);
              out.add(Sample.of(n + "x" + c + ", " + labelType + " labels", labelType,
                  Input.of(Domain.range(-4, 4).draw(r, n * c), n, c), Input.ints(labelType, labels, n)));
            }
          }
          // dominant correct class, dominant wrong class, two tied huge logits, mixed signs
          out.add(Sample.of("huge logits", DType.INT64, Input.of(new double[] {1e4, 0, -1e4, 1e4, 0, -1e4, 1e4, 1e4, 5,
              -1e4, 1e4 - 3, 1e4}, 4, 3), Input.ints(DType.INT64, new long[] {0, 2, 1, 1}, 4)).forwardOnly());
          out.add(Sample.of("huge logits, close values", DType.INT32, Input.of(new double[] {1e4, 1e4 - 1, 1e4 - 4, -1e4,
              -1e4 + 2, -1e4 + 0.5}, 2, 3), Input.ints(DType.INT32, new long[] {1, 2}, 2)));
          out.add(Sample.of("empty batch: NaN", DType.INT64, Input.of(new double[0], 0, 3),
              Input.ints(DType.INT64, new long[0], 0)).forwardOnly());
          return out;
        })
        .parityNormwise();
    Input logits = Input.of(new double[12], 3, 4);
    row.error("label 4 of 4 classes", DType.INT64, List.of(logits, Input.ints(DType.INT64, new long[] {0, 4, 1}, 3)),
        IndexOutOfBoundsException.class, "CrossEntropyLoss", "label 4", "index 1", "[0, 4)");
    row.error("label -1", DType.INT32, List.of(logits, Input.ints(DType.INT32, new long[] {0, -1, 1}, 3)),
        IndexOutOfBoundsException.class, "CrossEntropyLoss", "label -1", "index 1");
    row.error("two labels for three rows", DType.INT64, List.of(logits, Input.ints(DType.INT64, new long[] {0, 1}, 2)),
        IllegalArgumentException.class, "CrossEntropyLoss", "3 labels", "[2]");
    row.error("1-D logits", DType.INT64, List.of(Input.of(new double[12], 12), Input.ints(DType.INT64, new long[] {0}, 1)),
        IllegalArgumentException.class, "CrossEntropyLoss", "[N, C]", "[12]");
    return row;
  }

  /** CrossEntropyLoss with a probability distribution per row: -sum_c t log softmax(x) averaged over rows. */
  static OpInfo<Void> crossEntropyProbabilities() {
    OpInfo<Void> row = OpInfo.<Void>op("CrossEntropyLoss(probabilities)")
        .covers("loss.CrossEntropyLoss")
        .messageName("CrossEntropyLoss")
        .call((in, p) -> new CrossEntropyLoss().compute(in[0], in[1]))
        .reference((s, in) -> {
          int n = (int) s.shape(0)[0], c = (int) s.shape(0)[1];
          double total = 0;
          for (int i = 0; i < n; i++) {
            double lse = Formulas.logSumExp(in[0], i * c, c);
            for (int j = 0; j < c; j++) total -= in[1][i * c + j] * (in[0][i * c + j] - lse);
          }
          return Expected.of(new double[] {total / n});
        })
        .samples(r -> {
          List<Sample<Void>> out = new ArrayList<>();
          for (int[] nc : new int[][] {{4, 5}, {1, 3}, {6, 7}, {8, 2}}) {
            int n = nc[0], c = nc[1];
            double[] t = Domain.range(0, 1).draw(r, n * c);
            for (int i = 0; i < n; i++) {  // rows are probability distributions
              double sum = 0;
              for (int j = 0; j < c; j++) sum += t[i * c + j];
              for (int j = 0; j < c; j++) t[i * c + j] /= sum;
            }
            out.add(Sample.of(n + "x" + c + " soft targets", null, Input.of(Domain.range(-4, 4).draw(r, n * c), n, c),
                Input.of(t, n, c)));
          }
          out.add(Sample.<Void>of("huge logits, one-hot", null, Input.of(new double[] {1e4, 0, -1e4, 1e4, 0, -1e4, 1e4,
              1e4, 5, -1e4, 1e4 - 3, 1e4}, 4, 3), Input.of(new double[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0}, 4, 3))
              .forwardOnly());
          out.add(Sample.<Void>of("empty batch: NaN", null, Input.of(new double[0], 0, 3), Input.of(new double[0], 0, 3))
              .forwardOnly());
          return out;
        })
        .parityNormwise();
    row.error("target of another shape", null, List.of(Input.of(new double[12], 3, 4), Input.of(new double[15], 3, 5)),
        IllegalArgumentException.class, "CrossEntropyLoss", "[3, 4]", "[3, 5]");
    row.error("float64 target", null, List.of(Input.of(new double[12], 3, 4), Input.of(new double[12], 3, 4)
        .as(DType.FLOAT64)), IllegalArgumentException.class, "CrossEntropyLoss", "float64");
    return row;
  }
}
