package org.jdnn.nn;

import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.Tensor;

/**
 * What MaxPool1d and AvgPool1d share: a window (kernel, stride, padding) over the last dimension
 * of (N, C, L) inputs, run as the 2-D pooling of an (N, C, 1, L) view with a 1 x kernel window.
 * That is exact, not an approximation: a window of height 1 over a height-1 input reduces the same
 * cells in the same order. Settings are checked here in 1-D terms, so messages speak of L, not H x W.
 */
abstract class Pool1d extends Layer {
  final Pool2dGeometry window;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final String name;

  Pool1d(String type, String extra, int kernel, int stride, int padding) {
    this.name = type + "(kernel " + kernel + (stride != kernel ? ", stride " + stride : "")
        + (padding != 0 ? ", padding " + padding : "") + extra + ")";
    check(name, kernel, stride, padding);
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.window = new Pool2dGeometry(1, kernel, 1, stride, 0, padding);
  }

  private static void check(String name, int kernel, int stride, int padding) {
    if (kernel < 1) throw new IllegalArgumentException(name + ": kernel_size must be at least 1, got " + kernel);
    if (stride < 1) {
      throw new IllegalArgumentException(name + ": stride must be at least 1, got " + stride
          + "; use the kernel size for windows that do not overlap");
    }
    if (padding < 0 || padding > kernel / 2) {
      throw new IllegalArgumentException(name + ": padding must be >= 0 and at most half the kernel (" + kernel / 2
          + ", PyTorch's rule), got " + padding + "; lower the padding or enlarge the kernel");
    }
  }

  /** Writes "kernel", "stride" and "padding". */
  void writeWindow(SettingsWriter s) {
    s.put("kernel", kernel).put("stride", stride).put("padding", padding);
  }

  /** Reads what {@link #writeWindow} wrote as {kernel, stride, padding}, checked as the constructor checks it. */
  static int[] readWindow(SettingsReader s) {
    int k = s.positiveInt("kernel", SettingsReader.MAX_WINDOW);
    int st = s.positiveInt("stride", SettingsReader.MAX_WINDOW);
    int p = s.intIn("padding", 0, SettingsReader.MAX_WINDOW);
    check("architecture: " + s.where(), k, st, p);
    return new int[] {k, st, p};
  }

  /** @return the window's length */
  public int kernelSize() {
    return kernel;
  }

  /** @return the step between windows */
  public int stride() {
    return stride;
  }

  /** @return the padding added at each end */
  public int padding() {
    return padding;
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, C, L) input, float32 or float64
   * @return the new (N, C, L') output, L' = floor((L + 2 padding - kernel) / stride) + 1
   * @throws IllegalArgumentException when x is not of rank 3 or the window is longer than the
   *     padded input
   */
  @Override
  public final Tensor forward(Tensor x) {
    if (x.rank() != 3) throw new IllegalArgumentException(name + ": expected input of shape [N, C, L], got " + x.describe());
    if (x.dim(2) + 2L * padding < kernel) {
      throw new IllegalArgumentException(name + ": kernel " + kernel + " is longer than the padded input (length "
          + x.dim(2) + " plus padding " + padding + " at each end), input " + x.describe()
          + "; use a smaller kernel or a longer input");
    }
    return Composed.run(() -> {
      Tensor y = pool(x.reshape(x.dim(0), x.dim(1), 1, x.dim(2)), name);
      return y.reshape(y.dim(0), y.dim(1), y.dim(3));
    });
  }

  /** Reduces every window of the (N, C, 1, L) view {@code x}. */
  abstract Tensor pool(Tensor x, String layer);

  @Override
  public long flops(long[] in, long[] out) {
    return (long) kernel * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }
}
