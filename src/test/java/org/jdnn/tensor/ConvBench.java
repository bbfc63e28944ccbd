package org.jdnn.tensor;

import java.util.Arrays;
import java.util.Locale;
import org.jdnn.bridge.JdnnNative;

/**
 * Timing check (not a test): forward + backward of the two W2 convolutions at batch 128, and one
 * whole W2 training step assembled from the ops (conv, BN, ReLU, max-pool, conv, BN, ReLU,
 * max-pool, Linear 3136->128, ReLU, Dropout, Linear 128->10, cross-entropy, SGD).
 *
 * <pre>
 * mvn -q -DskipTests package && mvn -q test-compile
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.tensor.ConvBench
 * </pre>
 */
public final class ConvBench {
  private static final int BATCH = 128;

  public static void main(String[] args) {
    int iters = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    System.out.println("threads " + JdnnNative.cpu_num_threads() + ", gemm kernel " + JdnnNative.cpu_gemm_kernel());
    double c1 = convLayer("conv1 3x3 1->32 pad 1 on 28x28", 1, 32, 28, false, iters);
    double c2 = convLayer("conv2 3x3 32->64 pad 1 on 14x14", 32, 64, 14, true, iters);
    System.out.printf(Locale.ROOT, "both convs fwd+bwd: %.2f ms per batch of %d%n", c1 + c2, BATCH);
    double[] steps = w2Step(iters);
    double step = median(steps), best = min(steps);
    System.out.printf(Locale.ROOT, "W2 training step: median %.2f ms per batch of %d = %.0f samples/s "
        + "(fastest step %.2f ms = %.0f samples/s)%n", step, BATCH, BATCH / step * 1000, best, BATCH / best * 1000);
  }

  /** Median ms of forward + backward; prints the forward and backward medians too. */
  static double convLayer(String name, int cin, int cout, int size, boolean inputGrad, int iters) {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, BATCH, cin, size, size);
      RandomOps.uniform(x, -1, 1, 1, 0);
      Tensor w = Tensor.empty(DType.FLOAT32, cout, cin, 3, 3);
      RandomOps.uniform(w, -0.3, 0.3, 2, 0);
      Tensor b = Tensor.zeros(cout);
      Tensor y = Tensor.empty(DType.FLOAT32, BATCH, cout, size, size);
      Tensor dy = Tensor.empty(DType.FLOAT32, BATCH, cout, size, size);
      RandomOps.uniform(dy, -1, 1, 3, 0);
      Tensor dx = inputGrad ? Tensor.empty(DType.FLOAT32, BATCH, cin, size, size) : null;
      Tensor dw = Tensor.empty(DType.FLOAT32, cout, cin, 3, 3);
      Tensor db = Tensor.empty(DType.FLOAT32, cout);
      double[] fwd = new double[iters], bwd = new double[iters];
      long[] g = new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1).packed();
      for (int i = -5; i < iters; i++) {
        long t0 = System.nanoTime();
        NativeCalls.check(JdnnNative.op_conv2d(x.h(), w.h(), b.h(), y.h(), g, g.length, false));
        long t1 = System.nanoTime();
        NativeCalls.check(
            JdnnNative.op_conv2d_backward(x.h(), w.h(), dy.h(), dx == null ? 0 : dx.h(), dw.h(), db.h(), g, g.length));
        long t2 = System.nanoTime();
        if (i >= 0) {
          fwd[i] = (t1 - t0) / 1e6;
          bwd[i] = (t2 - t1) / 1e6;
        }
      }
      double f = median(fwd), bk = median(bwd);
      double flops = 2.0 * BATCH * cout * size * size * cin * 9;
      System.out.printf(Locale.ROOT, "%s: forward %.2f ms (%.1f GFLOP/s), backward %.2f ms (%s, %.1f GFLOP/s), "
          + "total %.2f ms (medians; fastest %.2f + %.2f ms)%n", name, f, flops / f / 1e6, bk,
          inputGrad ? "dx+dw+db" : "dw+db", flops * (inputGrad ? 2 : 1) / bk / 1e6, f + bk, min(fwd), min(bwd));
      return f + bk;
    }
  }

  static double[] w2Step(int iters) {
    Tensor[] params = {
        param(32, 1, 3, 3), Tensor.zeros(32), Tensor.ones(32), Tensor.zeros(32),
        param(64, 32, 3, 3), Tensor.zeros(64), Tensor.ones(64), Tensor.zeros(64),
        param(128, 3136), Tensor.zeros(128), param(10, 128), Tensor.zeros(10)};
    for (Tensor p : params) p.requiresGrad(true);
    Tensor rm1 = Tensor.zeros(32), rv1 = Tensor.ones(32), rm2 = Tensor.zeros(64), rv2 = Tensor.ones(64);
    Tensor[] bufs = new Tensor[params.length];
    for (int i = 0; i < params.length; i++) bufs[i] = Tensor.zeros(params[i].shape());
    Tensor x = Tensor.empty(DType.FLOAT32, BATCH, 1, 28, 28);
    RandomOps.uniform(x, 0, 1, 5, 0);
    int[] lab = new int[BATCH];
    for (int i = 0; i < BATCH; i++) lab[i] = i % 10;
    Tensor labels = Tensor.ofInts(lab);
    double[] times = new double[iters];
    for (int it = -5; it < iters; it++) {
      long t0 = System.nanoTime();
      try (TensorScope s = new TensorScope()) {
        Tensor h = ConvOps.conv2d(x, params[0], params[1], new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1), "conv1");
        h = BatchNormOps.batchNorm(h, params[2], params[3], rm1, rv1, true, 0.1, 1e-5, "bn1").relu();
        h = PoolOps.maxPool2d(h, new Pool2dGeometry(2, 2, 2, 2, 0, 0), "pool1");
        h = ConvOps.conv2d(h, params[4], params[5], new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1), "conv2");
        h = BatchNormOps.batchNorm(h, params[6], params[7], rm2, rv2, true, 0.1, 1e-5, "bn2").relu();
        h = PoolOps.maxPool2d(h, new Pool2dGeometry(2, 2, 2, 2, 0, 0), "pool2").reshape(BATCH, 3136);
        h = Linalg.linear(h, params[8], params[9], "fc1").relu();
        h = DropoutOps.dropout(h, 0.5, false, 7, (long) (it + 5) * BATCH * 128, "drop");
        h = Linalg.linear(h, params[10], params[11], "fc2");
        Tensor loss = LossOps.crossEntropy(h, labels, "ce");
        loss.backward();
        for (int i = 0; i < params.length; i++) {
          OptimOps.sgd(params[i], params[i].grad(), bufs[i], 0.01, 0.9, 0, 0, false, it == -5);
          params[i].zeroGrad();
        }
      }
      if (it >= 0) times[it] = (System.nanoTime() - t0) / 1e6;
    }
    for (Tensor p : params) p.close();
    for (Tensor b : bufs) b.close();
    for (Tensor t : new Tensor[] {rm1, rv1, rm2, rv2, x, labels}) t.close();
    return times;
  }

  private static Tensor param(long... shape) {
    Tensor t = Tensor.empty(DType.FLOAT32, shape);
    long fanIn = 1;
    for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
    double bound = Math.sqrt(6.0 / fanIn);
    RandomOps.uniform(t, -bound, bound, shape[0] * 31 + fanIn, 0);
    return t;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
