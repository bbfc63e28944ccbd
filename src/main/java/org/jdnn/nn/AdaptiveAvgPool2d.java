package org.jdnn.nn;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Pool2dGeometry;
import org.jdnn.tensor.PoolOps;
import org.jdnn.tensor.Tensor;

/**
 * Adaptive average pooling as PyTorch's nn.AdaptiveAvgPool2d: an (N, C, H, W) input becomes
 * (N, C, outH, outW), output cell (i, j) being the mean of rows [floor(i H / outH),
 * ceil((i + 1) H / outH)) and columns [floor(j W / outW), ceil((j + 1) W / outW)). Bins may
 * overlap or, when the output is larger than the input, repeat cells.
 *
 * <p>When outH divides H and outW divides W every bin has the same size and the layer runs
 * AvgPool2d's kernel (kernel = stride = H / outH x W / outW), which is exactly the same bins.
 * Otherwise it multiplies the (N C, H W) input by an (H W, outH outW) matrix holding 1 / (bin size)
 * where a cell is in a bin, made for the input's size at each call; gradients come from the product.
 * That matrix is limited to {@link #MAX_MATRIX} entries.
 */
public final class AdaptiveAvgPool2d extends Layer {
  /** Saved as {"type": "AdaptiveAvgPool2d", "output_size": [h, w]}. */
  public static final LayerType<AdaptiveAvgPool2d> TYPE = LayerType.of("AdaptiveAvgPool2d", AdaptiveAvgPool2d.class,
      (l, out) -> out.putArray("output_size", new int[] {l.outH, l.outW}), in -> {
        int[] size = in.intPair("output_size", 1, SettingsReader.MAX_WINDOW);
        return LayerType.plan((children, init) -> new AdaptiveAvgPool2d(size[0], size[1]));
      });

  /** The largest pooling matrix (H W x outH outW entries) the non-divisible case builds: 16 M. */
  public static final long MAX_MATRIX = 1L << 24;

  private final int outH;
  private final int outW;
  private final String name;

  /**
   * A square output.
   *
   * @param outputSize the output's height and width, at least 1
   * @throws IllegalArgumentException when it is not positive
   */
  public AdaptiveAvgPool2d(int outputSize) {
    this(outputSize, outputSize);
  }

  /**
   * An outH x outW output.
   *
   * @param outH output height, at least 1
   * @param outW output width, at least 1
   * @throws IllegalArgumentException when a size is not positive
   */
  public AdaptiveAvgPool2d(int outH, int outW) {
    this.name = "AdaptiveAvgPool2d(" + outH + "x" + outW + ")";
    if (outH < 1 || outW < 1) throw new IllegalArgumentException(name + ": output_size must be at least 1x1, got " + outH + "x" + outW);
    this.outH = outH;
    this.outW = outW;
  }

  /** @return a new array {outH, outW} */
  public int[] outputSize() {
    return new int[] {outH, outW};
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, C, H, W) input, float32 or float64
   * @return the new (N, C, outH, outW) output
   * @throws IllegalArgumentException when x is not of rank 4, or the bins do not divide the input and
   *     the pooling matrix would exceed {@link #MAX_MATRIX} entries
   */
  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() != 4) throw new IllegalArgumentException(name + ": expected input of shape [N, C, H, W], got " + x.describe());
    return pool(x, outH, outW, name);
  }

  /** Adaptive average pooling of the NCHW tensor {@code x} to outH x outW; what the 1-D layer reuses. */
  static Tensor pool(Tensor x, int outH, int outW, String name) {
    long h = x.dim(2), w = x.dim(3);
    if (h % outH == 0 && w % outW == 0) {
      int kh = (int) (h / outH), kw = (int) (w / outW);
      return PoolOps.avgPool2d(x, new Pool2dGeometry(kh, kw, kh, kw, 0, 0), true, name);
    }
    if (h * w * outH * outW > MAX_MATRIX) {
      throw new IllegalArgumentException(name + ": an input of " + h + "x" + w + " does not divide into " + outH + "x"
          + outW + " equal bins, and its pooling matrix would have " + h * w * outH * outW + " entries, more than "
          + MAX_MATRIX + "; choose an output size that divides the input's height and width");
    }
    double[] m = new double[(int) (h * w * outH * outW)];
    int cols = outH * outW;
    for (int i = 0; i < outH; i++) {
      long r0 = Math.floorDiv(i * h, outH), r1 = -Math.floorDiv(-(i + 1) * h, outH);
      for (int j = 0; j < outW; j++) {
        long c0 = Math.floorDiv(j * w, outW), c1 = -Math.floorDiv(-(j + 1) * w, outW);
        double inv = 1.0 / ((r1 - r0) * (c1 - c0));
        for (long r = r0; r < r1; r++) for (long c = c0; c < c1; c++) m[(int) ((r * w + c) * cols + i * outW + j)] = inv;
      }
    }
    long n = x.dim(0), ch = x.dim(1);
    return Composed.run(() -> {
      Tensor matrix = Tensor.empty(DType.FLOAT64, x.device(), h * w, cols).write(m);
      if (x.dtype() != DType.FLOAT64) matrix = matrix.to(x.dtype());
      return x.reshape(n * ch, h * w).matmul(matrix).reshape(n, ch, outH, outW);
    });
  }

  /** One addition per input cell per bin it falls in, about one per input cell. */
  @Override
  public long flops(long[] in, long[] out) {
    return Math.max(Shapes.numel(in), Shapes.numel(out));
  }

  @Override
  public String describe() {
    return name;
  }
}
