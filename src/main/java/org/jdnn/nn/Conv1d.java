package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * 1-D convolution on (N, C, L) inputs, weight (out, in/groups, k), bias (out): the same options as
 * {@link Conv2d} along one axis (only the W components of {@link ConvOptions} are used; stride,
 * padding and dilation given as single numbers apply to L). Runs as a 2-D convolution of height 1.
 */
public final class Conv1d extends ConvLayer {
  /**
   * Saved as {"type": "Conv1d", "in", "out", "kernel", "stride", "padding" (a number or "same"), "dilation",
   * "groups", "bias"}, each axis setting one number along L.
   */
  public static final LayerType<Conv1d> TYPE = LayerType.of("Conv1d", Conv1d.class,
      (l, out) -> l.writeSettings(out, 1, l.k, false), in -> {
        Saved c = new Saved(in, false);
        return LayerType.plan(parameterShapes(c.in, c.out, c.options, c.kernel[1]),
            (children, init) -> new Conv1d(c.in, c.out, c.kernel[1], c.options, init));
      });

  private final int k;

  /**
   * A kernel of {@code kernel} taps with the default options, initialized from the global
   * {@link Generator}, float32 on the thread's default device.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kernel the kernel's length, at least 1
   * @throws IllegalArgumentException when a setting is invalid
   */
  public Conv1d(int in, int out, int kernel) {
    this(in, out, kernel, ConvOptions.defaults(), Generator.global());
  }

  /**
   * A kernel of {@code kernel} taps with {@code options} (their W components), initialized from
   * the global {@link Generator}.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kernel the kernel's length, at least 1
   * @param options stride, padding, dilation along L, groups, bias; copied
   * @throws IllegalArgumentException when a setting is invalid
   */
  public Conv1d(int in, int out, int kernel, ConvOptions options) {
    this(in, out, kernel, options, Generator.global());
  }

  /**
   * A kernel of {@code kernel} taps with {@code options}, initialized from {@code generator}.
   *
   * @param in input channels, at least 1
   * @param out output channels, at least 1
   * @param kernel the kernel's length, at least 1
   * @param options stride, padding, dilation along L, groups, bias; copied
   * @param generator the source of the initial weights
   * @throws IllegalArgumentException when a setting is invalid
   */
  public Conv1d(int in, int out, int kernel, ConvOptions options, Generator generator) {
    super("Conv1d(" + in + " -> " + out + ", kernel " + kernel + options.describe(1, kernel) + ")", in, out, 1, kernel,
        options, generator, kernel);
    this.k = kernel;
  }

  /**
   * The kernel's length.
   *
   * @return k
   */
  public int kernelSize() {
    return k;
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, in, L) input of the weight's dtype
   * @return the new (N, out, L') output
   * @throws IllegalArgumentException when x is not (N, in, L), its dtype differs, or the kernel
   *     does not fit the padded input
   */
  @Override
  public Tensor forward(Tensor x) {

    checkInput(x, 3, "L");
    Tensor x4 = x.reshape(x.dim(0), in, 1, x.dim(2));
    Tensor w4 = weight().reshape(out, in / o.groups, 1, k);
    Tensor y = ConvOps.conv2d(x4, w4, bias(), geometry.alongWidth(), name);
    return y.reshape(y.dim(0), out, y.dim(3));
  }
}
