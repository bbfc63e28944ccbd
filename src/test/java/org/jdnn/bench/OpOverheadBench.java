package org.jdnn.bench;

import java.util.Arrays;
import java.util.Locale;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Benchmark (not a test): what the framework itself costs per op, workload W4(b) of the benchmark
 * definitions. A loop of tiny-tensor ops (add of 4 elements, 4x4 matmul, relu), each output freed
 * by a {@link TensorScope} per iteration as a real loop would; the arithmetic is a few nanoseconds,
 * so the figure is the cost of the Java checks, the JNI call, handle pinning, allocation and free.
 * Prints the median nanoseconds per op of several timed windows after a warm-up, and ops/s.
 *
 * <pre>
 * mvn -q -DskipTests package && mvn -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.bench.OpOverheadBench [windows] [seconds]
 * </pre>
 */
public final class OpOverheadBench {
  private OpOverheadBench() {}

  public static void main(String[] args) {
    int windows = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
    try (GradMode.Guard g = GradMode.disable();
        Tensor a = Tensor.of(new float[] {1, -2, 3, -4});
        Tensor b = Tensor.of(new float[] {0.5f, 0.5f, 0.5f, 0.5f});
        Tensor m = Tensor.of(new float[16], 4, 4);
        Tensor n = Tensor.of(new float[16], 4, 4)) {
      run(a, b, m, n, 2.0);  // warm-up: JIT, allocator caches
      double[] nsPerOp = new double[windows];
      for (int w = 0; w < windows; w++) nsPerOp[w] = run(a, b, m, n, seconds);
      Arrays.sort(nsPerOp);
      double median = nsPerOp[windows / 2];
      System.out.printf(Locale.ROOT, "W4b tiny ops: median %.0f ns/op (%.0f ops/s), windows %s ns/op%n", median,
          1e9 / median, Arrays.toString(Arrays.stream(nsPerOp).map(Math::rint).toArray()));
    }
  }

  // Runs the three-op loop for about `seconds`; returns nanoseconds per op.
  private static double run(Tensor a, Tensor b, Tensor m, Tensor n, double seconds) {
    long ops = 0;
    long start = System.nanoTime(), end = start + (long) (seconds * 1e9), now;
    do {
      for (int i = 0; i < 1000; i++) {
        try (TensorScope s = new TensorScope()) {
          a.add(b);
          m.matmul(n);
          a.relu();
        }
      }
      ops += 3000;
      now = System.nanoTime();
    } while (now < end);
    return (now - start) / (double) ops;
  }
}
