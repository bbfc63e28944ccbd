package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Host-device copies larger than the staging chunk (cuda-emu with the chunk lowered): every byte
 * arrives, each download chunk waits once, and the pinned staging memory stays within the chunks
 * instead of growing to the tensor's size.
 */
class ChunkedCopyTest {
  private static final Device EMU = Device.cudaEmulated();
  private static final int CHUNK = 1000; // bytes: not a multiple of 4, so chunks split floats
  private static final long DEFAULT_CHUNK = 64L << 20;

  private static void setChunk(long bytes) {
    NativeErrors.check(JdnnNative.device_set_option(EMU.code, "copy_chunk_bytes", bytes));
  }

  private static long pinnedBytes() {
    return (long) NativeErrors.statistic(JdnnNative.device_stat(EMU.code, "pinned_bytes"));
  }

  @AfterEach
  void restoreChunk() {
    setChunk(DEFAULT_CHUNK);
  }

  @Test
  void uploadAndDownloadSpanningManyChunksAreExact() {
    setChunk(CHUNK);
    assertEquals(0, pinnedBytes(), "setting the chunk frees the staging buffers");
    int n = 10_007; // 40,028 bytes: 41 chunks, the last one partial
    float[] data = new float[n];
    for (int i = 0; i < n; i++) data[i] = Float.intBitsToFloat(0x3f800000 + i * 37);
    long chunks = (4L * n + CHUNK - 1) / CHUNK;
    DeviceStats before = EMU.stats();
    try (Tensor host = Tensor.of(data, n); Tensor t = host.to(EMU)) {
      DeviceStats up = EMU.stats().minus(before);
      assertEquals(4L * n, up.h2dBytes(), up.line());
      DeviceStats beforeDown = EMU.stats();
      float[] back = t.toFloatArray();
      DeviceStats down = EMU.stats().minus(beforeDown);
      assertArrayEquals(data, back);
      assertEquals(4L * n, down.d2hBytes(), down.line());
      assertEquals(chunks, down.syncs(), "one wait per download chunk: " + down.line());
      // Setting the chunk freed the staging buffers; now there are at most four upload buffers
      // and one download buffer of a chunk each, not one of the tensor's size.
      long pinned = pinnedBytes();
      assertTrue(pinned <= 5L * CHUNK, "staging holds " + pinned + " bytes for " + 4L * n + "-byte copies");
    }
  }

  @Test
  void chunkOptionIsCheckedAndEmulationOnly() {
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> setChunk(0));
    assertTrue(zero.getMessage().contains("copy_chunk_bytes"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> setChunk(DEFAULT_CHUNK + 1));
  }
}
