package org.jdnn.tensor;

/**
 * What a CUDA device has done since its backend started, as counted by the backend itself (the
 * real one and the emulation alike): the figures that bound how fast a GPU can be fed. Take one
 * with {@link Device#stats()} before and after a stretch of work and {@link #minus} them for that
 * stretch's figures, e.g. one training step.
 *
 * <p>The CPU device has no kernels, vendor libraries, host waits or device memory of its own:
 * {@link Device#stats()} returns {@link #ZERO} there, and its own allocations are not counted.
 *
 * @param launches jdnn kernels launched (memsets and device-to-device copies are not kernels and
 *     are not counted)
 * @param vendorCalls cuBLAS and cuDNN calls that queue work on the device (GEMMs, convolutions,
 *     softmax, batch norm, bias and tensor adds, cuDNN's algorithm searches); calls that only
 *     create, set or query handles and descriptors on the host are not counted
 * @param syncs times the host waited for the device: stream and event synchronizations
 *     ({@link Device#checkErrors()} only when an op that checks its data ran), each download
 *     chunk, waits for a busy upload buffer, and the waits before cached blocks go back to the
 *     driver; implicit waits inside cuDNN's algorithm search or the driver's own calls are not
 *     counted. Data checks ({@code gather_rows}, cross-entropy and its accuracy count, max-pool
 *     backward, BCE's domain) wait for nothing: they are recorded on the device
 * @param deviceMallocs cudaMalloc calls made by the caching allocator (pinned host buffers are
 *     not counted); flat once a training loop's shapes repeat
 * @param h2dBytes bytes copied from the host to the device
 * @param d2hBytes bytes copied from the device to the host, with the reads of the device error
 *     record (48 bytes, at a download or synchronization after an op that checks its data)
 */
public record DeviceStats(
    long launches, long vendorCalls, long syncs, long deviceMallocs, long h2dBytes, long d2hBytes) {

  /** All counters zero: what the CPU device reports. */
  public static final DeviceStats ZERO = new DeviceStats(0, 0, 0, 0, 0, 0);

  /**
   * The counts between an earlier snapshot and this one.
   *
   * @param earlier a snapshot of the same device taken before this one
   * @return this minus {@code earlier}, field by field
   * @throws IllegalArgumentException when a field of {@code earlier} is larger (the snapshots are
   *     of different devices or in the wrong order)
   */
  public DeviceStats minus(DeviceStats earlier) {
    DeviceStats d = new DeviceStats(launches - earlier.launches, vendorCalls - earlier.vendorCalls,
        syncs - earlier.syncs, deviceMallocs - earlier.deviceMallocs, h2dBytes - earlier.h2dBytes,
        d2hBytes - earlier.d2hBytes);
    if (d.launches < 0 || d.vendorCalls < 0 || d.syncs < 0 || d.deviceMallocs < 0 || d.h2dBytes < 0
        || d.d2hBytes < 0) {
      throw new IllegalArgumentException(
          "DeviceStats.minus: the earlier snapshot " + earlier + " has a count above this one's " + this
              + "; subtract a snapshot of the same device taken before this one");
    }
    return d;
  }

  /**
   * The counters as one line, in the order and names of the benchmark's step lines.
   *
   * @return {@code launches=N vendor_calls=N syncs=N device_mallocs=N h2d_bytes=N d2h_bytes=N}
   */
  public String line() {
    return "launches=" + launches + " vendor_calls=" + vendorCalls + " syncs=" + syncs + " device_mallocs="
        + deviceMallocs + " h2d_bytes=" + h2dBytes + " d2h_bytes=" + d2hBytes;
  }
}
