package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.HuberLoss;
import org.jdnn.loss.NLLLoss;
import org.jdnn.loss.Reduction;
import org.jdnn.loss.SmoothL1Loss;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Rows for the losses' PyTorch options: cross-entropy with label smoothing, class weights, an
 * ignore index and reductions (index and probability targets), NLLLoss, HuberLoss, SmoothL1Loss and
 * BCEWithLogitsLoss's pos_weight. Each reference is a plain float64 loop over the formulas of
 * PyTorch's documentation (torch.nn.CrossEntropyLoss, NLLLoss, HuberLoss, SmoothL1Loss,
 * BCEWithLogitsLoss), not over jdnn's composition of ops.
 */
final class LossOptionRows {
  private LossOptionRows() {}

  static List<OpInfo<?>> rows() {
    return List.of(crossEntropyIndexOptions(), crossEntropyProbabilityOptions(), nll(), huber(), smoothL1(),
        bceWithLogitsPosWeight());
  }

  /** Cross-entropy and NLL options; {@code weighted}: a (C) weight is the sample's last input. */
  record Ce(double smoothing, boolean weighted, long ignoreIndex, Reduction reduction) {
    CrossEntropyLoss loss(Tensor[] in) {
      return CrossEntropyLoss.builder().labelSmoothing(smoothing).weight(weighted ? in[2] : null)
          .ignoreIndex(ignoreIndex).reduction(reduction).build();
    }
  }

  static double[] logSoftmax(double[] x, int n, int c) {
    double[] out = new double[n * c];
    for (int i = 0; i < n; i++) {
      double lse = Formulas.logSumExp(x, i * c, c);
      for (int j = 0; j < c; j++) out[i * c + j] = x[i * c + j] - lse;
    }
    return out;
  }

  /**
   * PyTorch's index-target cross-entropy on log-probabilities lp: row loss
   * (1 - s) w[y] (-lp[y]) + s / C sum_c w_c (-lp[c]), 0 for ignored rows; mean = sum / sum of w[y]
   * over non-ignored rows. With s = 0 this is NLLLoss.
   */
  static Expected indexReference(double[] lp, double[] y, double[] w, int n, int c, double s, long ignore,
      Reduction red) {
    double[] per = new double[n];
    double wsum = 0;
    for (int i = 0; i < n; i++) {
      if ((long) y[i] == ignore) continue;
      int yi = (int) y[i];
      double wy = w == null ? 1 : w[yi];
      double smooth = 0;
      for (int j = 0; j < c; j++) smooth -= (w == null ? 1 : w[j]) * lp[i * c + j];
      per[i] = (1 - s) * wy * -lp[i * c + yi] + s / c * smooth;
      wsum += wy;
    }
    if (red == Reduction.NONE) return Expected.of(per, n);
    double total = 0;
    for (double v : per) total += v;
    return Expected.of(new double[] {red == Reduction.SUM ? total : total / wsum});
  }

  /** Labels in [0, C), about a quarter of them replaced by the ignore index. */
  static long[] labels(Random r, int n, int c, long ignore) {
    long[] y = new long[n];
    for (int i = 0; i < n; i++) y[i] = r.nextInt(4) == 0 ? ignore : r.nextInt(c);
    do {
      y[0] = r.nextInt(c);  // at least one counted row, so the mean is defined
    } while (y[0] == ignore);
    return y;
  }

  static OpInfo<Ce> crossEntropyIndexOptions() {
    OpInfo<Ce> row = OpInfo.<Ce>op("CrossEntropyLoss(labels, options)")
        .covers("loss.CrossEntropyLoss")
        .messageName("CrossEntropyLoss")
        .call((in, p) -> p.loss(in).compute(in[0], in[1]))
        .reference((smp, in) -> {
          int n = (int) smp.shape(0)[0], c = (int) smp.shape(0)[1];
          Ce p = smp.params;
          return indexReference(logSoftmax(in[0], n, c), in[1], p.weighted ? in[2] : null, n, c, p.smoothing,
              p.ignoreIndex, p.reduction);
        })
        .samples(r -> {
          List<Sample<Ce>> out = new ArrayList<>();
          Domain x = Domain.range(-4, 4), w = Domain.range(0.25, 3);
          int[][] sizes = {{6, 5}, {1, 3}, {9, 2}};
          for (Reduction red : Reduction.values()) {
            for (double s : new double[] {0, 0.1, 1}) {
              for (boolean weighted : new boolean[] {false, true}) {
                // the default ignore index, one inside [0, C) (a padding class) and one the data never holds
                for (long ignore : new long[] {-100, 1, 7}) {
                  int[] nc = sizes[out.size() % sizes.length];
                  int n = nc[0], c = nc[1];
                  DType labelType = out.size() % 2 == 0 ? DType.INT64 : DType.INT32;
                  Ce p = new Ce(s, weighted, ignore, red);
                  Input logits = Input.of(x.draw(r, n * c), n, c);
                  Input lab = Input.ints(labelType, labels(r, n, c, ignore), n);
                  String label = red + " s=" + s + (weighted ? " weighted" : "") + " ignore " + ignore + " " + n + "x" + c;
                  out.add(weighted ? Sample.of(label, p, logits, lab, Input.of(w.draw(r, c), c).constant())
                      : Sample.of(label, p, logits, lab));
                }
              }
            }
          }
          // PyTorch: a mean over rows that are all ignored is 0 / 0
          out.add(Sample.of("every row ignored: NaN", new Ce(0, false, -100, Reduction.MEAN),
              Input.of(x.draw(r, 6), 2, 3), Input.ints(DType.INT64, new long[] {-100, -100}, 2)).forwardOnly());
          out.add(Sample.of("huge logits, smoothing and weights", new Ce(0.2, true, -100, Reduction.MEAN),
              Input.of(new double[] {1e4, 0, -1e4, 1e4, 1e4 - 2, 5}, 2, 3), Input.ints(DType.INT64, new long[] {2, 0}, 2),
              Input.of(new double[] {0.5, 2, 1}, 3).constant()).forwardOnly());
          return out;
        })
        .parityNormwise();
    Input logits = Input.of(new double[12], 3, 4);
    Input labels = Input.ints(DType.INT64, new long[] {0, 1, 2}, 3);
    row.error("weight of 3 for 4 classes", new Ce(0, true, -100, Reduction.MEAN),
        List.of(logits, labels, Input.of(new double[3], 3).constant()), IllegalArgumentException.class,
        "CrossEntropyLoss", "class weight", "[4]", "[3]", "length 4");
    row.error("float64 weight", new Ce(0, true, -100, Reduction.MEAN),
        List.of(logits, labels, Input.of(new double[4], 4).as(DType.FLOAT64)), IllegalArgumentException.class,
        "CrossEntropyLoss", "weight dtype", "float64");
    row.error("label 4 of 4 classes, not the ignore index", new Ce(0.1, false, -100, Reduction.SUM),
        List.of(logits, Input.ints(DType.INT64, new long[] {0, 4, -100}, 3)), IndexOutOfBoundsException.class,
        "CrossEntropyLoss", "[0, 4)", "index 4");
    row.error("label -1 with ignore index 2", new Ce(0, false, 2, Reduction.NONE),
        List.of(logits, Input.ints(DType.INT32, new long[] {2, -1, 0}, 3)), IndexOutOfBoundsException.class,
        "CrossEntropyLoss", "[0, 4)", "index -1");
    row.error("two labels for three rows", new Ce(0.1, false, -100, Reduction.MEAN),
        List.of(logits, Input.ints(DType.INT64, new long[] {0, 1}, 2)), IllegalArgumentException.class,
        "CrossEntropyLoss", "3 labels", "[2]");
    return row;
  }

  /** Probability targets: row loss -sum_c w_c ((1 - s) t_c + s / C) log p_c; the mean divides by N. */
  static OpInfo<Ce> crossEntropyProbabilityOptions() {
    OpInfo<Ce> row = OpInfo.<Ce>op("CrossEntropyLoss(probabilities, options)")
        .covers("loss.CrossEntropyLoss")
        .messageName("CrossEntropyLoss")
        .call((in, p) -> p.loss(in).compute(in[0], in[1]))
        .reference((smp, in) -> {
          int n = (int) smp.shape(0)[0], c = (int) smp.shape(0)[1];
          Ce p = smp.params;
          double[] lp = logSoftmax(in[0], n, c), per = new double[n];
          for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
              double t = (1 - p.smoothing) * in[1][i * c + j] + p.smoothing / c;
              per[i] -= (p.weighted ? in[2][j] : 1) * t * lp[i * c + j];
            }
          }
          return LossRows.reduce(per, new long[] {n}, p.reduction);
        })
        .samples(r -> {
          List<Sample<Ce>> out = new ArrayList<>();
          Domain x = Domain.range(-4, 4), w = Domain.range(0.25, 3);
          for (Reduction red : Reduction.values()) {
            for (double s : new double[] {0, 0.3}) {
              for (boolean weighted : new boolean[] {false, true}) {
                int n = 5, c = 4;
                double[] t = Domain.range(0, 1).draw(r, n * c);
                for (int i = 0; i < n; i++) {
                  double sum = 0;
                  for (int j = 0; j < c; j++) sum += t[i * c + j];
                  for (int j = 0; j < c; j++) t[i * c + j] /= sum;
                }
                Ce p = new Ce(s, weighted, -100, red);
                // the target is a distribution, not a parameter: constant, like the other losses' targets
                Input logits = Input.of(x.draw(r, n * c), n, c), target = Input.of(t, n, c).constant();
                String label = red + " s=" + s + (weighted ? " weighted" : "");
                out.add(weighted ? Sample.of(label, p, logits, target, Input.of(w.draw(r, c), c).constant())
                    : Sample.of(label, p, logits, target));
              }
            }
          }
          return out;
        })
        .parityNormwise();
    row.error("weight of 5 for 4 classes", new Ce(0, true, -100, Reduction.SUM), List.of(Input.of(new double[12], 3, 4),
        Input.of(new double[12], 3, 4), Input.of(new double[5], 5).constant()), IllegalArgumentException.class,
        "CrossEntropyLoss", "class weight", "[4]", "[5]");
    return row;
  }

  /** NLLLoss options; a weighted sample's last input is the (C) weight. */
  record Nll(boolean weighted, long ignoreIndex, Reduction reduction) {}

  static OpInfo<Nll> nll() {
    OpInfo<Nll> row = OpInfo.<Nll>op("NLLLoss")
        .covers("loss.NLLLoss")
        .call((in, p) -> new NLLLoss(p.reduction, p.weighted ? in[2] : null, p.ignoreIndex).compute(in[0], in[1]))
        .reference((smp, in) -> {
          int n = (int) smp.shape(0)[0], c = (int) smp.shape(0)[1];
          Nll p = smp.params;
          return indexReference(in[0], in[1], p.weighted ? in[2] : null, n, c, 0, p.ignoreIndex, p.reduction);
        })
        .samples(r -> {
          List<Sample<Nll>> out = new ArrayList<>();
          Domain lp = Domain.range(-5, 0), w = Domain.range(0.25, 3);
          for (Reduction red : Reduction.values()) {
            for (boolean weighted : new boolean[] {false, true}) {
              for (long ignore : new long[] {-100, 0}) {
                int n = 7, c = 3;
                Nll p = new Nll(weighted, ignore, red);
                Input x = Input.of(lp.draw(r, n * c), n, c);
                Input lab = Input.ints(ignore == 0 ? DType.INT32 : DType.INT64, labels(r, n, c, ignore), n);
                String label = red + (weighted ? " weighted" : "") + " ignore " + ignore;
                out.add(weighted ? Sample.of(label, p, x, lab, Input.of(w.draw(r, c), c).constant())
                    : Sample.of(label, p, x, lab));
              }
            }
          }
          return out;
        })
        .parityNormwise();
    Input x = Input.of(new double[12], 3, 4);
    row.error("weight of 2 for 4 classes", new Nll(true, -100, Reduction.MEAN),
        List.of(x, Input.ints(DType.INT64, new long[] {0, 1, 2}, 3), Input.of(new double[2], 2).constant()),
        IllegalArgumentException.class, "NLLLoss", "class weight", "[4]", "[2]");
    row.error("label 5 of 4 classes", new Nll(false, -100, Reduction.MEAN),
        List.of(x, Input.ints(DType.INT64, new long[] {0, 5, 1}, 3)), IndexOutOfBoundsException.class, "NLLLoss",
        "[0, 4)");
    row.error("float labels", new Nll(false, -100, Reduction.MEAN), List.of(x, Input.of(new double[3], 3)),
        IllegalArgumentException.class, "NLLLoss", "int32 or int64");
    row.error("1-D input", new Nll(false, -100, Reduction.MEAN),
        List.of(Input.of(new double[4], 4), Input.ints(DType.INT64, new long[] {0}, 1)), IllegalArgumentException.class,
        "NLLLoss", "[N, C]", "[4]");
    return row;
  }

  /** (reduction, delta or beta) */
  record Threshold(Reduction reduction, double threshold) {}

  /** PyTorch's HuberLoss per element: 0.5 d^2 if |d| < delta, else delta (|d| - 0.5 delta). */
  static double huber(double d, double delta) {
    double a = Math.abs(d);
    return a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }

  /** Differences on both sides of the threshold and away from it and from 0, where the curve has kinks in its derivatives. */
  static List<Sample<Threshold>> thresholdSamples(Random r, double[] thresholds) {
    List<Sample<Threshold>> out = new ArrayList<>();
    for (Reduction red : Reduction.values()) {
      for (double th : thresholds) {
        for (long[] shape : LossRows.SHAPES) {
          int n = Refs.numel(shape);
          double[] t = Domain.range(-2, 2).draw(r, n), x = new double[n];
          double[] gap = Domain.range(0.05, 3 * Math.max(th, 0.5)).signed().avoiding(0.05, th, -th).draw(r, n);
          for (int i = 0; i < n; i++) x[i] = t[i] + gap[i];
          out.add(Sample.of(red + " " + th + " " + java.util.Arrays.toString(shape), new Threshold(red, th),
              Input.of(x, shape), Input.of(t, shape)));
        }
      }
      out.add(Sample.of(red + " outliers", new Threshold(red, 1.5), Input.of(new double[] {1e4, -3e5, 0.5, 0}, 4),
          Input.of(new double[] {0, 0, 0, 0}, 4)).forwardOnly());
    }
    return out;
  }

  static OpInfo<Threshold> huber() {
    OpInfo<Threshold> row = OpInfo.<Threshold>op("HuberLoss")
        .covers("loss.HuberLoss")
        .call((in, p) -> new HuberLoss(p.reduction, p.threshold).compute(in[0], in[1]))
        .reference((smp, in) -> {
          double[] per = new double[in[0].length];
          for (int i = 0; i < per.length; i++) per[i] = huber(in[0][i] - in[1][i], smp.params.threshold);
          return LossRows.reduce(per, smp.shape(0), smp.params.reduction);
        })
        .samples(r -> thresholdSamples(r, new double[] {1, 0.3, 2.5}))
        .parityNormwise();
    LossRows.shapeErrors(row, new Threshold(Reduction.MEAN, 1), "HuberLoss");
    return row;
  }

  static OpInfo<Threshold> smoothL1() {
    OpInfo<Threshold> row = OpInfo.<Threshold>op("SmoothL1Loss")
        .covers("loss.SmoothL1Loss")
        .call((in, p) -> new SmoothL1Loss(p.reduction, p.threshold).compute(in[0], in[1]))
        .reference((smp, in) -> {
          double beta = smp.params.threshold;
          double[] per = new double[in[0].length];
          for (int i = 0; i < per.length; i++) {
            double d = in[0][i] - in[1][i], a = Math.abs(d);
            // PyTorch: 0.5 d^2 / beta if |d| < beta, else |d| - 0.5 beta (beta = 0: |d|)
            per[i] = a < beta ? 0.5 * d * d / beta : a - 0.5 * beta;
          }
          return LossRows.reduce(per, smp.shape(0), smp.params.reduction);
        })
        .samples(r -> thresholdSamples(r, new double[] {1, 0.3, 0}))
        .parityNormwise();
    LossRows.shapeErrors(row, new Threshold(Reduction.MEAN, 1), "SmoothL1Loss");
    return row;
  }

  /** PyTorch's BCEWithLogitsLoss with pos_weight p: (1 - t) x + (1 + (p - 1) t) (log(1 + e^-|x|) + max(-x, 0)). */
  static OpInfo<Reduction> bceWithLogitsPosWeight() {
    OpInfo<Reduction> row = OpInfo.<Reduction>op("BCEWithLogitsLoss(pos_weight)")
        .covers("loss.BCEWithLogitsLoss")
        .messageName("BCEWithLogitsLoss")
        .call((in, red) -> new BCEWithLogitsLoss(red, in[2]).compute(in[0], in[1]))
        .reference((smp, in) -> {
          long[] shape = smp.shape(0);
          int c = (int) shape[shape.length - 1];
          double[] per = new double[in[0].length];
          for (int i = 0; i < per.length; i++) {
            double x = in[0][i], t = in[1][i], lw = 1 + (in[2][i % c] - 1) * t;
            per[i] = (1 - t) * x + lw * (Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0));
          }
          return LossRows.reduce(per, shape, smp.params);
        })
        .samples(r -> {
          List<Sample<Reduction>> out = new ArrayList<>();
          Domain x = Domain.range(0.05, 6).signed(), t = Domain.range(0, 1), p = Domain.range(0.2, 4);
          for (Reduction red : Reduction.values()) {
            for (long[] shape : new long[][] {{4, 3}, {1, 1}, {7}, {2, 3, 5}}) {
              int n = Refs.numel(shape), c = (int) shape[shape.length - 1];
              double[] hard = t.draw(r, n);
              for (int i = 0; i < n; i += 2) hard[i] = Math.rint(hard[i]);  // hard and soft targets
              out.add(Sample.of(red + " " + java.util.Arrays.toString(shape), red, Input.of(x.draw(r, n), shape),
                  Input.of(hard, shape).constant(), Input.of(p.draw(r, c), c).constant()));
            }
          }
          out.add(Sample.of("huge logits", Reduction.NONE, Input.of(new double[] {1e4, -1e4, 1e4, -1e4, 100, -100}, 3, 2),
              Input.of(new double[] {1, 1, 0, 0, 0.25, 0.75}, 3, 2).constant(), Input.of(new double[] {3, 0.5}, 2).constant())
              .forwardOnly());
          return out;
        })
        .parityNormwise();
    row.error("pos_weight of 2 for 3 classes", Reduction.MEAN, List.of(Input.of(new double[12], 4, 3),
        Input.of(new double[12], 4, 3).constant(), Input.of(new double[2], 2).constant()), IllegalArgumentException.class,
        "BCEWithLogitsLoss", "pos_weight", "[3]", "[2]", "length 3");
    row.error("float64 pos_weight", Reduction.MEAN, List.of(Input.of(new double[12], 4, 3),
        Input.of(new double[12], 4, 3).constant(), Input.of(new double[3], 3).as(DType.FLOAT64)),
        IllegalArgumentException.class, "BCEWithLogitsLoss", "pos_weight dtype", "float64");
    return row;
  }
}
