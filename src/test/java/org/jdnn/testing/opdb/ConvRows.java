package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.testing.ConvCase;

/**
 * Rows for 2-D convolution (ConvOps.conv2d), PyTorch's convention: cross-correlation (no kernel
 * flip) on NCHW, weights (out, in / groups, kh, kw), groups as consecutive channel blocks, zero
 * padding per side ("same" puts the odd extra zero at the bottom / right), floor output sizes.
 */
final class ConvRows {
  private ConvRows() {}

  /** Strides, paddings (asymmetric and "same"), dilations, groups (depthwise too), 1x1, odd sizes, batch 1. */
  static final ConvCase[] CONFIGS = {
      new ConvCase("3x3 stride 1 no padding", 2, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, true),
      new ConvCase("3x3 stride 1 padding 1 (W2 shape)", 3, 2, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
      new ConvCase("3x3 stride 2 padding 1 odd 7x5", 2, 3, 7, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true),
      new ConvCase("2x2 same padding (bottom/right) no bias", 2, 2, 6, 5, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1, 1, false),
      new ConvCase("asymmetric padding top 0 bottom 1 left 2 right 0", 2, 2, 5, 6, 3, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1, true),
      new ConvCase("dilation 2", 2, 2, 7, 7, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, true),
      new ConvCase("dilation 2x1 stride 2x3", 2, 2, 9, 10, 2, 3, 2, 2, 3, 1, 0, 1, 2, 2, 1, 1, true),
      new ConvCase("groups 2", 2, 4, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true),
      new ConvCase("depthwise (groups == C)", 2, 3, 6, 5, 3, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 3, true),
      new ConvCase("depthwise multiplier 2", 2, 3, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, false),
      new ConvCase("non-square kernel 2x3", 2, 2, 7, 5, 3, 2, 3, 2, 1, 0, 1, 1, 0, 1, 1, 1, true),
      new ConvCase("batch 1 odd sizes", 1, 1, 7, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
      new ConvCase("batch 1 groups 2 stride 2", 1, 4, 8, 7, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, true),
      new ConvCase("1x1 direct", 3, 4, 5, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true),
      new ConvCase("1x1 direct groups 2", 2, 4, 3, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, false),
      new ConvCase("1x1 stride 2", 2, 3, 5, 6, 2, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, true),
      new ConvCase("1x1 padded", 2, 2, 3, 3, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, true),
      new ConvCase("kernel fills the padded input", 2, 2, 3, 4, 2, 5, 4, 1, 1, 1, 0, 1, 0, 1, 1, 1, true),
      new ConvCase("everything at once", 3, 4, 9, 8, 4, 3, 2, 2, 3, 1, 0, 2, 1, 2, 1, 2, true),
      // large enough for the batch-parallel and the serial GEMM paths and several blocks (k = 32 * 9)
      new ConvCase("32 channels batch 1", 1, 32, 12, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
      new ConvCase("32 channels batch 8", 8, 32, 12, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true),
      new ConvCase("float32 backward batch 6 groups 2", 6, 6, 9, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true)};

  static List<OpInfo<?>> rows() {
    return List.of(conv2d("conv2d", false), conv2d("conv2dRelu", true));
  }

  /**
   * Direct 7-loop convolution in double, with sum |x w| + |b| per output as the tolerance scale; then, with relu,
   * max(0, y) keeping NaN (Tensor.relu's rule).
   */
  static Expected reference(ConvCase k, double[] x, double[] w, double[] b, boolean relu) {
    int oh = k.oh(), ow = k.ow(), cg = k.c / k.groups, coutg = k.cout / k.groups;
    double[] y = new double[k.n * k.cout * oh * ow], mag = new double[y.length];
    for (int n = 0; n < k.n; n++) {
      for (int co = 0; co < k.cout; co++) {
        int g = co / coutg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double s = b != null ? b[co] : 0, m = b != null ? Math.abs(b[co]) : 0;
            for (int ci = 0; ci < cg; ci++) {
              for (int i = 0; i < k.kh; i++) {
                int iy = oy * k.sh - k.pt + i * k.dh;
                if (iy < 0 || iy >= k.h) continue;
                for (int j = 0; j < k.kw; j++) {
                  int ix = ox * k.sw - k.pl + j * k.dw;
                  if (ix < 0 || ix >= k.w) continue;
                  double p = x[((n * k.c + g * cg + ci) * k.h + iy) * k.w + ix] * w[((co * cg + ci) * k.kh + i) * k.kw + j];
                  s += p;
                  m += Math.abs(p);
                }
              }
            }
            int at = ((n * k.cout + co) * oh + oy) * ow + ox;
            y[at] = relu && s <= 0 ? 0 : s;
            mag[at] = m;
          }
        }
      }
    }
    return Expected.of(y, k.n, k.cout, oh, ow).scaledBy(mag);
  }

  /**
   * conv2d, or (relu) conv2dRelu: the convolution and its ReLU as one native call where nothing is recorded (cuDNN's
   * fused call on CUDA float32 with a bias), the two ops where gradients are.
   */
  static OpInfo<ConvCase> conv2d(String name, boolean relu) {
    String layer = "Conv2d(test)";
    OpInfo<ConvCase> row = OpInfo.<ConvCase>op(name)
        .covers("ConvOps." + name)
        .messageName(layer)
        .call((in, k) -> relu ? ConvOps.conv2dRelu(in[0], in[1], k.bias ? in[2] : null, k.geometry(), layer)
            : ConvOps.conv2d(in[0], in[1], k.bias ? in[2] : null, k.geometry(), layer))
        .reference((s, in) -> reference(s.params, in[0], in[1], s.params.bias ? in[2] : null, relu))
        .samples(r -> {
          List<Sample<ConvCase>> out = new ArrayList<>();
          Domain d = Domain.range(-1, 1);
          for (ConvCase k : CONFIGS) {
            Input x = Input.of(d.draw(r, k.n * k.c * k.h * k.w), k.n, k.c, k.h, k.w);
            Input w = Input.of(d.draw(r, k.cout * (k.c / k.groups) * k.kh * k.kw), k.cout, k.c / k.groups, k.kh, k.kw);
            out.add(k.bias ? Sample.of(k.name, k, x, w, Input.of(d.draw(r, k.cout), k.cout)) : Sample.of(k.name, k, x, w));
          }
          // a centred one-hot kernel with padding 1 reproduces the input exactly
          double[] eye = new double[9];
          eye[4] = 1;
          out.add(Sample.of("identity kernel", new ConvCase("identity", 2, 1, 7, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false),
              Input.of(Domain.range(-3, 3).draw(r, 70), 2, 1, 7, 5), Input.of(eye, 1, 1, 3, 3)));
          if (relu) {
            // a NaN input makes NaN every output whose window reads it; ReLU keeps them NaN, clips the rest
            double[] x = Domain.range(-1, 1).draw(r, 2 * 2 * 5 * 5);
            x[37] = Double.NaN;
            ConvCase k = new ConvCase("NaN input", 2, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
            out.add(Sample.of("NaN input", k, Input.of(x, 2, 2, 5, 5), Input.of(Domain.range(-1, 1).draw(r, 54), 3, 2,
                3, 3), Input.of(Domain.range(-1, 1).draw(r, 3), 3)).forwardOnly());
          }
          return out;
        })
        .tol(DType.FLOAT32, 1e-5, 1e-7)
        .tol(DType.FLOAT64, 1e-13, 1e-15)
        .parityNormwise();
    ConvCase c3 = new ConvCase("3x3 padding 1", 2, 3, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false);
    row.error("input channels differ from the weight's", c3, List.of(Input.of(new double[384], 2, 3, 8, 8),
        Input.of(new double[288], 32, 1, 3, 3)), IllegalArgumentException.class, layer,
        "expected input with 1 channels", "got 3 channels", "[2, 3, 8, 8]");
    ConvCase dilated = new ConvCase("dilation 2", 1, 1, 2, 2, 4, 3, 3, 1, 1, 0, 0, 0, 0, 2, 2, 1, false);
    row.error("kernel larger than the padded input", dilated, List.of(Input.of(new double[4], 1, 1, 2, 2),
        Input.of(new double[36], 4, 1, 3, 3)), IllegalArgumentException.class, layer,
        "kernel larger than the padded input", "padded input 2x2", "effective kernel 5x5");
    ConvCase groups3 = new ConvCase("groups 3", 1, 4, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, false);
    row.error("groups that do not divide the channels", groups3, List.of(Input.of(new double[100], 1, 4, 5, 5),
        Input.of(new double[54], 6, 1, 3, 3)), IllegalArgumentException.class, layer, "groups 3",
        "input channels (4)", "output channels (6)");
    ConvCase groups2 = new ConvCase("groups 2", 1, 4, 5, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, false);
    row.error("groups that do not divide the output channels", groups2, List.of(Input.of(new double[100], 1, 4, 5, 5),
        Input.of(new double[90], 5, 2, 3, 3)), IllegalArgumentException.class, layer, "output channels (5)");
    ConvCase plain = new ConvCase("3x3", 1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, false);
    List<Input> ok = List.of(Input.of(new double[50], 1, 2, 5, 5), Input.of(new double[54], 3, 2, 3, 3));
    row.error("3-D input", plain, List.of(Input.of(new double[50], 2, 5, 5), ok.get(1)), IllegalArgumentException.class,
        layer, "[N, C, H, W]", "[2, 5, 5]");
    row.error("stride 0", new ConvCase("stride 0", 1, 2, 5, 5, 3, 3, 3, 0, 1, 0, 0, 0, 0, 1, 1, 1, false), ok,
        IllegalArgumentException.class, layer, "stride", "0x1");
    row.error("negative padding", new ConvCase("padding -1", 1, 2, 5, 5, 3, 3, 3, 1, 1, -1, 0, 0, 0, 1, 1, 1, false), ok,
        IllegalArgumentException.class, layer, "padding", "top -1");
    row.error("dilation 0", new ConvCase("dilation 0", 1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 0, 0, 0, 1, 1, false), ok,
        IllegalArgumentException.class, layer, "dilation");
    row.error("bias of the wrong size", new ConvCase("bias", 1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, true),
        List.of(ok.get(0), ok.get(1), Input.of(new double[4], 4)), IllegalArgumentException.class, layer,
        "bias of shape [3]", "[4]");
    row.error("float64 weight", plain, List.of(ok.get(0), ok.get(1).as(DType.FLOAT64)), IllegalArgumentException.class,
        layer, "float64", "float32");
    return row;
  }
}
