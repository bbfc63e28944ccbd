package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's upload staging (Context::upload_staging) under the strict emulation, where queued work keeps a
 * pinned buffer busy: an upload copies the caller's data into a pinned buffer and queues the transfer, which reads
 * the buffer when it runs. With compute queued ahead, the second to fourth uploads find every earlier buffer busy
 * (cudaEventQuery not ready) and take a new one, and the fifth finds all four busy and waits for the oldest. Had the
 * backend reused a busy buffer, an upload would overwrite data whose transfer had not run, and a tensor would hold
 * another's values: every tensor must come back with its own.
 */
class UploadStagingTest {
  private static final Device EMU = Device.cudaEmulated();

  @Test
  void uploadsBehindQueuedWorkKeepTheirOwnData() {
    List<Tensor> open = new ArrayList<>();
    try (Tensor base = Tensor.full(1, DType.FLOAT32, 256); Tensor onDevice = base.to(EMU)) {
      onDevice.toFloatArray();  // synchronizes: only the work below is queued
      Tensor sum = onDevice;
      for (int i = 0; i < 20; i++) {  // queued, not run: nothing reads it back yet
        sum = sum.add(onDevice);
        open.add(sum);
      }
      List<Tensor> uploads = new ArrayList<>();
      for (int k = 0; k < 6; k++) {
        try (Tensor host = Tensor.full(100 + k, DType.FLOAT32, 64)) {
          Tensor t = host.to(EMU);
          open.add(t);
          uploads.add(t);
        }
      }
      for (int k = 0; k < uploads.size(); k++) {
        float[] want = new float[64];
        java.util.Arrays.fill(want, 100 + k);
        assertArrayEquals(want, uploads.get(k).toFloatArray(), "upload " + k);
      }
      float[] total = new float[256];
      java.util.Arrays.fill(total, 21);
      assertArrayEquals(total, sum.toFloatArray(), "the queued sums");
    } finally {
      open.forEach(Tensor::close);
    }
  }
}
