package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Linalg;
import org.jdnn.tensor.Tensor;

/**
 * Rows for matrix products: matmul and bmm with every transpose, Linear's affine map (with and
 * without bias, fused with ReLU) and the bf16 inference Linear. Tolerances are relative to
 * sum |a_ip b_pj| per element, the scale a dot product's rounding grows with.
 */
final class LinalgRows {
  private LinalgRows() {}

  /** Operand sizes and transposes: a is (m, k), or (k, m) when ta; b is (k, n), or (n, k) when tb. */
  static final class Mm {
    final int batch;
    final int m;
    final int k;
    final int n;
    final boolean ta;
    final boolean tb;

    Mm(int batch, int m, int k, int n, boolean ta, boolean tb) {
      this.batch = batch;
      this.m = m;
      this.k = k;
      this.n = n;
      this.ta = ta;
      this.tb = tb;
    }

    long[] shapeA() {
      long[] s = ta ? new long[] {k, m} : new long[] {m, k};
      return batch < 0 ? s : new long[] {batch, s[0], s[1]};
    }

    long[] shapeB() {
      long[] s = tb ? new long[] {n, k} : new long[] {k, n};
      return batch < 0 ? s : new long[] {batch, s[0], s[1]};
    }

    @Override
    public String toString() {
      return (batch >= 0 ? "batch " + batch + ": " : "") + m + "x" + k + " * " + k + "x" + n
          + (ta ? " transA" : "") + (tb ? " transB" : "");
    }
  }

  /** 2-D sizes (m, k, n): 1x1, vectors, odd sizes, sizes that cross the GEMM's blocking and threading. */
  static final int[][] MATMUL_SIZES = {
      {1, 1, 1}, {1, 5, 1}, {1, 1, 6}, {6, 1, 1}, {2, 3, 4}, {3, 4, 5}, {1, 6, 2}, {7, 3, 1}, {7, 13, 5},
      {129, 33, 17}, {33, 129, 65}, {16, 16, 16}, {17, 31, 47}, {100, 1, 100}, {3, 300, 2}, {65, 257, 70},
      {200, 300, 150}, {193, 513, 33}, {8, 784, 200}, {5, 130, 600}, {4, 0, 3}, {0, 3, 2}};

  /** Batched sizes (batch, m, k, n): batch 1, many small products, few large ones, empty dimensions. */
  static final int[][] BMM_SIZES = {
      {1, 1, 1, 1}, {1, 5, 3, 7}, {3, 1, 1, 1}, {2, 1, 6, 1}, {4, 7, 13, 5}, {5, 17, 9, 1}, {37, 6, 5, 4},
      {64, 3, 8, 3}, {2, 65, 129, 33}, {3, 130, 70, 90}, {2, 130, 129, 131}, {3, 4, 0, 5}, {2, 3, 4, 5},
      {1, 6, 2, 3}, {3, 1, 3, 1}, {4, 2, 1, 3}, {0, 2, 4, 3}, {2, 0, 4, 3}};

  static List<OpInfo<?>> rows() {
    return List.of(matmul(false), matmul(true), bmm(false), bmm(true), linear("linear", false), linear("linearRelu", true),
        linearBf16());
  }

  /** C = op(A) op(B) per batch entry in double, with sum |op(A)_ip op(B)_pj| per element as the scale. */
  static Expected product(Mm mm, double[] a, double[] b) {
    int batches = Math.max(mm.batch, 1);
    if (mm.batch == 0) batches = 0;
    int m = mm.m, k = mm.k, n = mm.n;
    double[] c = new double[batches * m * n], mag = new double[batches * m * n];
    for (int bi = 0; bi < batches; bi++) {
      int oa = bi * m * k, ob = bi * k * n, oc = bi * m * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0, sa = 0;
          for (int p = 0; p < k; p++) {
            double av = mm.ta ? a[oa + p * m + i] : a[oa + i * k + p];
            double bv = mm.tb ? b[ob + j * k + p] : b[ob + p * n + j];
            s += av * bv;
            sa += Math.abs(av * bv);
          }
          c[oc + i * n + j] = s;
          mag[oc + i * n + j] = sa;
        }
      }
    }
    long[] shape = mm.batch < 0 ? new long[] {m, n} : new long[] {mm.batch, m, n};
    return Expected.of(c, shape).scaledBy(mag);
  }

  static OpInfo<Mm> matmul(boolean transposes) {
    OpInfo<Mm> row = OpInfo.<Mm>op(transposes ? "matmul(transposed)" : "matmul")
        .covers(transposes ? "Tensor.matmul(Tensor,boolean,boolean)" : "Tensor.matmul(Tensor)")
        .messageName("matmul")
        .call((in, p) -> transposes ? in[0].matmul(in[1], p.ta, p.tb) : in[0].matmul(in[1]))
        .reference((s, in) -> product(s.params, in[0], in[1]))
        .samples(r -> {
          List<Sample<Mm>> out = new ArrayList<>();
          for (int[] z : MATMUL_SIZES) {
            for (int t = 0; t < (transposes ? 4 : 1); t++) {
              Mm mm = new Mm(-1, z[0], z[1], z[2], (t & 1) != 0, (t & 2) != 0);
              out.add(sample(r, mm));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 0)
        .tol(DType.FLOAT64, 1e-13, 0)
        .parityNormwise()
        .error("inner dimensions differ", new Mm(-1, 2, 3, 2, false, false),
            List.of(Input.of(new double[6], 2, 3), Input.of(new double[8], 4, 2)), IllegalArgumentException.class,
            "matmul", "inner dimensions differ", "3 vs 4")
        .error("a vector operand", new Mm(-1, 2, 3, 1, false, false),
            List.of(Input.of(new double[6], 2, 3), Input.of(new double[3], 3)), IllegalArgumentException.class,
            "matmul", "2-D", "[3]")
        .error("float32 with float64", new Mm(-1, 2, 3, 2, false, false),
            List.of(Input.of(new double[6], 2, 3), Input.of(new double[6], 3, 2).as(DType.FLOAT64)),
            IllegalArgumentException.class, "matmul", "dtypes differ");
    if (transposes) {
      row.error("transposes make the inner dimensions differ", new Mm(-1, 3, 2, 3, false, false),
          List.of(Input.of(new double[6], 2, 3), Input.of(new double[6], 2, 3)), IllegalArgumentException.class,
          "matmul", "inner dimensions differ", "3 vs 2");
    }
    return row;
  }

  static Sample<Mm> sample(java.util.Random r, Mm mm) {
    Domain d = Domain.range(-1, 1);
    long[] sa = mm.shapeA(), sb = mm.shapeB();
    return Sample.of(mm.toString(), mm, Input.of(d.draw(r, Refs.numel(sa)), sa), Input.of(d.draw(r, Refs.numel(sb)), sb));
  }

  static OpInfo<Mm> bmm(boolean transposes) {
    OpInfo<Mm> row = OpInfo.<Mm>op(transposes ? "bmm(transposed)" : "bmm")
        .covers(transposes ? "Tensor.bmm(Tensor,boolean,boolean)" : "Tensor.bmm(Tensor)")
        .messageName("bmm")
        .call((in, p) -> transposes ? in[0].bmm(in[1], p.ta, p.tb) : in[0].bmm(in[1]))
        .reference((s, in) -> product(s.params, in[0], in[1]))
        .samples(r -> {
          List<Sample<Mm>> out = new ArrayList<>();
          for (int[] z : BMM_SIZES) {
            for (int t = 0; t < (transposes ? 4 : 1); t++) {
              out.add(sample(r, new Mm(z[0], z[1], z[2], z[3], (t & 1) != 0, (t & 2) != 0)));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 0)
        .tol(DType.FLOAT64, 1e-13, 0)
        .parityNormwise();
    Mm any = new Mm(2, 3, 4, 6, false, false);
    long[] a = {2, 3, 4};
    row.error("inner dimensions differ", any, List.of(Input.of(new double[24], a), Input.of(new double[60], 2, 5, 6)),
        IllegalArgumentException.class, "bmm", "inner dimensions", "4 vs 5", "[2, 3, 4]", "[2, 5, 6]");
    row.error("batch sizes differ", any, List.of(Input.of(new double[24], a), Input.of(new double[72], 3, 4, 6)),
        IllegalArgumentException.class, "bmm", "batch sizes", "2 vs 3", "[3, 4, 6]");
    row.error("a 2-D operand", any, List.of(Input.of(new double[24], a), Input.of(new double[12], 3, 4)),
        IllegalArgumentException.class, "bmm", "3-D", "[3, 4]");
    row.error("a 4-D operand", any, List.of(Input.of(new double[24], 1, 2, 3, 4), Input.of(new double[24], a)),
        IllegalArgumentException.class, "bmm", "3-D", "[1, 2, 3, 4]");
    row.error("float32 with float64", any, List.of(Input.of(new double[24], a), Input.of(new double[8], 2, 4, 1)
        .as(DType.FLOAT64)), IllegalArgumentException.class, "bmm", "dtypes differ", "float32", "float64");
    row.error("an int64 operand", any, List.of(Input.of(new double[24], a), Input.of(new double[8], 2, 4, 1)
        .as(DType.INT64)), IllegalArgumentException.class, "bmm", "int64");
    if (transposes) {
      row.error("both transposed", new Mm(2, 4, 3, 3, true, true), List.of(Input.of(new double[24], a),
          Input.of(new double[24], a)), IllegalArgumentException.class, "bmm", "inner dimensions", "3 vs 4",
          "float32[2, 3, 4] on {device} (transposed)");
    } else {
      row.error("a with itself", any, List.of(Input.of(new double[24], a), Input.of(new double[24], a)),
          IllegalArgumentException.class, "bmm", "inner dimensions", "4 vs 3");
    }
    return row;
  }

  /** Linear's sizes: batch n, in and out features, with or without a bias. */
  static final class Lin {
    final int n;
    final int in;
    final int out;
    final boolean bias;
    final boolean relu;

    Lin(int n, int in, int out, boolean bias) {
      this(n, in, out, bias, false);
    }

    Lin(int n, int in, int out, boolean bias, boolean relu) {
      this.n = n;
      this.in = in;
      this.out = out;
      this.bias = bias;
      this.relu = relu;
    }

    @Override
    public String toString() {
      return "N " + n + ", " + in + " -> " + out + (bias ? "" : ", no bias") + (relu ? ", relu" : "");
    }
  }

  static final int[][] LINEAR_SIZES = {{1, 1, 1}, {1, 7, 3}, {7, 13, 5}, {129, 33, 17}, {4, 1, 9}, {64, 100, 10},
      {5, 257, 33}, {3, 4, 2}, {1, 5, 3}, {4, 1, 1}, {40, 5, 7}};

  /** y = x W^T + b (PyTorch's Linear), and max(0, y) fused in one call where nothing is recorded. */
  static Expected affine(Lin p, double[] x, double[] w, double[] b, boolean relu) {
    Expected xw = product(new Mm(-1, p.n, p.in, p.out, false, true), x, w);
    double[] y = xw.values.clone(), mag = xw.scale.clone();
    for (int i = 0; i < p.n; i++) {
      for (int j = 0; j < p.out; j++) {
        if (b != null) {
          y[i * p.out + j] += b[j];
          mag[i * p.out + j] += Math.abs(b[j]);
        }
        if (relu && !(y[i * p.out + j] >= 0) && !Double.isNaN(y[i * p.out + j])) y[i * p.out + j] = 0;
      }
    }
    return Expected.of(y, p.n, p.out).scaledBy(mag);
  }

  static OpInfo<Lin> linear(String name, boolean relu) {
    String layer = "Linear(test)";
    OpInfo<Lin> row = OpInfo.<Lin>op(name)
        .covers("Linalg." + name)
        .messageName(layer)
        .call((in, p) -> relu ? Linalg.linearRelu(in[0], in[1], p.bias ? in[2] : null, layer)
            : Linalg.linear(in[0], in[1], p.bias ? in[2] : null, layer))
        .reference((s, in) -> affine(s.params, in[0], in[1], s.params.bias ? in[2] : null, relu))
        .samples(r -> {
          List<Sample<Lin>> out = new ArrayList<>();
          Domain d = Domain.range(-1, 1);
          for (int[] z : LINEAR_SIZES) {
            for (boolean bias : new boolean[] {true, false}) {
              Lin p = new Lin(z[0], z[1], z[2], bias);
              Input x = Input.of(d.draw(r, p.n * p.in), p.n, p.in), w = Input.of(d.draw(r, p.out * p.in), p.out, p.in);
              out.add(bias ? Sample.of(p.toString(), p, x, w, Input.of(d.draw(r, p.out), p.out)) : Sample.of(p.toString(), p, x, w));
            }
          }
          if (relu) {
            // a NaN input row stays NaN through the fused GEMM epilogue, other rows stay finite
            double[] x = new double[3 * 5];
            for (int i = 0; i < x.length; i++) x[i] = (i % 3) - 1;
            x[12] = Double.NaN;
            double[] w = new double[7 * 5];
            for (int i = 0; i < w.length; i++) w[i] = ((i * 7) % 5) - 2;
            out.add(Sample.of("NaN row", new Lin(3, 5, 7, false), Input.of(x, 3, 5), Input.of(w, 7, 5)).forwardOnly());
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 0)
        .tol(DType.FLOAT64, 1e-13, 0)
        .parityNormwise();
    Lin p = new Lin(2, 3, 4, true);
    row.error("weight with other in-features", p, List.of(Input.of(new double[6], 2, 3), Input.of(new double[20], 4, 5),
        Input.of(new double[4], 4)), IllegalArgumentException.class, layer, "expected input with 5 features", "[N, 5]", "[2, 3]");
    row.error("bias of the wrong size", p, List.of(Input.of(new double[6], 2, 3), Input.of(new double[12], 4, 3),
        Input.of(new double[3], 3)), IllegalArgumentException.class, layer, "bias", "[4]", "[3]");
    row.error("float64 bias", p, List.of(Input.of(new double[6], 2, 3), Input.of(new double[12], 4, 3),
        Input.of(new double[4], 4).as(DType.FLOAT64)), IllegalArgumentException.class, layer, "bias", "float64");
    return row;
  }

  /** bf16 inference Linear: x and W rounded to bfloat16 (nearest even), products summed in float32; no gradient. */
  static OpInfo<Lin> linearBf16() {
    String layer = "Linear(bf16)";
    OpInfo<Lin> row = OpInfo.<Lin>op("linearBf16")
        .covers("Linalg.linearBf16", "Linalg.packBf16")
        .messageName(layer)
        .dtypes(DType.FLOAT32)
        .call((in, p) -> {
          try (Tensor packed = Linalg.packBf16(in[1])) {
            return Linalg.linearBf16(in[0], packed, p.out, p.bias ? in[2] : null, p.relu, layer);
          }
        })
        .reference((s, in) -> affine(s.params, bf16(in[0]), bf16(in[1]), s.params.bias ? in[2] : null, s.params.relu))
        .samples(r -> {
          List<Sample<Lin>> out = new ArrayList<>();
          Domain d = Domain.range(-1, 1);
          for (int[] z : new int[][] {{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {64, 100, 10}, {5, 257, 33}}) {
            for (int variant = 0; variant < 3; variant++) {
              Lin p = new Lin(z[0], z[1], z[2], variant != 1, variant == 2);
              Input x = Input.of(d.draw(r, p.n * p.in), p.n, p.in), w = Input.of(d.draw(r, p.out * p.in), p.out, p.in);
              out.add(p.bias ? Sample.of(p.toString(), p, x, w, Input.of(d.draw(r, p.out), p.out))
                  : Sample.of(p.toString(), p, x, w));
            }
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-4, 0)  // float32 sums of k products: up to k ulps of the magnitude
        .parityNormwise()
        .notRecorded();
    return row;
  }

  /** Rounds to bfloat16 (the top 16 bits of a float32), to nearest, ties to even. */
  static double[] bf16(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int bits = Float.floatToRawIntBits((float) v[i]);
      int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
      out[i] = Float.intBitsToFloat(rounded & 0xffff0000);
    }
    return out;
  }
}
