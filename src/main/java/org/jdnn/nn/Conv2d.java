package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation, as PyTorch) on NCHW inputs. Weight (out, in/groups, kh, kw),
 * bias (out); groups split channels into consecutive blocks (groups == in is depthwise).
 * Initialized as PyTorch's nn.Conv2d: uniform in +-1/sqrt(fan_in), fan_in = in/groups kh kw.
 */
public final class Conv2d extends ConvLayer {
  /**
   * Saved as {"type": "Conv2d", "in", "out", "kernel": [kh, kw], "stride": [h, w], "padding": [h, w] or "same",
   * "dilation": [h, w], "groups", "bias"}.
   */
  public static final LayerType<Conv2d> TYPE = LayerType.of("Conv2d", Conv2d.class,
      (l, out) -> l.writeSettings(out, l.kh, l.kw, true), in -> {
        Saved c = new Saved(in, true);
        return LayerType.plan(parameterShapes(c.in, c.out, c.options, c.kernel[0], c.kernel[1]),
            (children, init) -> new Conv2d(c.in, c.out, c.kernel[0], c.kernel[1], c.options, init));
      });

  private final int kh, kw;

  /**
   * A square kernel with the default options (stride 1, no padding, bias), initialized from the
   * global {@link Generator}, float32 on the thread's default device.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kernel the kernel's side, at least 1
   * @throws IllegalArgumentException when a setting is invalid (the message says which and how to
   *     fix it)
   */
  public Conv2d(int in, int out, int kernel) {
    this(in, out, kernel, kernel, ConvOptions.defaults(), Generator.global());
  }

  /**
   * A square kernel with {@code options}, initialized from the global {@link Generator}.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kernel the kernel's side, at least 1
   * @param options stride, padding, dilation, groups, bias; copied
   * @throws IllegalArgumentException when a setting is invalid
   */
  public Conv2d(int in, int out, int kernel, ConvOptions options) {
    this(in, out, kernel, kernel, options, Generator.global());
  }

  /**
   * A kh x kw kernel with {@code options}, initialized from {@code generator}.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kh kernel height, at least 1
   * @param kw kernel width, at least 1
   * @param options stride, padding, dilation, groups, bias; copied
   * @param generator the source of the initial weights
   * @throws IllegalArgumentException when a setting is invalid
   */
  public Conv2d(int in, int out, int kh, int kw, ConvOptions options, Generator generator) {
    super("Conv2d(" + in + " -> " + out + ", kernel " + kh + "x" + kw + options.describe(kh, kw) + ")", in, out, kh, kw,
        options, generator, kh, kw);
    this.kh = kh;
    this.kw = kw;
  }

  /**
   * The kernel's size.
   *
   * @return a new array {height, width}
   */
  public int[] kernelSize() {
    return new int[] {kh, kw};
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, in, H, W) input of the weight's dtype
   * @return the new (N, out, H', W') output
   * @throws IllegalArgumentException when x is not (N, in, H, W), its dtype differs, or the kernel
   *     does not fit the padded input
   */
  @Override
  public Tensor forward(Tensor x) {

    checkInput(x, 4, "H, W");
    return ConvOps.conv2d(x, weight(), bias(), geometry, name);
  }
}
