package org.jdnn.nn;

/**
 * Float64 references for the attention tests, written in plain loops from PyTorch's documented
 * definitions (torch.nn.functional.scaled_dot_product_attention, nn.MultiheadAttention,
 * nn.TransformerEncoderLayer), row-major arrays throughout.
 */
final class AttentionRef {
  private AttentionRef() {}

  /**
   * softmax(q k^T scale + add) v per batch b: q (B, L, E), k (B, S, E), v (B, S, Ev); {@code add} (B, L, S)
   * additive scores or null; {@code masked} (B, L, S) true where the pair is masked, or null. A row with
   * every key masked gives zeros (PyTorch's safe softmax). Returns {output (B, L, Ev), weights (B, L, S)}.
   */
  static double[][] sdpa(double[] q, double[] k, double[] v, int b, int l, int s, int e, int ev, double scale, double[] add,
      boolean[] masked) {
    double[] out = new double[b * l * ev];
    double[] w = new double[b * l * s];
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < l; i++) {
        double[] score = new double[s];
        double max = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (int j = 0; j < s; j++) {
          int m = (bi * l + i) * s + j;
          if (masked != null && masked[m]) {
            score[j] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double dot = 0;
          for (int c = 0; c < e; c++) dot += q[(bi * l + i) * e + c] * k[(bi * s + j) * e + c];
          score[j] = dot * scale + (add == null ? 0 : add[m]);
          if (score[j] == Double.NEGATIVE_INFINITY) continue;
          any = true;
          max = Math.max(max, score[j]);
        }
        if (!any) continue;  // fully masked: zeros
        double sum = 0;
        for (int j = 0; j < s; j++) sum += score[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(score[j] - max);
        for (int j = 0; j < s; j++) {
          double p = score[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(score[j] - max) / sum;
          w[(bi * l + i) * s + j] = p;
          for (int c = 0; c < ev; c++) out[(bi * l + i) * ev + c] += p * v[(bi * s + j) * ev + c];
        }
      }
    }
    return new double[][] {out, w};
  }

  /** y = x W^T + b for x (rows, in), W (out, in) at row offset {@code w0} of a larger matrix, b from offset {@code b0}. */
  static double[] linear(double[] x, int rows, int in, double[] w, int w0, int out, double[] bias, int b0) {
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double acc = bias == null ? 0 : bias[b0 + o];
        for (int c = 0; c < in; c++) acc += x[r * in + c] * w[(w0 + o) * in + c];
        y[r * out + o] = acc;
      }
    }
    return y;
  }

  /**
   * nn.MultiheadAttention in eval mode on batch-first arrays: query (N, L, E), key and value (N, S, E);
   * {@code masked} (N, H, L, S) true where a pair is masked (key padding and attention mask combined) or
   * null; {@code add} (N, H, L, S) float mask or null. Returns {output (N, L, E), weights per head (N, H, L, S)}.
   */
  static double[][] mha(double[] query, double[] key, double[] value, int n, int l, int s, int e, int h, double[] inW,
      double[] inB, double[] outW, double[] outB, double[] add, boolean[] masked) {
    double[] qW = java.util.Arrays.copyOfRange(inW, 0, e * e), kW = java.util.Arrays.copyOfRange(inW, e * e, 2 * e * e),
        vW = java.util.Arrays.copyOfRange(inW, 2 * e * e, 3 * e * e);
    return mha(query, key, value, n, l, s, e, h, e, e, qW, kW, vW, inB, null, null, false, outW, outB, add, masked);
  }

  /**
   * nn.MultiheadAttention with every option, in eval mode, on batch-first arrays: query (N, L, E), key
   * (N, S, kd), value (N, S, vd); projections qW (E, E), kW (E, kd), vW (E, vd), inB (3E) or null. With
   * {@code biasK}, {@code biasV} (E each) the projected keys and values get one more position S holding them;
   * with {@code zeroAttn} every head's keys and values get one more position of zeros after that. {@code add}
   * and {@code masked} cover all S' = S (+1) (+1) positions, (N, H, L, S'), or are null. Returns {output
   * (N, L, E), weights per head (N, H, L, S')}.
   */
  static double[][] mha(double[] query, double[] key, double[] value, int n, int l, int s, int e, int h, int kd, int vd,
      double[] qW, double[] kW, double[] vW, double[] inB, double[] biasK, double[] biasV, boolean zeroAttn, double[] outW,
      double[] outB, double[] add, boolean[] masked) {
    int d = e / h;
    double[] q = linear(query, n * l, e, qW, 0, e, inB, 0);
    double[] k = linear(key, n * s, kd, kW, 0, e, inB, e);
    double[] v = linear(value, n * s, vd, vW, 0, e, inB, 2 * e);
    int s1 = s;
    if (biasK != null) {  // (N, S, E) -> (N, S + 1, E), the bias at position S of every sample
      k = appendRow(k, n, s, e, biasK);
      v = appendRow(v, n, s, e, biasV);
      s1 = s + 1;
    }
    // split heads: (N, len, H, D) -> (N H, len, D)
    double[] qh = splitHeads(q, n, l, h, d), kh = splitHeads(k, n, s1, h, d), vh = splitHeads(v, n, s1, h, d);
    int s2 = s1;
    if (zeroAttn) {  // (N H, S1, D) -> (N H, S1 + 1, D), zeros at the end
      kh = appendRow(kh, n * h, s1, d, new double[d]);
      vh = appendRow(vh, n * h, s1, d, new double[d]);
      s2 = s1 + 1;
    }
    double[][] att = sdpa(qh, kh, vh, n * h, l, s2, d, d, 1 / Math.sqrt(d), add, masked);
    double[] merged = new double[n * l * e];
    for (int bi = 0; bi < n; bi++) {
      for (int hi = 0; hi < h; hi++) {
        for (int i = 0; i < l; i++) {
          for (int c = 0; c < d; c++) merged[(bi * l + i) * e + hi * d + c] = att[0][((bi * h + hi) * l + i) * d + c];
        }
      }
    }
    return new double[][] {linear(merged, n * l, e, outW, 0, e, outB, 0), att[1]};
  }

  /** (B, len, c) to (B, len + 1, c), {@code row} at position len of every b. */
  private static double[] appendRow(double[] x, int b, int len, int c, double[] row) {
    double[] y = new double[b * (len + 1) * c];
    for (int bi = 0; bi < b; bi++) {
      System.arraycopy(x, bi * len * c, y, bi * (len + 1) * c, len * c);
      System.arraycopy(row, 0, y, (bi * (len + 1) + len) * c, c);
    }
    return y;
  }

  private static double[] splitHeads(double[] x, int n, int len, int h, int d) {
    double[] y = new double[x.length];
    for (int bi = 0; bi < n; bi++) {
      for (int i = 0; i < len; i++) {
        for (int hi = 0; hi < h; hi++) {
          for (int c = 0; c < d; c++) y[((bi * h + hi) * len + i) * d + c] = x[(bi * len + i) * h * d + hi * d + c];
        }
      }
    }
    return y;
  }

  /** (A, B, C) to (B, A, C): the sequence-first and batch-first layouts of one tensor. */
  static double[] swap01(double[] x, int a, int b, int c) {
    double[] y = new double[x.length];
    for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) for (int m = 0; m < c; m++) y[(j * a + i) * c + m] = x[(i * b + j) * c + m];
    return y;
  }

  /** Layer norm over rows of length k with weight and bias (biased variance). */
  static double[] layerNorm(double[] x, int k, double eps, double[] w, double[] b) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / k; r++) {
      double mean = 0, var = 0;
      for (int i = 0; i < k; i++) mean += x[r * k + i];
      mean /= k;
      for (int i = 0; i < k; i++) var += (x[r * k + i] - mean) * (x[r * k + i] - mean);
      var /= k;
      for (int i = 0; i < k; i++) y[r * k + i] = (x[r * k + i] - mean) / Math.sqrt(var + eps) * w[i] + b[i];
    }
    return y;
  }

  /**
   * erf to about 1e-15: its Maclaurin series below |x| = 2.5, above it 1 - erfc(x) with erfc's continued fraction
   * exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), evaluated from depth 300 upwards.
   */
  static double erf(double x) {
    double ax = Math.abs(x);
    if (ax >= 2.5) {
      double t = ax;
      for (int k = 300; k >= 1; k--) t = ax + (k / 2.0) / t;
      double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
      return Math.signum(x) * (1 - erfc);
    }
    double term = x, sum = x;
    for (int n = 1; n < 200; n++) {
      term *= -x * x / n;
      double add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18) break;
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  /** Exact GELU, x Phi(x). */
  static double gelu(double x) {
    return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
  }

  /** The tanh approximation of GELU as PyTorch writes it. */
  static double geluTanh(double x) {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }
}
