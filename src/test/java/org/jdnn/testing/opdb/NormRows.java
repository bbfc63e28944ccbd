package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.BatchNormOps;
import org.jdnn.tensor.DType;

/**
 * Rows for batch normalization (BatchNormOps.batchNorm) over channel dimension 1, PyTorch's semantics:
 * training normalizes with the batch mean and biased variance (the backward goes through them),
 * eval with the running statistics (the backward is the affine map's). The running-statistics
 * update in training (an in-place side effect) is checked by BatchNormOpsTest; the rows' training
 * samples keep no running statistics.
 */
final class NormRows {
  private NormRows() {}

  static final double EPS = 1e-5;
  static final double MOMENTUM = 0.1;

  /** Mode and whether gamma and beta are given. Inputs: x, [gamma, beta], [running mean, running variance]. */
  record Bn(boolean training, boolean affine) {
    @Override
    public String toString() {
      return (training ? "training" : "eval") + (affine ? "" : ", affine false");
    }
  }

  static List<OpInfo<?>> rows() {
    return List.of(batchNorm());
  }

  static Expected reference(Bn p, long[] shape, double[][] in) {
    int n = (int) shape[0], c = (int) shape[1], spatial = 1;
    for (int i = 2; i < shape.length; i++) spatial *= (int) shape[i];
    double[] x = in[0];
    double[] gamma = p.affine() ? in[1] : null, beta = p.affine() ? in[2] : null;
    double[] mean = new double[c], var = new double[c];
    if (p.training()) {
      for (int ch = 0; ch < c; ch++) {
        double s = 0, q = 0;
        for (int i = 0; i < n; i++) for (int k = 0; k < spatial; k++) s += x[(i * c + ch) * spatial + k];
        mean[ch] = s / (n * spatial);
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < spatial; k++) {
            double d = x[(i * c + ch) * spatial + k] - mean[ch];
            q += d * d;
          }
        }
        var[ch] = q / (n * spatial);  // biased: the batch's own variance normalizes
      }
    } else {
      int at = p.affine() ? 3 : 1;
      mean = in[at];
      var = in[at + 1];
    }
    double[] y = new double[x.length];
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        for (int k = 0; k < spatial; k++) {
          int at = (i * c + ch) * spatial + k;
          double g = gamma == null ? 1 : gamma[ch], b = beta == null ? 0 : beta[ch];
          y[at] = g * (x[at] - mean[ch]) / Math.sqrt(var[ch] + EPS) + b;
        }
      }
    }
    return Expected.of(y, shape);
  }

  static OpInfo<Bn> batchNorm() {
    String layer = "BatchNorm(test)";
    OpInfo<Bn> row = OpInfo.<Bn>op("batchNorm")
        .covers("BatchNormOps.batchNorm")
        .messageName(layer)
        .call((in, p) -> {
          int stats = p.affine() ? 3 : 1;
          return BatchNormOps.batchNorm(in[0], p.affine() ? in[1] : null, p.affine() ? in[2] : null,
              p.training() ? null : in[stats], p.training() ? null : in[stats + 1], p.training(), MOMENTUM, EPS, layer);
        })
        .reference((s, in) -> reference(s.params, s.shape(0), in))
        .samples(r -> {
          List<Sample<Bn>> out = new ArrayList<>();
          long[][] shapes = {{6, 3}, {4, 3, 5}, {3, 2, 4, 5}, {1, 4, 3, 3}, {5, 3}, {2, 3, 4}, {3, 2, 3, 4}, {8, 3, 5, 5}};
          for (long[] shape : shapes) {
            int c = (int) shape[1];
            for (boolean training : new boolean[] {true, false}) {
              for (boolean affine : new boolean[] {true, false}) {
                Bn p = new Bn(training, affine);
                List<Input> in = new ArrayList<>();
                in.add(Input.of(Domain.range(-2, 3).draw(r, Refs.numel(shape)), shape));
                if (affine) {
                  in.add(Input.of(Domain.range(0.5, 1.5).draw(r, c), c));
                  in.add(Input.of(Domain.range(-1, 1).draw(r, c), c));
                }
                if (!training) {
                  in.add(Input.of(Domain.range(-0.5, 0.5).draw(r, c), c).constant());
                  in.add(Input.of(Domain.range(0.3, 2).draw(r, c), c).constant());
                }
                out.add(Sample.of(p + " " + Arrays.toString(shape), p, in.toArray(new Input[0])));
              }
            }
          }
          // eval works for a single sample, which training refuses
          out.add(Sample.of("eval, batch 1", new Bn(false, false), Input.of(new double[] {1, 2}, 1, 2),
              Input.of(new double[] {0.3, -0.2}, 2).constant(), Input.of(new double[] {2.0, 0.5}, 2).constant()));
          return out;
        })
        .tol(DType.FLOAT32, 2e-5, 1e-5)
        .parityNormwise();
    Bn train = new Bn(true, false);
    row.error("one value per channel in training", train, List.of(Input.of(new double[4], 1, 4)),
        IllegalArgumentException.class, layer, "expected more than 1 value per channel when training", "[1, 4]");
    row.error("gamma of the wrong size", new Bn(true, true), List.of(Input.of(new double[12], 3, 4),
        Input.of(new double[3], 3), Input.of(new double[3], 3)), IllegalArgumentException.class, layer,
        "weight (gamma) of shape [4]", "[3]");
    row.error("running mean of the wrong size", new Bn(false, false), List.of(Input.of(new double[15], 3, 5),
        Input.of(new double[4], 4), Input.of(new double[4], 4)), IllegalArgumentException.class, layer,
        "running mean of shape [5]", "[4]");
    row.error("1-D input", train, List.of(Input.of(new double[4], 4)), IllegalArgumentException.class, layer,
        "[N, C]", "[4]");
    row.error("float64 running statistics", new Bn(false, false), List.of(Input.of(new double[12], 3, 4),
        Input.of(new double[4], 4).as(DType.FLOAT64), Input.of(new double[] {1, 1, 1, 1}, 4).as(DType.FLOAT64)),
        IllegalArgumentException.class, layer, "float64", "float32");
    return row;
  }
}
