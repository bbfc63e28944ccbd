package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * loss.backward() of a cross-entropy loss hands its backward no tensor of ones (dloss 1 is the op's
 * null): the same gradient, bit for bit, as an explicit gradient of ones, and on a GPU no fill kernel.
 */
class CrossEntropySeedTest {

  private static double[] logitGradient(Device dev, DType dtype, boolean explicitOnes) {
    try (TensorScope s = new TensorScope(); Device.DefaultScope d = Device.useDefault(dev)) {
      double[] v = new double[6 * 5];
      for (int i = 0; i < v.length; i++) v[i] = Math.cos(1.7 * i) * 3;
      Tensor logits = Tensor.of(v, 6, 5).to(dtype).requiresGrad(true);
      Tensor labels = Tensor.ofInts(new int[] {0, 4, 2, 2, 1, 3}, 6);
      Tensor loss = LossOps.crossEntropy(logits, labels, "CrossEntropyLoss");
      if (explicitOnes) loss.backward(Tensor.ones(dtype));
      else loss.backward();
      return logits.grad().to(Device.cpu()).to(DType.FLOAT64).toDoubleArray();
    }
  }

  @Test
  void implicitSeedGivesTheGradientOfAnExplicitOne() {
    for (Device dev : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        assertArrayEquals(logitGradient(dev, dtype, true), logitGradient(dev, dtype, false), 0.0, dev + " " + dtype);
      }
    }
  }

  @Test
  void implicitSeedLaunchesOnlyTheBackwardKernel() {
    Device emu = Device.cudaEmulated();
    try (TensorScope s = new TensorScope(); Device.DefaultScope d = Device.useDefault(emu)) {
      Tensor logits = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(emu).requiresGrad(true);
      Tensor labels = Tensor.ofInts(new int[] {1, 0}, 2);
      Tensor loss = LossOps.crossEntropy(logits, labels, "CrossEntropyLoss");
      DeviceStats before = emu.stats();
      loss.backward();  // the cross-entropy backward writes logits.grad directly: one kernel, no fill of ones
      DeviceStats after = emu.stats().minus(before);
      emu.checkErrors();
      assertEquals(1, after.launches(), after.line());
    }
  }

  /**
   * The one-launch forward over several blocks (1,000 rows, 4 blocks of 256 threads): the thread
   * that finishes the last row, wherever it is, sums the rows in index order, so loss and
   * probabilities are the CPU's bit for bit (also under JDNN_EMU_MODES=shuffle-blocks), and a
   * second call finds the finish counter reset.
   */
  @Test
  void oneLaunchForwardOverManyBlocksIsTheCpusBitForBit() {
    int n = 1000, c = 7;
    double[] v = new double[n * c];
    int[] labels = new int[n];
    for (int i = 0; i < v.length; i++) v[i] = Math.sin(0.61 * i) * 4;
    for (int i = 0; i < n; i++) labels[i] = (i * 5) % c;
    Device emu = Device.cudaEmulated();
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (TensorScope s = new TensorScope()) {
        Tensor x = Tensor.of(v, n, c).to(dtype);
        Tensor y = Tensor.ofInts(labels, n);
        double cpu = LossOps.crossEntropy(x, y, "CrossEntropyLoss").to(DType.FLOAT64).toDoubleArray()[0];
        Tensor xd = x.to(emu), yd = y.to(emu);
        for (int call = 0; call < 2; call++) {
          Tensor loss = LossOps.crossEntropy(xd, yd, "CrossEntropyLoss");
          assertEquals(cpu, loss.to(Device.cpu()).to(DType.FLOAT64).toDoubleArray()[0], 0.0, dtype + " call " + call);
        }
        Tensor gx = x.requiresGrad(true), gxd = xd.requiresGrad(true);
        LossOps.crossEntropy(gx, y, "CrossEntropyLoss").backward();
        LossOps.crossEntropy(gxd, yd, "CrossEntropyLoss").backward();
        assertArrayEquals(gx.grad().to(DType.FLOAT64).toDoubleArray(),
            gxd.grad().to(Device.cpu()).to(DType.FLOAT64).toDoubleArray(), 0.0, dtype + " gradient (the probabilities)");
      }
    }
  }
}
