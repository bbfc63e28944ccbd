package org.jdnn.tensor;

import static org.jdnn.testing.OpTestSupport.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.Test;

/** Each kind of native failure reaches Java as its one exception type, raised by the native code itself. */
class NativeErrorsTest {
  @Test
  void aWrongArgumentIsAnIllegalArgumentException() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 3);
      int status = JdnnNative.op_matmul(a.h(), a.h(), b.h(), false, true, 1, 0);
      assertEquals(NativeErrors.Kind.ARGUMENT.ordinal(), status);
      assertMentions(assertThrows(IllegalArgumentException.class, () -> NativeErrors.check(status)), "matmul");
    }
  }

  @Test
  void anIndexOutOfRangeIsAnIndexOutOfBoundsException() {
    try (TensorScope s = new TensorScope()) {
      Tensor src = Tensor.zeros(3, 2), dst = Tensor.zeros(2, 2), index = Tensor.ofInts(new int[] {0, 7});
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
          () -> NativeErrors.check(JdnnNative.tensor_gather_rows(src.h(), index.h(), dst.h())));
      assertMentions(e, "gather_rows: index 7 at position 1");
    }
  }

  @Test
  void aClosedTensorIsAnIllegalStateException() {
    Tensor t = Tensor.zeros(2);
    long handle = t.h();
    t.close();
    assertEquals(NativeErrors.Kind.CLOSED.ordinal(), JdnnNative.tensor_fill(handle, 1));
    assertMentions(assertThrows(IllegalStateException.class,
        () -> NativeErrors.check(JdnnNative.tensor_fill(handle, 1))), "closed");
  }

  @Test
  void aDeviceWithoutItsBackendIsADeviceException() {
    assumeFalse(Device.cudaAvailable(), "the CUDA backend is loaded on this machine");
    DeviceException e =
        assertThrows(DeviceException.class, () -> NativeErrors.check(JdnnNative.device_synchronize(Device.CUDA_CODE)));
    assertMentions(e, "cuda", "no backend loaded");
  }

  @Test
  void memoryTheHostCannotGiveIsADeviceOutOfMemoryException() {
    // 2^40 float64 elements (8 TiB): within jdnn's element limit, beyond any host.
    long[] shape = {1L << 20, 1L << 20};
    DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
        () -> NativeErrors.handle(JdnnNative.tensor_new(DType.FLOAT64.code, Device.CPU_CODE, shape, 2)));
    assertMentions(e, "out of host memory");
  }

  @Test
  void aLibraryThatCannotLoadIsAVendorLibraryException() {
    JdnnNative.load();
    assertThrows(VendorLibraryException.class,
        () -> NativeErrors.check(JdnnNative.device_preload_library("/nonexistent/libcudnn.so.9")));
  }

  @Test
  void successIsStatusZero() {
    try (TensorScope s = new TensorScope()) {
      Tensor t = Tensor.zeros(2);
      assertEquals(0, JdnnNative.tensor_fill(t.h(), 3));
      assertEquals(3.0, t.getDouble(1));
    }
  }
}
