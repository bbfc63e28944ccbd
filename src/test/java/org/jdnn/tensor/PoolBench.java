package org.jdnn.tensor;

import java.util.Arrays;
import java.util.Locale;
import org.jdnn.bridge.JdnnNative;

/**
 * Timing check (not a test): the CPU pooling ops on W2's shapes at batch 128 (max-pool 2x2 stride 2
 * after each convolution, the fast path) and on 3x3 stride 2 pad 1 windows (the general path),
 * float32, forward and backward, plus average pooling. Prints the median of `iters` calls.
 *
 * <pre>
 * mvn -q -DskipTests package && mvn -q test-compile
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.tensor.PoolBench [iters]
 * </pre>
 */
public final class PoolBench {
  private static final int BATCH = 128;

  private PoolBench() {}

  public static void main(String[] args) {
    int iters = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    System.out.println("threads " + JdnnNative.cpu_num_threads());
    for (int round = 0; round < 2; round++) {  // the first round warms up; both print
      System.out.println("round " + round);
      time("pool1 max 2x2/2 on 32x28x28", 32, 28, 2, 2, 0, iters);
      time("pool2 max 2x2/2 on 64x14x14", 64, 14, 2, 2, 0, iters);
      time("max 3x3/2 pad 1 on 32x28x28", 32, 28, 3, 2, 1, iters);
    }
  }

  static void time(String name, int c, int size, int k, int stride, int pad, int iters) {
    try (TensorScope s = new TensorScope()) {
      int out = (size + 2 * pad - k) / stride + 1;
      Tensor x = Tensor.empty(DType.FLOAT32, BATCH, c, size, size);
      RandomOps.uniform(x, -1, 1, 1, 0);
      Tensor y = Tensor.empty(DType.FLOAT32, BATCH, c, out, out);
      Tensor idx = Tensor.empty(DType.INT32, BATCH, c, out, out);
      Tensor dy = Tensor.empty(DType.FLOAT32, BATCH, c, out, out);
      RandomOps.uniform(dy, -1, 1, 2, 0);
      Tensor dx = Tensor.empty(DType.FLOAT32, BATCH, c, size, size);
      double[] mf = new double[iters], mb = new double[iters], af = new double[iters], ab = new double[iters];
      long[] p = new Pool2dGeometry(k, k, stride, stride, pad, pad).packed();
      for (int i = -5; i < iters; i++) {
        long t0 = System.nanoTime();
        NativeCalls.check(JdnnNative.op_max_pool2d(x.h(), y.h(), idx.h(), p, p.length));
        long t1 = System.nanoTime();
        NativeCalls.check(JdnnNative.op_max_pool2d_backward(dy.h(), idx.h(), dx.h()));
        long t2 = System.nanoTime();
        NativeCalls.check(JdnnNative.op_avg_pool2d(x.h(), y.h(), p, p.length, false));
        long t3 = System.nanoTime();
        NativeCalls.check(JdnnNative.op_avg_pool2d_backward(dy.h(), dx.h(), p, p.length, false));
        long t4 = System.nanoTime();
        if (i >= 0) {
          mf[i] = (t1 - t0) / 1e6;
          mb[i] = (t2 - t1) / 1e6;
          af[i] = (t3 - t2) / 1e6;
          ab[i] = (t4 - t3) / 1e6;
        }
      }
      System.out.printf(Locale.ROOT, "%-30s max fwd %.3f bwd %.3f, avg fwd %.3f bwd %.3f ms (medians)%n", name,
          median(mf), median(mb), median(af), median(ab));
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
