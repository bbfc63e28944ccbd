package org.jdnn.device;

import static org.jdnn.device.Parity.CPU;
import static org.jdnn.device.Parity.close;
import static org.jdnn.device.Parity.on;
import static org.jdnn.device.Parity.read;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ConvCase;
import org.jdnn.testing.ScopedTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Conv2d's forward with its bias fused (cuda/conv.cu): on float32 one cudnnConvolutionBiasActivationForward with the
 * identity activation where it used cudnnConvolutionForward then cudnnAddTensor; float64 keeps the two calls. The
 * counts are the emulation's (Device.stats()); the values and gradients are compared with the CPU's.
 */
@ExtendWith(ScopedTensors.class)
class FusedConvTest {
  private static final Device EMU = Parity.emu();

  private record Expect(ConvCase cfg, DType dt, int vendorCalls, int launches, String why) {}

  @Test
  void forwardWithABiasIsOneVendorCallOnFloat32() {
    ConvCase pad1 = new ConvCase("3x3 pad 1", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true);
    ConvCase noBias = new ConvCase("3x3 pad 1 no bias", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false);
    ConvCase asym = new ConvCase("asymmetric", 1, 2, 5, 6, 2, 3, 2, 1, 1, 2, 0, 1, 1, 1, 1, 1, true);
    ConvCase mixed = new ConvCase("groups, dilation, stride", 2, 4, 8, 7, 2, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2, true);
    List<Expect> cases = List.of(
        new Expect(pad1, DType.FLOAT32, 1, 0, "the fused call alone"),
        new Expect(mixed, DType.FLOAT32, 1, 0, "the fused call alone"),
        new Expect(asym, DType.FLOAT32, 1, 1, "the pad kernel, then the fused call"),
        new Expect(noBias, DType.FLOAT32, 1, 0, "no bias: the plain convolution"),
        new Expect(pad1, DType.FLOAT64, 2, 0, "float64: the convolution, then cudnnAddTensor"));
    for (Expect e : cases) {
      Random r = new Random(e.cfg.name.hashCode());
      double[] x = uniform(r, e.cfg.n * e.cfg.c * e.cfg.h * e.cfg.w, -1, 1);
      double[] w = uniform(r, e.cfg.wsize(), -1, 1);
      double[] b = uniform(r, e.cfg.cout, -1, 1);
      Tensor want = e.cfg.run(on(CPU, x, e.dt, false, e.cfg.xShape()), on(CPU, w, e.dt, false, e.cfg.wShape()),
          e.cfg.bias ? on(CPU, b, e.dt, false, e.cfg.cout) : null);
      Tensor xt = on(EMU, x, e.dt, false, e.cfg.xShape());
      Tensor wt = on(EMU, w, e.dt, false, e.cfg.wShape());
      Tensor bt = e.cfg.bias ? on(EMU, b, e.dt, false, e.cfg.cout) : null;
      e.cfg.run(xt, wt, bt).close();  // the first call searches algorithms; the second is the steady one
      DeviceStats before = EMU.stats();
      Tensor got = e.cfg.run(xt, wt, bt);
      DeviceStats d = EMU.stats().minus(before);
      String what = e.cfg.name + " " + e.dt + " (" + e.why + "): " + d.line();
      assertEquals(e.vendorCalls, d.vendorCalls(), what);
      assertEquals(e.launches, d.launches(), what);
      close(read(want, CPU), got, e.dt, what);
    }
  }

  /**
   * Conv2d directly followed by ReLU, trained: the convolution's forward is the fused call, the ReLU its own kernel
   * (jdnn's ReLU keeps NaN; see conv.cu), and the output and every gradient equal the CPU's.
   */
  @Test
  void convolutionThenReluTrainsLikeTheCpu() {
    double[][] want = null;
    for (Device d : new Device[] {CPU, EMU}) {
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
        if (d == EMU) {
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
