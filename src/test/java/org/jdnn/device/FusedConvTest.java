package org.jdnn.device;

import static org.jdnn.device.Parity.CPU;
import static org.jdnn.device.Parity.close;
import static org.jdnn.device.Parity.on;
import static org.jdnn.device.Parity.read;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ConvCase;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Conv2d's forward with its bias fused (cuda/conv.cu): on float32 one cudnnConvolutionBiasActivationForward with the
 * identity activation where it used cudnnConvolutionForward then cudnnAddTensor, or with RELU (NaN kept) for
 * ConvOps.conv2dRelu where a ReLU kernel followed too; float64 keeps the separate calls. The counts are the device's
 * (Device.stats(), on the emulation and on a GPU where one is usable); the values are compared with the CPU's, and the
 * fused ReLU with conv2d then relu on the same device.
 */
@ExtendWith(ScopedTensors.class)
class FusedConvTest {
  private record Expect(ConvCase cfg, DType dt, int vendorCalls, int launches, String why) {}

  private static final ConvCase PAD1 = new ConvCase("3x3 pad 1", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
  private static final ConvCase NO_BIAS =
      new ConvCase("3x3 pad 1 no bias", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false);
  private static final ConvCase ASYM = new ConvCase("asymmetric", 1, 2, 5, 6, 2, 3, 2, 1, 1, 2, 0, 1, 1, 1, 1, 1, true);
  private static final ConvCase MIXED =
      new ConvCase("groups, dilation, stride", 2, 4, 8, 7, 2, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2, true);

  @Test
  void forwardWithABiasIsOneVendorCallOnFloat32() {
    List<Expect> cases = List.of(
        new Expect(PAD1, DType.FLOAT32, 1, 0, "the fused call alone"),
        new Expect(MIXED, DType.FLOAT32, 1, 0, "the fused call alone"),
        new Expect(ASYM, DType.FLOAT32, 1, 1, "the pad kernel, then the fused call"),
        new Expect(NO_BIAS, DType.FLOAT32, 1, 0, "no bias: the plain convolution"),
        new Expect(PAD1, DType.FLOAT64, 2, 0, "float64: the convolution, then cudnnAddTensor"));
    for (Device dev : TestDevice.usableAccelerators()) {
      for (Expect e : cases) check(dev, e, false);
    }
  }

  /** conv2dRelu where nothing is recorded: the ReLU is the fused call's activation, not a kernel of its own. */
  @Test
  void forwardWithReluIsOneVendorCallOnFloat32WithABias() {
    List<Expect> cases = List.of(
        new Expect(PAD1, DType.FLOAT32, 1, 0, "the fused call with RELU alone"),
        new Expect(MIXED, DType.FLOAT32, 1, 0, "the fused call with RELU alone"),
        new Expect(ASYM, DType.FLOAT32, 1, 1, "the pad kernel, then the fused call with RELU"),
        new Expect(NO_BIAS, DType.FLOAT32, 1, 1, "no bias: the plain convolution, then the ReLU kernel"),
        new Expect(PAD1, DType.FLOAT64, 2, 1, "float64: the convolution, cudnnAddTensor, the ReLU kernel"));
    for (Device dev : TestDevice.usableAccelerators()) {
      for (Expect e : cases) check(dev, e, true);
    }
  }

  private static Tensor run(ConvCase cfg, Tensor x, Tensor w, Tensor b, boolean relu) {
    return relu ? ConvOps.conv2dRelu(x, w, b, cfg.geometry(), "Conv2d(test)") : cfg.run(x, w, b);
  }

  private static void check(Device dev, Expect e, boolean relu) {
    Random r = new Random(e.cfg.name.hashCode());
    double[] x = uniform(r, e.cfg.n * e.cfg.c * e.cfg.h * e.cfg.w, -1, 1);
    double[] w = uniform(r, e.cfg.wsize(), -1, 1);
    double[] b = uniform(r, e.cfg.cout, -1, 1);
    Tensor want = run(e.cfg, on(CPU, x, e.dt, false, e.cfg.xShape()), on(CPU, w, e.dt, false, e.cfg.wShape()),
        e.cfg.bias ? on(CPU, b, e.dt, false, e.cfg.cout) : null, relu);
    Tensor xt = on(dev, x, e.dt, false, e.cfg.xShape());
    Tensor wt = on(dev, w, e.dt, false, e.cfg.wShape());
    Tensor bt = e.cfg.bias ? on(dev, b, e.dt, false, e.cfg.cout) : null;
    run(e.cfg, xt, wt, bt, relu).close();  // the first call searches algorithms; the second is the steady one
    DeviceStats before = dev.stats();
    Tensor got = run(e.cfg, xt, wt, bt, relu);
    DeviceStats d = dev.stats().minus(before);
    String what = dev + ": " + e.cfg.name + " " + e.dt + (relu ? ", ReLU" : "") + " (" + e.why + "): " + d.line();
    assertEquals(e.vendorCalls, d.vendorCalls(), what);
    assertEquals(e.launches, d.launches(), what);
    double[] cpu = read(want, CPU);
    close(cpu, got, e.dt, what);
    if (!relu) return;
    // The fused activation against the convolution then relu on this device: the same algorithm (IMPLICIT_PRECOMP_GEMM
    // for both fused calls, the searched one otherwise), so the same values; 0 and -0 are not told apart here.
    double[] fused = read(got, dev);
    double[] twoOps = read(e.cfg.run(xt, wt, bt).relu(), dev);
    for (int i = 0; i < fused.length; i++) assertEquals(twoOps[i], fused[i], 0.0, what + " at " + i);
    int clipped = 0;
    for (double v : cpu) clipped += v == 0 ? 1 : 0;
    assertTrue(clipped > 0 && clipped < cpu.length, "the case must clip some outputs and keep others");
  }

  /**
   * Conv2d directly followed by ReLU, trained: the convolution's forward is the fused call, the ReLU its own kernel
   * (a recorded ReLU needs its own node for the gradient), and the output and every gradient equal the CPU's.
   */
  @Test
  void convolutionThenReluTrainsLikeTheCpu() {
    double[][] want = null;
    List<Device> devices = new ArrayList<>(List.of(CPU));
    devices.addAll(TestDevice.usableAccelerators());
    for (Device d : devices) {
      Generator.manualSeed(5);
      try (Layer net = new Sequential(new Conv2d(2, 4, 3, ConvOptions.padding(1)), new ReLU(),
          new Conv2d(4, 3, 3, ConvOptions.padding(1).stride(2)), new ReLU())) {
        net.to(d);
        Random r = new Random(9);
        double[] xv = uniform(r, 2 * 2 * 6 * 6, -1, 1);
        Tensor x = on(d, xv, DType.FLOAT32, true, 2, 2, 6, 6);
        DeviceStats before = d.stats();
        Tensor y = net.forward(x);
        DeviceStats forward = d.stats().minus(before);
        if (d != CPU) {
          assertEquals(2, forward.vendorCalls(), "one fused call per convolution: " + forward.line());
          assertEquals(2, forward.launches(), "one kernel per ReLU: " + forward.line());
        }
        y.backward(on(d, uniform(new Random(4), (int) y.numel(), -1, 1), DType.FLOAT32, false, y.shape()));
        List<Tensor> params = net.parameters();
        double[][] got = new double[params.size() + 2][];
        got[0] = read(y, d);
        got[1] = read(x.grad(), d);
        for (int i = 0; i < params.size(); i++) got[i + 2] = read(params.get(i).grad(), d);
        if (want == null) {
          want = got;
          continue;
        }
        String[] names = {"y", "dx", "conv1 dw", "conv1 db", "conv2 dw", "conv2 db"};
        close(want[0], y, DType.FLOAT32, names[0]);
        close(want[1], x.grad(), DType.FLOAT32, names[1]);
        for (int i = 0; i < params.size(); i++) close(want[i + 2], params.get(i).grad(), DType.FLOAT32, names[i + 2]);
      }
    }
  }
}
