package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tensor.prefetchTo on cuda-emu: the copy runs on the copy stream, and whatever uses the result
 * first (a download, an op, a free) is ordered after it on the device; staging buffers are
 * reused; freeing the staging returns the copy stream's events too.
 */
class PrefetchToTest {
  private static final Device EMU = Device.cudaEmulated();
  private static final int CHUNK = 1000; // bytes: chunks split floats
  private static final long DEFAULT_CHUNK = 64L << 20;

  private static void setChunk(long bytes) {
    NativeErrors.check(JdnnNative.device_set_option(EMU.code, "copy_chunk_bytes", bytes));
  }

  private static long pinnedBytes() {
    return stat("pinned_bytes");
  }

  private static long stat(String key) {
    return (long) NativeErrors.statistic(JdnnNative.device_stat(EMU.code, key));
  }

  @AfterEach
  void restoreChunk() {
    setChunk(DEFAULT_CHUNK);
  }

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = i * 0.5f - 7;
    return v;
  }

  @Test
  void theFirstUseWaitsForTheCopyOnTheDevice() {
    float[] values = ramp(1000);
    try (Tensor host = Tensor.of(values, 1000)) {
      DeviceStats before = EMU.stats();
      try (Tensor d = host.prefetchTo(EMU)) {
        DeviceStats up = EMU.stats().minus(before);
        assertEquals(4000, up.h2dBytes(), up.line());
        assertEquals(0, up.syncs(), "queuing the copy waits for nothing: " + up.line());
        assertArrayEquals(values, d.toFloatArray(), 0.0f);  // the download is ordered after the copy
      }
      try (Tensor d = host.prefetchTo(EMU); Tensor twice = d.add(d)) {  // an op first
        float[] got = twice.toFloatArray();
        for (int i = 0; i < values.length; i++) assertEquals(values[i] * 2, got[i], 0.0f, "element " + i);
      }
      // On the CPU, and to the tensor's own device, it is to(): the tensor itself.
      assertSame(host, host.prefetchTo(Device.cpu()));
    }
  }

  @Test
  void aTensorFreedBeforeItsCopyRanDoesNotSpoilTheNextUserOfItsBlock() {
    float[] values = ramp(1000);
    try (Tensor host = Tensor.of(values, 1000)) {
      for (int k = 0; k < 20; k++) {
        host.prefetchTo(EMU).close();  // the block goes back to the cache before any sync ran the copy
        // The same size, so that block, written on the compute stream; then both streams are run.
        try (Tensor zerosHere = Tensor.zeros(DType.FLOAT32, 1000); Tensor zeros = zerosHere.to(EMU)) {
          EMU.synchronize();
          float[] got = zeros.toFloatArray();
          for (int i = 0; i < got.length; i++) assertEquals(0.0f, got[i], 0.0f, "round " + k + ", element " + i);
        }
      }
    }
  }

  @Test
  void chunkedUploadsReuseTheStagingBuffersAndFreeingThemFreesTheEvents() {
    setChunk(CHUNK);
    assertEquals(0, pinnedBytes(), "setting the chunk frees the staging buffers");
    int n = 2_501; // 10,004 bytes: 11 chunks, the last one partial
    float[] values = ramp(n);
    try (Tensor host = Tensor.of(values, n)) {
      for (int k = 0; k < 30; k++) {
        try (Tensor d = host.prefetchTo(EMU)) {
          if (k % 10 == 0) assertArrayEquals(values, d.toFloatArray(), 0.0f, "upload " + k);
        }
      }
      long pinned = pinnedBytes();
      assertTrue(pinned > 0 && pinned <= 5L * CHUNK, "30 uploads of 11 chunks hold " + pinned + " pinned bytes");
      // Each tensor's event went back to the pool when it was used: one of them and the compute mark.
      assertEquals(1, stat("copy_streams"));
      assertEquals(2, stat("copy_events"));
      try (Tensor held = host.prefetchTo(EMU)) {
        setChunk(CHUNK);  // an upload still to be awaited keeps the stream and its event
        assertEquals(1, stat("copy_streams"));
        assertEquals(2, stat("copy_events"));
        assertArrayEquals(values, held.toFloatArray(), 0.0f);
      }
    }
    setChunk(CHUNK);  // frees the staging buffers, the copy stream and its events after waiting for both streams
    assertEquals(0, pinnedBytes());
    assertEquals(0, stat("copy_streams"));
    assertEquals(0, stat("copy_events"));
    try (Tensor host = Tensor.of(values, n); Tensor d = host.prefetchTo(EMU)) {
      assertArrayEquals(values, d.toFloatArray(), 0.0f, "uploads work again after the staging was freed");
    }
  }

  @Test
  void deviceSynchronizeAlsoWaitsForTheCopyStream() {
    float[] values = ramp(64);
    try (Tensor host = Tensor.of(values, 64); Tensor d = host.prefetchTo(EMU)) {
      DeviceStats before = EMU.stats();
      EMU.synchronize();
      assertEquals(1, EMU.stats().minus(before).syncs(), "one host wait for both streams");
      assertArrayEquals(values, d.toFloatArray(), 0.0f);
    }
  }
}
