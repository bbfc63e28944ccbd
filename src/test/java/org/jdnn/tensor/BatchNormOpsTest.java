package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.representable;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * Batch norm beyond the op database's rows (NormRows: training and eval forward, gradients and
 * refusals, affine or not, every rank): the running statistics' update, exact gradients, refusals
 * that leave the statistics alone, float32 against float64 backward.
 */
@EveryDevice
class BatchNormOpsTest {
  private static final double EPS = 1e-5, MOMENTUM = 0.1;

  /** Per-channel mean and biased variance of x (n, c, spatial). */
  static double[][] channelStats(double[] x, int n, int c, int spatial) {
    double[] mean = new double[c], var = new double[c];
    for (int ch = 0; ch < c; ch++) {
      double s = 0;
      for (int i = 0; i < n; i++) for (int p = 0; p < spatial; p++) s += x[(i * c + ch) * spatial + p];
      mean[ch] = s / (n * spatial);
      double q = 0;
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < spatial; p++) {
          double d = x[(i * c + ch) * spatial + p] - mean[ch];
          q += d * d;
        }
      }
      var[ch] = q / (n * spatial);
    }
    return new double[][] {mean, var};
  }

  /** y = gamma (x - mean) / sqrt(var + eps) + beta per channel (gamma, beta null: 1 and 0). */
  static double[] normalize(double[] x, int n, int c, int spatial, double[] mean, double[] var, double[] gamma,
      double[] beta) {
    double[] y = new double[x.length];
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < spatial; p++) {
          int k = (i * c + ch) * spatial + p;
          double g = gamma == null ? 1 : gamma[ch], b = beta == null ? 0 : beta[ch];
          y[k] = g * (x[k] - mean[ch]) / Math.sqrt(var[ch] + EPS) + b;
        }
      }
    }
    return y;
  }

  static Tensor bn(Tensor x, Tensor gamma, Tensor beta, Tensor rm, Tensor rv, boolean training) {
    return BatchNormOps.batchNorm(x, gamma, beta, rm, rv, training, MOMENTUM, EPS, "BatchNorm2d(" + x.dim(1) + ")");
  }

  @Test
  void runningStatisticsFollowTheMomentumFormulaWithUnbiasedVariance() {
    int n = 4, c = 3, spatial = 6;
    Random r = new Random(2);
    for (DType dt : FLOATS) {
      try (TensorScope s = new TensorScope()) {
        Tensor rm = Tensor.zeros(dt, c), rv = Tensor.ones(dt, c);
        double[] em = new double[c], ev = {1, 1, 1};
        for (int step = 0; step < 2; step++) {
          double[] x = representable(uniform(r, n * c * spatial, -1 + 3 * step, 2 + step), dt);
          bn(make(x, dt, n, c, 2, 3), null, null, rm, rv, true);
          double[][] st = channelStats(x, n, c, spatial);
          int m = n * spatial;
          for (int ch = 0; ch < c; ch++) {
            em[ch] = (1 - MOMENTUM) * em[ch] + MOMENTUM * st[0][ch];
            ev[ch] = (1 - MOMENTUM) * ev[ch] + MOMENTUM * st[1][ch] * m / (m - 1);
          }
          double tol = dt == DType.FLOAT64 ? 1e-14 : 1e-6;
          assertClose(em, values(rm), tol, tol, "running mean after step " + (step + 1) + " " + dt);
          assertClose(ev, values(rv), tol, tol, "running var after step " + (step + 1) + " " + dt);
        }
      }
    }
  }

  @Test
  void trainingGradientSumsToZeroPerChannel() {
    // y is invariant to adding a constant to a channel, so sum over the channel of dL/dx is 0
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(5);
      Tensor x = Tensor.of(uniform(r, 4 * 2 * 9, -1, 1), 4, 2, 3, 3).requiresGrad(true);
      Tensor g = Tensor.of(uniform(r, 4 * 2 * 9, -1, 1), 4, 2, 3, 3);
      bn(x, null, null, null, null, true).backward(g);
      double[] dx = x.grad().toDoubleArray();
      for (int ch = 0; ch < 2; ch++) {
        double sum = 0;
        for (int i = 0; i < 4; i++) for (int p = 0; p < 9; p++) sum += dx[(i * 2 + ch) * 9 + p];
        assertEquals(0, sum, 1e-12, "channel " + ch);
      }
    }
  }

  @Test
  void evalGradientsAreThoseOfTheAffineMap() {
    Random r = new Random(6);
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(uniform(r, 2 * 3 * 4, -2, 2), 2, 3, 4);
      Tensor gamma = Tensor.of(uniform(r, 3, 0.5, 1.5)), beta = Tensor.of(uniform(r, 3, -1, 1));
      Tensor rm = Tensor.of(new double[] {0.2, -0.1, 0.5}), rv = Tensor.of(new double[] {1.5, 0.3, 2.0});
      GradCheck.check(in -> bn(in[0], in[1], in[2], rm, rv, false), x, gamma, beta).assertWithin(1e-6, 1e-5);
      // explicitly: dx = gamma / sqrt(var + eps) * dy
      Tensor xg = Tensor.of(uniform(r, 2 * 3 * 4, -2, 2), 2, 3, 4).requiresGrad(true);
      bn(xg, gamma, beta, rm, rv, false).sum().backward();
      double[] dx = xg.grad().toDoubleArray();
      double[] gv = gamma.toDoubleArray(), vv = rv.toDoubleArray();
      for (int i = 0; i < dx.length; i++) {
        int ch = (i / 4) % 3;
        assertEquals(gv[ch] / Math.sqrt(vv[ch] + EPS), dx[i], 1e-14);
      }
    }
  }

  @Test
  void gradientsReachOnlyTheParametersThatRequireThem() {
    try (TensorScope s = new TensorScope()) {
      Random r = new Random(8);
      Tensor x = Tensor.of(uniform(r, 4 * 2, -1, 1), 4, 2);
      Tensor gamma = Tensor.ones(DType.FLOAT64, 2).requiresGrad(true), beta = Tensor.zeros(DType.FLOAT64, 2);
      Tensor g = Tensor.of(uniform(r, 8, -1, 1), 4, 2);
      bn(x, gamma, beta, null, null, true).backward(g);
      assertNull(x.grad());
      assertNull(beta.grad());
      assertNotNull(gamma.grad());
      // dgamma = sum dy * xhat
      double[][] st = channelStats(x.toDoubleArray(), 4, 2, 1);
      double[] xhat = normalize(x.toDoubleArray(), 4, 2, 1, st[0], st[1], null, null), gv = g.toDoubleArray();
      double[] expected = new double[2];
      for (int i = 0; i < 8; i++) expected[i % 2] += gv[i] * xhat[i];
      assertClose(expected, gamma.grad().toDoubleArray(), 1e-12, 1e-12, "dgamma");
    }
  }

  @Test
  void badInputIsRejectedWithLayerAndValues() {
    try (TensorScope s = new TensorScope()) {
      String layer = "BatchNorm1d(4)";
      Tensor rm = Tensor.zeros(4), rv = Tensor.ones(4);
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(1, 4), null, null, rm, rv, true, 0.1, 1e-5, layer), layer,
          "expected more than 1 value per channel when training", "[1, 4]");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(3, 4), Tensor.ones(3), Tensor.zeros(3), rm, rv, true, 0.1,
          1e-5, layer), layer, "weight (gamma) of shape [4]", "[3]");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(3, 4), Tensor.ones(4), null, rm, rv, true, 0.1, 1e-5, layer),
          layer, "gamma and beta");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(3, 5), null, null, rm, rv, true, 0.1, 1e-5, layer), layer,
          "running mean of shape [5]", "[4]");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(3, 4), null, null, null, null, false, 0.1, 1e-5, layer),
          layer, "eval mode needs the running mean");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(4), null, null, rm, rv, true, 0.1, 1e-5, layer), layer,
          "[N, C]", "[4]");
      assertMessage(() -> BatchNormOps.batchNorm(Tensor.zeros(3, 4), null, null, Tensor.zeros(DType.FLOAT64, 4),
          Tensor.ones(DType.FLOAT64, 4), true, 0.1, 1e-5, layer), layer, "float64", "float32");
      // the running statistics were not touched by the refused calls
      assertArrayEquals(new float[4], rm.toFloatArray(), 0f);
      assertArrayEquals(new float[] {1, 1, 1, 1}, rv.toFloatArray(), 0f);
    }
  }

  @Test
  void float32BackwardAgreesWithFloat64() {
    Random r = new Random(9);
    double[] x = representable(uniform(r, 8 * 3 * 25, -2, 2), DType.FLOAT32);
    double[] g = representable(uniform(r, 8 * 3 * 25, -1, 1), DType.FLOAT32);
    double[] gamma = representable(uniform(r, 3, 0.5, 1.5), DType.FLOAT32);
    double[][] dx = new double[2][], dgamma = new double[2][], dbeta = new double[2][];
    for (int t = 0; t < 2; t++) {
      DType dt = FLOATS[t];
      try (TensorScope s = new TensorScope()) {
        Tensor xt = make(x, dt, 8, 3, 5, 5).requiresGrad(true);
        Tensor gt = make(gamma, dt, 3).requiresGrad(true), bt = Tensor.zeros(dt, 3).requiresGrad(true);
        bn(xt, gt, bt, null, null, true).backward(make(g, dt, 8, 3, 5, 5));
        dx[t] = values(xt.grad());
        dgamma[t] = values(gt.grad());
        dbeta[t] = values(bt.grad());
      }
    }
    assertClose(dx[1], dx[0], 1e-5, 1e-4, "dx");
    assertClose(dgamma[1], dgamma[0], 1e-4, 1e-4, "dgamma");
    assertClose(dbeta[1], dbeta[0], 1e-4, 1e-4, "dbeta");
  }
}
