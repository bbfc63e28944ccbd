package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * Where a tensor's memory lives and its ops run. This version ships the CPU backend; the CUDA
 * backend is loaded at run time by a later release, so {@link #best()} is the CPU today.
 */
public final class Device {
  private static final Device CPU = new Device(0, "cpu");

  final int code;
  private final String name;

  private Device(int code, String name) {
    this.code = code;
    this.name = name;
  }

  public static Device cpu() {
    return CPU;
  }

  /** The fastest usable device: a usable GPU when a CUDA backend is present, else the CPU. */
  public static Device best() {
    return CPU;
  }

  /** Threads the CPU backend uses for GEMM and large element-wise ops. */
  public static int cpuThreads() {
    return JdnnNative.cpu_num_threads();
  }

  /** Sets the CPU backend's thread count (default: the available processors, or JDNN_NUM_THREADS). */
  public static void setCpuThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("CPU thread count must be >= 1, got " + n);
    JdnnNative.cpu_set_num_threads(n);
  }

  /** The SGEMM kernel chosen for this CPU at run time: avx512, avx2 or generic. */
  public static String cpuGemmKernel() {
    return JdnnNative.cpu_gemm_kernel();
  }

  /** Bytes held by live tensors on this device. */
  public long bytesInUse() {
    return JdnnNative.memory_bytes_in_use(code);
  }

  /** Freed bytes the device's caching allocator keeps for reuse. */
  public long bytesCached() {
    return JdnnNative.memory_bytes_cached(code);
  }

  /** Returns cached blocks to the system. */
  public void releaseCached() {
    JdnnNative.memory_release_cached(code);
  }

  @Override
  public String toString() {
    return name;
  }
}
