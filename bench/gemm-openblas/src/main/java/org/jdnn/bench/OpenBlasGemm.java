package org.jdnn.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/** GFLOP/s of OpenBLAS cblas_sgemm (row-major) on the shapes native/bench/gemm_bench.cpp times for jdnn. */
public final class OpenBlasGemm {
  public static void main(String[] args) {
    org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
    // The thread count comes from OPENBLAS_NUM_THREADS, read when the library loads.
    System.out.printf(Locale.ROOT, "OpenBLAS (JavaCPP presets 0.3.28-1.5.11), OPENBLAS_NUM_THREADS=%s%n",
        System.getenv("OPENBLAS_NUM_THREADS"));
    // {M, N, K, transA, transB}: W1's forward (x W^T), input-gradient and weight-gradient GEMMs, then squares
    int[][] shapes = {
      {128, 512, 784, 0, 1}, {128, 256, 512, 0, 1}, {128, 10, 256, 0, 1},
      {128, 784, 512, 0, 0}, {128, 512, 256, 0, 0}, {128, 256, 10, 0, 0},
      {512, 784, 128, 1, 0}, {256, 512, 128, 1, 0}, {10, 256, 128, 1, 0},
      {1, 512, 784, 0, 1}, {1024, 1024, 1024, 0, 0}, {2048, 2048, 2048, 0, 0}};
    for (int[] s : shapes) {
      System.out.printf(Locale.ROOT, "M=%4d N=%4d K=%4d %s%s  %7.1f GFLOP/s%n", s[0], s[1], s[2],
          s[3] == 1 ? "T" : "N", s[4] == 1 ? "T" : "N", time(s[0], s[1], s[2], s[3] == 1, s[4] == 1));
    }
  }

  private static double time(int m, int n, int k, boolean ta, boolean tb) {
    try (FloatPointer a = fill((long) m * k); FloatPointer b = fill((long) k * n); FloatPointer c = fill((long) m * n)) {
      int lda = ta ? m : k, ldb = tb ? k : n;
      double flops = 2.0 * m * n * k;
      int reps = (int) Math.max(3, Math.min(2000, 2e9 / flops));
      double[] rates = new double[9];
      for (int r = -2; r < rates.length; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
          openblas_nolapack.cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r >= 0) rates[r] = flops * reps / secs / 1e9;
      }
      Arrays.sort(rates);
      return rates[rates.length / 2];
    }
  }

  private static FloatPointer fill(long n) {
    FloatPointer p = new FloatPointer(n);
    for (long i = 0; i < n; i++) p.put(i, (float) Math.sin(i * 0.001));
    return p;
  }
}
