package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.MSELoss;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * Ops given tensors on two devices fail in Java with a message naming the op and both devices,
 * before any native code runs; the JVM and the CPU stay usable. Layer.to(Device) moves a model.
 */
class DeviceMismatchTest {
  private static final Device EMU = Device.cudaEmulated();

  private static void assertMismatch(String op, Supplier<?> call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
    String m = e.getMessage();
    assertTrue(m.startsWith(op + ": tensors on different devices: "), m);
    assertTrue(m.contains("cpu") && m.contains("cuda-emu"), m);
    assertTrue(m.contains("Tensor.to(device)"), m);
  }

  @Test
  void elementwiseMatmulAndLossesNameBothDevices() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      Tensor b = a.to(EMU);
      assertMismatch("add", () -> a.add(b));
      assertMismatch("mul", () -> b.mul(a));
      assertMismatch("matmul", () -> a.matmul(b));
      Tensor batched = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2);
      Tensor batchedOnEmu = batched.to(EMU);
      assertMismatch("bmm", () -> batched.bmm(batchedOnEmu));
      assertMismatch("MSELoss", () -> new MSELoss().compute(a, b));
      Tensor labels = Tensor.ofInts(new int[] {0, 1}).to(EMU);
      assertMismatch("CrossEntropyLoss", () -> new CrossEntropyLoss().compute(a, labels));
      Tensor index = Tensor.ofInts(new int[] {1, 0}).to(EMU);
      assertMismatch("gatherRows", () -> MemoryOps.gatherRows(a, index));
      assertMismatch("concat", () -> ConcatOps.concat(0, "concat", a, b));
      Tensor leaf = Tensor.of(new float[] {1, 2}).requiresGrad(true);
      Tensor seed = Tensor.of(new float[] {1, 1}).to(EMU);
      assertMismatch("backward", () -> {
        leaf.backward(seed);
        return null;
      });
    }
  }

  @Test
  void layersRejectAnInputOnAnotherDevice() {
    try (TensorScope s = new TensorScope();
        Linear lin = new Linear(2, 3);
        Conv2d conv = new Conv2d(1, 2, 3);
        BatchNorm2d bn = new BatchNorm2d(1)) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(EMU);
      assertMismatch("Linear(2 -> 3)", () -> lin.forward(x));
      Tensor img = Tensor.zeros(1, 1, 4, 4).to(EMU);
      assertMismatch(conv.describe(), () -> conv.forward(img));
      assertMismatch(bn.describe(), () -> bn.forward(img));
    }
  }

  @Test
  void stateCopiesCrossDevicesSoWeightsLoadIntoAMovedModel() {
    try (TensorScope s = new TensorScope()) {
      Tensor host = Tensor.of(new double[] {1.5, -2, 3});
      Tensor dev = Tensor.empty(DType.FLOAT32, EMU, 3);
      MemoryOps.copy(host, dev);
      assertArrayEquals(new float[] {1.5f, -2, 3}, dev.toFloatArray());
      Tensor back = Tensor.zeros(DType.FLOAT64, 3);
      MemoryOps.copy(dev, back);
      assertArrayEquals(new double[] {1.5, -2, 3}, back.toDoubleArray());
    }
  }

  @Test
  void weightsSavedFromTheDeviceLoadIntoAModelOnEitherDevice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path file = dir.resolve("bn.safetensors");
    try (BatchNorm2d saved = new BatchNorm2d(3); BatchNorm2d onCpu = new BatchNorm2d(3); BatchNorm2d onDev = new BatchNorm2d(3)) {
      saved.to(EMU);
      MemoryOps.fill(saved.namedParameters().get("weight"), 2.5);
      org.jdnn.io.ModelFile.saveWeights(file, saved);
      onDev.to(EMU);
      org.jdnn.io.ModelFile.loadWeights(file, onCpu);
      org.jdnn.io.ModelFile.loadWeights(file, onDev);
      assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, onCpu.namedParameters().get("weight").toFloatArray());
      assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, onDev.namedParameters().get("weight").toFloatArray());
      assertSame(EMU, onDev.device());
    }
  }

  @Test
  void optimizerStepRejectsAGradientOnAnotherDevice() {
    try (TensorScope s = new TensorScope()) {
      Tensor p = Tensor.of(new float[] {1, 2});
      Tensor g = Tensor.of(new float[] {0.5f, 0.5f}).to(EMU);
      assertMismatch("SGD", () -> {
        OptimOps.sgd(p, g, null, 0.1, 0, 0, 0, false, true);
        return null;
      });
      assertArrayEquals(new float[] {1, 2}, p.toFloatArray(), "a rejected step leaves the parameter as it was");
    }
  }

  @Test
  void cpuStaysUsableAfterRejections() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.of(new float[] {1, 2});
      Tensor b = a.to(EMU);
      for (int i = 0; i < 3; i++) assertThrows(IllegalArgumentException.class, () -> a.sub(b));
      assertArrayEquals(new float[] {2, 4}, a.add(a).toFloatArray());
      assertArrayEquals(new float[] {1, 2}, b.to(Device.cpu()).toFloatArray());
    }
  }

  @Test
  void moduleToMovesParametersAndBuffersInPlace() {
    try (Sequential model = new Sequential(new Linear(3, 4, true, new Generator(7)), new ReLU(), new BatchNorm2d(2))) {
      Tensor oldWeight = model.namedParameters().get("0.weight");
      float[] weight = oldWeight.toFloatArray();
      assertSame(Device.cpu(), model.device());
      assertSame(model, model.to(EMU));
      assertTrue(oldWeight.isClosed(), "the CPU copy is freed");
      assertSame(EMU, model.device());
      for (Tensor t : model.namedParameters().values()) {
        assertSame(EMU, t.device());
        assertTrue(t.requiresGrad());
      }
      for (Tensor t : model.namedBuffers().values()) assertSame(EMU, t.device());
      assertEquals(DType.INT64, model.namedBuffers().get("2.num_batches_tracked").dtype());
      assertArrayEquals(weight, model.namedParameters().get("0.weight").toFloatArray());
      model.to(Device.cpu());
      assertSame(Device.cpu(), model.device());
      assertArrayEquals(weight, model.namedParameters().get("0.weight").toFloatArray());
    }
  }

  @Test
  void optimizerOverClosedParametersOfAMovedModelFailsCleanly() {
    try (Linear lin = new Linear(2, 2)) {
      SGD stale = new SGD(List.of(lin.weight()), 0.1);
      lin.to(EMU);
      lin.weight().zeroGrad();
      assertThrows(IllegalStateException.class, stale::step, "create the optimizer after moving the model");
    }
  }

  @Test
  void defaultDeviceScopePlacesLayersAndRestores() {
    try (Device.DefaultScope d = Device.useDefault(EMU); BatchNorm2d bn = new BatchNorm2d(3)) {
      assertSame(EMU, bn.device());
      assertArrayEquals(new float[] {1, 1, 1}, bn.namedParameters().get("weight").toFloatArray());
    }
    assertSame(Device.cpu(), Device.defaultDevice());
  }
}
