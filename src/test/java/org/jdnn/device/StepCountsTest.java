package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.NarrowOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * Pins the step counters of W1's and W2's eager training step on cuda-emu (issue 13's targets, the
 * STEP lines of scripts/bench-gpu.sh --profile-steps): the models and the step are GpuBench's (data
 * set on the device, the batch's indices sliced from the epoch's order there, images and labels
 * gathered in one launch, Adam). A smaller batch than the bench's 128 keeps the emulation quick;
 * no count depends on the batch size. A change of a count fails here: if it is intended, update
 * the figures here and the table in docs/architecture.md ("Step counters").
 */
class StepCountsTest {
  private static final Device EMU = Device.cudaEmulated();
  private static final int BATCH = 16;
  private static final int ROWS = 4 * BATCH;

  /** The counters across the fourth step (Adam makes its state in step 1, step 2 re-allocates temporaries). */
  private static DeviceStats steadyStep(Layer model, int features) {
    float[] xs = new float[ROWS * features];
    int[] ys = new int[ROWS];
    int[] order = new int[ROWS];
    for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(0.37 * i);
    for (int i = 0; i < ROWS; i++) {
      ys[i] = (i * 7) % 10;
      order[i] = (i * 13) % ROWS;
    }
    try (Tensor x = Tensor.of(xs, ROWS, features).keep(); Tensor y = Tensor.ofInts(ys, ROWS).keep();
        Tensor onDevice = Tensor.ofInts(order, ROWS).keep(); Adam adam = new Adam(model.parameters(), 1e-3)) {
      CrossEntropyLoss loss = new CrossEntropyLoss();
      DeviceStats before = null;
      for (int step = 0; step < 4; step++) {
        if (step == 3) {
          EMU.synchronize();
          before = EMU.stats();
        }
        try (TensorScope s = new TensorScope()) {
          Tensor idx = NarrowOps.narrow(onDevice, 0, step * BATCH, BATCH);
          Tensor[] xy = MemoryOps.gatherRows(x, y, idx);
          adam.zeroGrad();
          loss.compute(model.forward(xy[0]), xy[1]).backward();
          adam.step();
        }
      }
      DeviceStats counted = EMU.stats().minus(before);
      EMU.synchronize();
      return counted;
    }
  }

  private static void assertNoWaitNoMallocNoUpload(DeviceStats d) {
    assertEquals(0, d.syncs(), d.line());
    assertEquals(0, d.deviceMallocs(), d.line());
    assertEquals(0, d.h2dBytes(), d.line());
    assertEquals(0, d.d2hBytes(), d.line());
  }

  @Test
  void w1StepIsSixteenLaunchesAndVendorCalls() {
    Generator.manualSeed(11);
    try (Device.DefaultScope scope = Device.useDefault(EMU);
        Layer w1 = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(), new Linear(256, 10))) {
      DeviceStats d = steadyStep(w1, 784);
      assertNoWaitNoMallocNoUpload(d);
      // gather, 2 ReLU, cross-entropy, its backward, 2 ReLU backward, Adam (docs/architecture.md's table)
      assertEquals(8, d.launches(), d.line());
      // 3 fused Linear forward, 3 weight+bias gradients, 2 input gradients
      assertEquals(8, d.vendorCalls(), d.line());
      assertTrue(d.launches() + d.vendorCalls() <= 16, "issue 13's target for W1: " + d.line());
    }
  }

  @Test
  void w2StepIsAtMostFortyLaunchesAndVendorCalls() {
    Generator.manualSeed(11);
    try (Device.DefaultScope scope = Device.useDefault(EMU);
        Layer w2 = new Sequential(new Reshape(1, 28, 28),
            new Conv2d(1, 32, 3, ConvOptions.padding(1)), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, ConvOptions.padding(1)), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.5), new Linear(128, 10))) {
      DeviceStats d = steadyStep(w2, 784);
      assertNoWaitNoMallocNoUpload(d);
      // gather; per convolution block batch norm's step count, ReLU, max pool; Linear's ReLU, dropout's
      // mask and apply; cross-entropy, its backward; dropout, 3 ReLU and 2 max-pool backward; Adam
      assertEquals(19, d.launches(), d.line());
      // per block the convolution with its bias (one fused cuDNN call), batch norm; 2 Linear; backward: 2 input and
      // 2 weight gradients of the Linears, per block batch norm, bias, filter gradient, and the second block's data
      // gradient
      assertEquals(17, d.vendorCalls(), d.line());
      assertTrue(d.launches() + d.vendorCalls() <= 40, "issue 13's target for W2: " + d.line());
    }
  }
}
