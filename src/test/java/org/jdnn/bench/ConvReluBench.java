package org.jdnn.bench;

import java.util.Arrays;
import java.util.Locale;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Timing check (not a test): whether fusing a convolution's ReLU pays on the CPU. Inference (nothing recorded) of the
 * W2 convolution shapes at a batch, as ConvOps.conv2d then Tensor.relu (two native calls, two outputs) and as
 * ConvOps.conv2dRelu (the ReLU applied to each sample's block right after its GEMM), interleaved in rounds so drift
 * of a noisy host hits both alike; the medians and their ratio per shape.
 *
 * <pre>
 * mvn -q -DskipTests package && mvn -q test-compile
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.bench.ConvReluBench [batch] [rounds]
 * </pre>
 */
public final class ConvReluBench {
  private ConvReluBench() {}

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    System.out.println("threads " + JdnnNative.cpu_num_threads() + ", gemm kernel " + JdnnNative.cpu_gemm_kernel()
        + ", batch " + batch + ", " + rounds + " rounds");
    shape("conv 3x3 1->32 pad 1 on 28x28", batch, 1, 32, 28, rounds);
    shape("conv 3x3 32->64 pad 1 on 14x14", batch, 32, 64, 14, rounds);
  }

  private static void shape(String name, int batch, int in, int out, int side, int rounds) {
    Generator.manualSeed(1);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      Tensor x = Tensor.empty(DType.FLOAT32, batch, in, side, side);
      Tensor w = Tensor.empty(DType.FLOAT32, out, in, 3, 3);
      Tensor b = Tensor.empty(DType.FLOAT32, out);
      Generator.global().uniform(x, -1, 1);
      Generator.global().uniform(w, -0.3, 0.3);
      Generator.global().uniform(b, -0.3, 0.3);
      Conv2dGeometry geo = new Conv2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1);
      double[] twoOps = new double[rounds], fused = new double[rounds];
      for (int r = -3; r < rounds; r++) {  // three warm-up rounds
        long t0 = System.nanoTime();
        try (TensorScope inner = new TensorScope()) {
          ConvOps.conv2d(x, w, b, geo, "conv").relu();
        }
        long t1 = System.nanoTime();
        try (TensorScope inner = new TensorScope()) {
          ConvOps.conv2dRelu(x, w, b, geo, "conv");
        }
        long t2 = System.nanoTime();
        if (r >= 0) {
          twoOps[r] = (t1 - t0) / 1e6;
          fused[r] = (t2 - t1) / 1e6;
        }
      }
      double a = median(twoOps), f = median(fused);
      System.out.printf(Locale.ROOT, "%s: conv2d + relu %.3f ms, conv2dRelu %.3f ms, fused/unfused %.3f%n", name, a, f,
          f / a);
    }
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
