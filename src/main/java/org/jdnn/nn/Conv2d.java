package org.jdnn.nn;

import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation, as PyTorch) on NCHW inputs. Weight (out, in/groups, kh, kw),
 * bias (out); groups split channels into consecutive blocks (groups == in is depthwise).
 * Initialized as PyTorch's nn.Conv2d: uniform in +-1/sqrt(fan_in), fan_in = in/groups kh kw.
 *
 * <p>A Conv2d can carry the ReLU that follows it ({@link Sequential#fuseForInference()} makes it do so): then
 * forward computes max(0, conv(x) + b), NaN kept, in one native call when no gradient is recorded (on CUDA, float32
 * with a bias: one cuDNN convolution-bias-activation call); with gradients it records the two ops. The values are
 * the two layers' either way.
 */
public final class Conv2d extends ConvLayer {
  /**
   * Saved as {"type": "Conv2d", "in", "out", "kernel": [kh, kw], "stride": [h, w], "padding": [h, w] or "same",
   * "dilation": [h, w], "groups", "bias"}, plus "activation": "relu" when it carries its ReLU (files without the key
   * hold a plain Conv2d).
   */
  public static final LayerType<Conv2d> TYPE = LayerType.of("Conv2d", Conv2d.class, (l, out) -> {
    l.writeSettings(out, l.kh, l.kw, true);
    if (l.reluFused) out.put("activation", "relu");
  }, in -> {
    Saved c = new Saved(in, true);
    boolean relu = in.textOr("activation", "none", "relu").equals("relu");
    return LayerType.plan(parameterShapes(c.in, c.out, c.options, c.kernel[0], c.kernel[1]), (children, init) -> {
      Conv2d l = new Conv2d(c.in, c.out, c.kernel[0], c.kernel[1], c.options, init);
      if (relu) l.fuseRelu();
      return l;
    });
  });

  private final int kh, kw;
  private boolean reluFused;
  private String described;  // the name, and once fused ", ReLU fused": forward passes it to the op for error messages

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
    this.described = name;
  }

  /**
   * Whether the layer applies ReLU to its output (see {@link Sequential#fuseForInference()}).
   *
   * @return true once fused, or when loaded from a file that saved it fused
   */
  public boolean isReluFused() {
    return reluFused;
  }

  /** From now on forward applies ReLU to its output, fused into the convolution when nothing is recorded. */
  void fuseRelu() {
    reluFused = true;
    described = name.substring(0, name.length() - 1) + ", ReLU fused)";
  }

  /** The convolution's FLOPs, plus one per output for the fused ReLU as for a ReLU layer. */
  @Override
  public long flops(long[] inShape, long[] outShape) {
    return super.flops(inShape, outShape) + (reluFused ? Shapes.numel(outShape) : 0);
  }

  @Override
  public String describe() {
    return described;
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
    return reluFused ? ConvOps.conv2dRelu(x, weight(), bias(), geometry, described)
        : ConvOps.conv2d(x, weight(), bias(), geometry, described);
  }
}
