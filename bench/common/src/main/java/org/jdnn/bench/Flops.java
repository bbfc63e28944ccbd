package org.jdnn.bench;

/**
 * FLOPs per sample of the workloads, counted from the layer shapes (the same numbers for every
 * system). Convention: a multiply-add is 2 FLOPs; only the GEMM-shaped layers (Linear,
 * convolution) are counted, element-wise work (bias, ReLU, batch norm, pooling, softmax, Adam)
 * is left out (it is under 1% of W1's and about 2% of W2's total). Training counts 3x the forward
 * GEMM FLOPs: forward y = xW, input gradient dX = dY W^T and weight gradient dW = X^T dY, each a
 * GEMM of the same size (the first layer's input gradient, which no system needs, included, as is
 * usual for this convention). So achieved GFLOP/s = samples/s x FLOPs/sample / 1e9, and the
 * ceiling to hold it against is the machine's large square SGEMM rate.
 */
public final class Flops {
  private Flops() {}

  static long linear(long in, long out) {
    return 2 * in * out;
  }

  /** Convolution with kernel k x k, C_in -> C_out channels, output H x W. */
  static long conv(long cin, long cout, long k, long h, long w) {
    return 2 * cin * k * k * cout * h * w;
  }

  /** W1 forward: 784-512-256-10. */
  public static long w1Forward() {
    return linear(784, 512) + linear(512, 256) + linear(256, 10);
  }

  /** W2 forward: conv 1->32 at 28x28, conv 32->64 at 14x14, Linear 64*7*7 -> 128 -> 10. */
  public static long w2Forward() {
    return conv(1, 32, 3, 28, 28) + conv(32, 64, 3, 14, 14) + linear(64 * 7 * 7, 128) + linear(128, 10);
  }

  public static long training(long forward) {
    return 3 * forward;
  }

  public static String convention() {
    return "multiply-add = 2 FLOPs; GEMM-shaped layers only (Linear, conv); training = 3x forward";
  }
}
