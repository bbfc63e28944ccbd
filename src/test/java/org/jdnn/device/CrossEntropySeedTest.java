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
}
