package org.jdnn.device;

import static org.jdnn.device.LossParityTest.handle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceStats;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.NativeCalls;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Errors an op finds in its data on a GPU (cuda/device_errors.h): recorded on the device without a
 * host wait, raised at the next synchronizing call with the op, position and value the CPU names,
 * and never lost.
 */
class DeviceErrorsTest {
  private static final Device CPU = Device.cpu();
  private static final String LATER = "raised at the next synchronization: ";

  private static DeviceStats across(Device dev, Runnable work) {
    DeviceStats before = dev.stats();
    work.run();
    return dev.stats().minus(before);
  }

  /** Logits (4, 10) and labels with 12 at rows 1 and 3 (the first, row 1, must be named). */
  private static Tensor[] badBatch(Device dev) {
    Tensor x = Tensor.of(new float[40], 4, 10).to(dev);
    Tensor y = Tensor.ofInts(new int[] {0, 12, 2, 12}).to(dev);
    return new Tensor[] {x, y};
  }

  private static final String BAD_LABEL = "cross_entropy: label 12 at index 1 is outside [0, 10) for 10 classes";

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aBadLabelIsRaisedAtTheNextSynchronizationWithOpPositionAndValue(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      Tensor[] b = badBatch(dev);
      dev.synchronize();
      Tensor[] loss = new Tensor[1];
      DeviceStats op = across(dev, () -> loss[0] = LossOps.crossEntropy(b[0], b[1], "CrossEntropyLoss"));
      assertEquals(0, op.syncs(), "the op does not wait for the device: " + op.line());
      // The next read of any tensor raises it, worded as on the CPU.
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> loss[0].item());
      assertTrue(e.getMessage().startsWith(BAD_LABEL), e.getMessage());
      assertTrue(e.getMessage().endsWith(LATER + "a copy to the host)"), e.getMessage());
      IndexOutOfBoundsException cpu = assertThrows(IndexOutOfBoundsException.class,
          () -> LossOps.crossEntropy(b[0].to(CPU), b[1].to(CPU), "CrossEntropyLoss"));
      assertEquals("CrossEntropyLoss: " + BAD_LABEL, cpu.getMessage(), "the CPU raises at once");
      // Raised once: the record is empty again and the device works.
      dev.checkErrors();
      assertEquals(3.0f, Tensor.of(new float[] {1, 3}).to(dev).toFloatArray()[1]);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aBadLabelInTheBackwardIsRaisedByCheckErrors(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      Tensor probs = Tensor.of(new float[12], 4, 3).to(dev);
      Tensor y = Tensor.ofLongs(new long[] {0, 1, -5, 2}).to(dev);
      Tensor dloss = Tensor.of(new float[] {1}).to(dev);
      NativeCalls.check(JdnnNative.op_cross_entropy_backward(handle(probs), handle(y), handle(dloss), handle(probs)));
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, dev::checkErrors);
      assertEquals("cross_entropy_backward: label -5 at index 2 is outside [0, 3) for 3 classes (found on the device by"
          + " that op and " + LATER + "Device.checkErrors())", e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aBadIndexIsRaisedBySynchronize(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      Tensor src = Tensor.of(new double[6], 3, 2).to(dev);
      Tensor index = Tensor.ofInts(new int[] {0, 2, 7, 1, -1}).to(dev);
      dev.synchronize();
      DeviceStats op = across(dev, () -> MemoryOps.gatherRows(src, index));
      assertEquals(0, op.syncs(), op.line());
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, dev::synchronize);
      assertEquals("gather_rows: index 7 at position 2 is outside [0, 3) (found on the device by that op and " + LATER
          + "Device.synchronize())", e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aBadPoolingIndexIsRaisedAtTheNextSynchronization(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      // dy (1, 2, 2, 2) into dx (1, 2, 4, 4): element 5 points outside the 4x4 plane.
      Tensor dy = Tensor.of(new float[8], 1, 2, 2, 2).to(dev);
      Tensor idx = Tensor.ofLongs(new long[] {0, 1, 2, 3, 4, 16, 6, 99}).reshape(1, 2, 2, 2).to(dev);
      Tensor dx = Tensor.empty(DType.FLOAT32, dev, 1, 2, 4, 4);
      NativeCalls.check(JdnnNative.op_max_pool2d_backward(handle(dy), handle(idx), handle(dx)));
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> dx.toFloatArray());
      assertTrue(e.getMessage().startsWith("max_pool2d_backward: index 16 at output 5 is outside the 4x4 input plane"),
          e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void theFirstErrorWinsAndLaterOnesAreNotRaisedAfterIt(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      Tensor src = Tensor.of(new double[6], 3, 2).to(dev);
      // The later op's bad position (0) is smaller than the earlier op's (1): the earlier op still wins.
      Tensor late = Tensor.ofInts(new int[] {9, 1}).to(dev);
      Tensor early = Tensor.ofInts(new int[] {0, 5}).to(dev);
      MemoryOps.gatherRows(src, early);
      MemoryOps.gatherRows(src, late);
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, dev::checkErrors);
      assertTrue(e.getMessage().startsWith("gather_rows: index 5 at position 1 is outside [0, 3)"), e.getMessage());
      dev.checkErrors();  // the record was cleared with the raise
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void closingTheTensorsAndScopesDoesNotLoseTheError(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope s = new TensorScope()) {
      Tensor[] b = badBatch(dev);
      LossOps.crossEntropy(b[0], b[1], "CrossEntropyLoss");
    }  // every tensor of the failing op is closed here
    // Other work in between does not clear it either; another thread's synchronization raises it.
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2}).to(dev);
      x.add(x);
    }
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread other = new Thread(() -> {
      try {
        dev.synchronize();
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    other.start();
    try {
      other.join();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertTrue(thrown.get() instanceof IndexOutOfBoundsException, String.valueOf(thrown.get()));
    assertTrue(thrown.get().getMessage().startsWith(BAD_LABEL), thrown.get().getMessage());
  }

  @Test
  void checkErrorsDoesNotWaitWhenNoCheckingOpRan() {
    Device dev = Device.cudaEmulated();
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2}).to(dev);
      dev.checkErrors();
      DeviceStats d = across(dev, () -> {
        x.add(x);
        dev.checkErrors();
      });
      assertEquals(0, d.syncs(), "no op that checks its data ran: " + d.line());
      Tensor y = Tensor.ofInts(new int[] {1, 0}).to(dev);
      MemoryOps.gatherRows(x.reshape(2, 1), y);
      DeviceStats checked = across(dev, dev::checkErrors);
      assertEquals(1, checked.syncs(), "a gather ran: one wait to read the record: " + checked.line());
    }
  }

  @Test
  void theCpuRaisesAtOnceAndCheckErrorsDoesNothing() {
    try (TensorScope s = new TensorScope()) {
      Tensor src = Tensor.of(new double[6], 3, 2);
      Tensor index = Tensor.ofInts(new int[] {0, 7});
      assertThrows(IndexOutOfBoundsException.class, () -> MemoryOps.gatherRows(src, index));
      CPU.checkErrors();
    }
  }
}
