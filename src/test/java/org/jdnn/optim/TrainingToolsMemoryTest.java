package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.nn.ActivityL1;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.schedule.CosineAnnealingLR;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * A training loop using every tool of this package (groups, AdamW with AMSGrad, penalties,
 * clipping, a schedule) allocates its optimizer state once and nothing per step; closing the
 * optimizer and the model returns native memory to where it started.
 */
class TrainingToolsMemoryTest {
  @Test
  void stepsAllocateNothingAndCloseFreesTheState() {
    Device cpu = Device.cpu();
    long start = cpu.bytesInUse();
    Sequential net = new Sequential(new ActivityL1(new Linear(16, 32, true, new Generator(5)), 1e-3), new ReLU(),
        new Linear(32, 4, true, new Generator(6)));
    AdamW opt = new AdamW(ParamGroups.decayAndNoDecay(net.parameters(), 0.01), 1e-2).amsgrad(true);
    CosineAnnealingLR schedule = new CosineAnnealingLR(opt, 300, 0, 20, 0.1);
    double firstLoss = step(net, opt, schedule);
    long afterFirst = cpu.bytesInUse();
    double lastLoss = 0;
    for (int i = 0; i < 300; i++) lastLoss = step(net, opt, schedule);
    assertEquals(afterFirst, cpu.bytesInUse(), "bytes in use after 300 more steps");
    assertTrue(lastLoss < firstLoss, "the loop trains: " + firstLoss + " -> " + lastLoss);
    opt.close();
    net.close();
    assertEquals(start, cpu.bytesInUse(), "optimizer state, parameters and gradients are freed");
  }

  private static double step(Sequential net, Optimizer opt, CosineAnnealingLR schedule) {
    try (TensorScope s = new TensorScope()) {
      float[] x = new float[8 * 16], y = new float[8 * 4];
      for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i);
      for (int i = 0; i < y.length; i++) y[i] = (float) Math.cos(0.11 * i);
      opt.zeroGrad();
      Tensor diff = net.forward(Tensor.of(x, 8, 16)).sub(Tensor.of(y, 8, 4));
      Tensor loss = diff.square().mean()
          .add(Regularization.l2(List.of(net.parameters().get(0)), 1e-4))
          .add(ActivityL1.totalPenalty(net));
      loss.backward();
      GradClip.byNorm(net.parameters(), 1.0);
      GradClip.byValue(net.parameters(), 0.5);
      opt.step();
      schedule.step();
      return loss.item();
    }
  }
}
