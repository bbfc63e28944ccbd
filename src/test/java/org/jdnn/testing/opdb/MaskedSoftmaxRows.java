package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.DType;

/**
 * The row of {@code Tensor.maskedSoftmax}, attention's fused weights: softmax(x scale + mask) over
 * the last dimension, as PyTorch's scaled_dot_product_attention forms them (attn_weight =
 * softmax(q k^T scale + attn_bias), a masked key's bias -inf, is_causal keeping j &lt;= i top-left
 * aligned) with its "safe softmax" for rows whose every key is masked (zeros, PyTorch 2.5 on).
 */
final class MaskedSoftmaxRows {
  private MaskedSoftmaxRows() {}

  /** A key whose additive mask is at or below this is masked (Attention.MASKED). */
  static final double MASKED = -1e30;

  record Params(double scale, boolean causal) {
    @Override
    public String toString() {
      return "scale " + scale + (causal ? " causal" : "");
    }
  }

  static List<OpInfo<?>> rows() {
    return List.of(maskedSoftmax());
  }

  static OpInfo<Params> maskedSoftmax() {
    OpInfo<Params> row = OpInfo.<Params>op("maskedSoftmax")
        .covers("Tensor.maskedSoftmax(Tensor,double,boolean)")
        .gradStep(1e-5)
        .call((in, p) -> in[0].maskedSoftmax(in.length > 1 ? in[1] : null, p.scale(), p.causal()))
        .reference((s, in) -> Expected.of(reference(s.shape(0), in[0], in.length > 1 ? s.shape(1) : null,
            in.length > 1 ? in[1] : null, s.params.scale(), s.params.causal()), s.shape(0)))
        .samples(MaskedSoftmaxRows::samples);
    Input x23 = Input.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    row.error("mask of another dtype", new Params(1, false), List.of(x23, Input.ints(DType.UINT8, new long[] {1, 0, 1}, 3)),
        IllegalArgumentException.class, "maskedSoftmax", "dtype", "uint8");
    row.error("mask that does not broadcast", new Params(1, false), List.of(x23, Input.of(new double[4], 4).constant()),
        IllegalArgumentException.class, "maskedSoftmax", "broadcast");
    row.error("mask larger than the scores", new Params(1, false),
        List.of(Input.of(new double[] {1, 2, 3}, 3), Input.of(new double[6], 2, 3).constant()),
        IllegalArgumentException.class, "maskedSoftmax", "without enlarging");
    row.error("causal on a vector", new Params(1, true), List.of(Input.of(new double[] {1, 2, 3}, 3)),
        IllegalArgumentException.class, "maskedSoftmax", "causal", "[3]");
    row.error("rank 0", new Params(1, false), List.of(Input.of(new double[] {1})), IllegalArgumentException.class,
        "maskedSoftmax", "1 to 8 dimensions");
    row.error("nine dimensions", new Params(1, false), List.of(Input.of(new double[] {1}, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
        IllegalArgumentException.class, "maskedSoftmax", "1 to 8 dimensions");
    for (double sc : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      row.error("scale " + sc, new Params(sc, false), List.of(x23), IllegalArgumentException.class, "maskedSoftmax",
          "scale", String.valueOf(sc));
    }
    return row;
  }

  private static List<Sample<Params>> samples(Random r) {
    List<Sample<Params>> out = new ArrayList<>();
    Domain scores = Domain.range(0, 4).signed();
    // no mask: plain softmax of scaled scores, causal or not, L below, equal to and above S
    out.add(Sample.of("no mask", new Params(1, false), Input.of(scores.draw(r, 20), 4, 5)));
    out.add(Sample.of("no mask, scaled", new Params(0.35, false), Input.of(scores.draw(r, 24), 2, 3, 4)));
    out.add(Sample.of("causal, L < S", new Params(0.5, true), Input.of(scores.draw(r, 24), 2, 3, 4)));
    out.add(Sample.of("causal, L > S", new Params(1.5, true), Input.of(scores.draw(r, 24), 2, 4, 3)));
    out.add(Sample.of("causal, one key", new Params(1, true), Input.of(scores.draw(r, 3), 3, 1)));
    out.add(Sample.of("one row of 129 keys", new Params(0.2, false), Input.of(scores.draw(r, 258), 2, 129)));
    // masks of every broadcast kind; masked entries at the bound, below it, and values added
    out.add(Sample.of("(L, S) mask over heads", new Params(0.7, false), Input.of(scores.draw(r, 24), 2, 3, 4),
        Input.of(mask(r, 12, 0.3, 0), 3, 4)));
    out.add(Sample.of("key padding mask (N, 1, 1, S), a fully masked batch", new Params(0.5, false),
        Input.of(scores.draw(r, 60), 2, 2, 3, 5), Input.of(new double[] {0, 0, MASKED, 0, -2e30, MASKED, MASKED, MASKED,
            MASKED, MASKED}, 2, 1, 1, 5)));
    out.add(Sample.of("per-head mask (1, H, L, S) and causal", new Params(1, true), Input.of(scores.draw(r, 60), 2, 2, 3, 5),
        Input.of(mask(r, 30, 0.25, 1), 1, 2, 3, 5)));
    out.add(Sample.of("full mask with a fully masked row", new Params(1, false), Input.of(scores.draw(r, 18), 3, 6),
        Input.of(withMaskedRow(mask(r, 18, 0.2, 2), 6, 1), 3, 6)));
    out.add(Sample.of("mask of one element", new Params(2, false), Input.of(scores.draw(r, 6), 2, 3),
        Input.of(new double[] {0.75}, 1)));
    out.add(Sample.of("mask repeating along the keys (.., L, 1)", new Params(1, false), Input.of(scores.draw(r, 12), 3, 4),
        Input.of(new double[] {0.5, MASKED, -1}, 3, 1)));
    // -infinity masks as -1e30 does; huge scores stay finite through the row maximum
    out.add(Sample.of("-infinity in the mask", new Params(1, false), Input.of(scores.draw(r, 8), 2, 4),
        Input.of(new double[] {0, Double.NEGATIVE_INFINITY, 0, 1, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2, 4)).forwardOnly());
    out.add(Sample.of("huge scores", new Params(1, true),
        Input.of(new double[] {1e4, 0, -1e4, 1e4, 1e4 - 1, 1e4 - 2, -1e4, -1e4 + 3, 5}, 3, 3)).forwardOnly());
    out.add(Sample.of("NaN in a kept score", new Params(1, false), Input.of(new double[] {1, Double.NaN, 2, 3, 4, 5}, 2, 3),
        Input.of(new double[] {0, 0, 0}, 3)).forwardOnly());
    out.add(Sample.of("NaN in the mask keeps its key", new Params(1, false), Input.of(new double[] {1, 2, 3, 4}, 2, 2),
        Input.of(new double[] {0, MASKED, Double.NaN, 0}, 2, 2)).forwardOnly());
    out.add(Sample.of("NaN in a masked key", new Params(1, true), Input.of(new double[] {1, Double.NaN, 2, 3}, 2, 2))
        .forwardOnly());
    return out;
  }

  /** n additive mask values: each masked (MASKED) with probability p, else a small value added. */
  private static double[] mask(Random r, int n, double p, int keepFirst) {
    double[] m = new double[n];
    for (int i = 0; i < n; i++) m[i] = i >= keepFirst && r.nextDouble() < p ? MASKED : Math.round((r.nextDouble() * 2 - 1) * 8) / 8.0;
    return m;
  }

  private static double[] withMaskedRow(double[] m, int s, int row) {
    Arrays.fill(m, row * s, (row + 1) * s, MASKED);
    return m;
  }

  /**
   * The definition, in float64: for each row (query i = the row's index along L), z_j = x_j scale +
   * m_j over the keys that are kept (m_j not at or below MASKED, and j &lt;= i when causal); w_j =
   * exp(z_j) / sum of exp over the kept keys, 0 for the others; all 0 when none is kept; all NaN
   * when a kept score is NaN.
   */
  static double[] reference(long[] shape, double[] x, long[] maskShape, double[] m, double scale, boolean causal) {
    int rank = shape.length;
    int s = (int) shape[rank - 1];
    int l = rank >= 2 ? (int) shape[rank - 2] : 1;
    int rows = x.length / s;
    double[] y = new double[x.length];
    int[] index = new int[rank];
    for (int row = 0; row < rows; row++) {
      int i = row % l;
      double[] z = new double[s];
      boolean[] kept = new boolean[s];
      boolean any = false;
      double mx = Double.NEGATIVE_INFINITY;
      boolean nan = false;
      for (int j = 0; j < s; j++) {
        int flat = row * s + j;
        double mj = m == null ? 0 : m[maskOffset(flat, shape, maskShape, index)];
        kept[j] = !(mj <= MASKED) && !(causal && j > i);  // NaN keeps its key
        if (!kept[j]) continue;
        z[j] = x[flat] * scale + mj;
        nan |= Double.isNaN(z[j]);
        mx = Math.max(mx, z[j]);
        any = true;
      }
      double sum = 0;
      for (int j = 0; j < s; j++) if (kept[j]) sum += Math.exp(z[j] - mx);
      for (int j = 0; j < s; j++) {
        // a NaN among the kept scores fills the row, as softmax over -inf-masked scores does
        y[row * s + j] = nan ? Double.NaN : !any || !kept[j] ? 0 : Math.exp(z[j] - mx) / sum;
      }
    }
    return y;
  }

  /** The mask element that broadcasts to element {@code flat} of {@code shape} (NumPy rules). */
  private static int maskOffset(int flat, long[] shape, long[] maskShape, int[] index) {
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = (int) (flat % shape[d]);
      flat /= (int) shape[d];
    }
    int off = 0;
    for (int d = 0; d < maskShape.length; d++) {
      int od = shape.length - maskShape.length + d;
      off = off * (int) maskShape[d] + (maskShape[d] == 1 ? 0 : index[od]);
    }
    return off;
  }
}
