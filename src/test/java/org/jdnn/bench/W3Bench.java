package org.jdnn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Benchmark workload W3 (not a test): W1's MLP 784-512-256-10 in eval mode, no gradients, one
 * {@link TensorScope} per call that copies a float[] batch in and the logits out, as a serving
 * loop would. Throughput does not depend on the weights' values, so they are the random
 * initialization. Reports the median samples/s of several timed windows after a warm-up, at
 * batch 1 and 256 and from 8 threads sharing the model at batch 1, in float32 and then with
 * {@link Layer#inferenceBf16(boolean)}.
 *
 * <pre>
 * mvn -q -DskipTests package && mvn -q test-compile
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.bench.W3Bench [repeats] [seconds]
 * </pre>
 */
public final class W3Bench {
  private W3Bench() {}

  public static void main(String[] args) throws Exception {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    double window = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
    Generator.manualSeed(1);
    try (Layer model = FashionMnistMlp.model()) {
      model.eval().fuseForInference();
      System.out.printf(Locale.ROOT, "W3: %d CPU threads, GEMM kernel %s, load %s%n", Device.cpuThreads(),
          Device.cpuGemmKernel(), loadAverage());
      List<String> rows = new ArrayList<>();
      rows.add(run("fp32 batch 1", model::forward, 1, 1, repeats, window));
      rows.add(run("fp32 batch 256", model::forward, 256, 1, repeats, window));
      rows.add(run("fp32 batch 1, 8 threads", model::forward, 1, 8, repeats, window));
      model.inferenceBf16(true);
      System.out.println("bf16 kernel " + org.jdnn.bridge.JdnnNative.cpu_bf16_kernel());
      rows.add(run("bf16 batch 1", model::forward, 1, 1, repeats, window));
      rows.add(run("bf16 batch 256", model::forward, 256, 1, repeats, window));
      rows.add(run("bf16 batch 1, 8 threads", model::forward, 1, 8, repeats, window));
      System.out.println("load after: " + loadAverage());
      rows.forEach(System.out::println);
    }
  }

  /** Median samples/s over `repeats` windows of `window` seconds each, after one warm-up window. */
  static String run(String name, Function<Tensor, Tensor> forward, int batch, int threads, int repeats, double window)
      throws Exception {
    float[] input = new float[batch * 784];
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < input.length; i++) input[i] = (float) r.nextGaussian();
    double[] rates = new double[repeats];
    for (int rep = -1; rep < repeats; rep++) {
      double rate = timed(forward, input, batch, threads, rep < 0 ? 1.0 : window);
      if (rep >= 0) rates[rep] = rate;
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "%-26s median %,10.0f samples/s  (min %,.0f, max %,.0f; %d x %.1f s)", name,
        sorted[repeats / 2], sorted[0], sorted[repeats - 1], repeats, window);
  }

  /** Samples per second from `threads` threads each running inference calls for `seconds`. */
  static double timed(Function<Tensor, Tensor> forward, float[] input, int batch, int threads, double seconds)
      throws Exception {
    LongAdder calls = new LongAdder();
    CountDownLatch start = new CountDownLatch(1);
    Thread[] ts = new Thread[threads];
    long[] deadline = new long[1];
    for (int t = 0; t < threads; t++) {
      ts[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        float sink = 0;
        long n = 0;
        while (System.nanoTime() < deadline[0]) {
          sink += infer(forward, input, batch)[0];
          n++;
        }
        calls.add(n);
        if (sink == 12345.678f) System.out.print("");  // keeps the result alive
      });
      ts[t].start();
    }
    long t0 = System.nanoTime();
    deadline[0] = t0 + (long) (seconds * 1e9);
    start.countDown();
    for (Thread t : ts) t.join();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    return calls.sum() * batch / elapsed;
  }

  static float[] infer(Function<Tensor, Tensor> forward, float[] input, int batch) {
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return forward.apply(Tensor.of(input, batch, 784)).toFloatArray();
    }
  }

  static String loadAverage() {
    try {
      return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
