package org.jdnn.tensor;

import java.util.Objects;
import org.jdnn.bridge.JdnnNative;

/**
 * A CUDA graph: the ops one piece of code issues on a CUDA device, captured once and replayed as one
 * launch. The low-level half of jdnn's graph support (docs/architecture.md, "CUDA graphs");
 * {@code org.jdnn.train.StepGraph} captures whole training steps with it.
 *
 * <p>Capture runs the code once with the device's stream capturing: every op it issues is recorded,
 * not run, with its tensors' addresses and its host arguments as they are at the capture. {@link
 * #replay()} then runs the recorded ops again, in order, on those same tensors. Hence:
 *
 * <ul>
 *   <li>Inputs must sit in tensors allocated before the capture (static buffers); copy each new
 *       batch into them on the device before a replay. Outputs are written where the capture
 *       allocated them; keep those tensors open while the graph lives.
 *   <li>Host values read by the captured code are frozen. Ops that take a per-step host scalar refuse
 *       to be captured rather than replay a stale one: Adam, AdamW and AdaGrad (their step counts and
 *       bias corrections), Dropout in training mode (its random offset). SGD and RMSProp, whose
 *       arguments are constant from step to step, can be captured; so can BatchNorm (its counter
 *       lives on the device).
 *   <li>The captured code must not make the host wait for the device: no {@code item()}, no read
 *       of a tensor, no {@code Device.synchronize()} or {@code checkErrors()}. Such a wait fails
 *       with a message saying so, and the capture is abandoned.
 *   <li>No device memory may be obtained from the system during a capture (CUDA forbids it): run
 *       the code eagerly at least once first (a warm-up), so the caching allocator already holds
 *       every block. Blocks the captured ops use form the graph's private pool, which no other work
 *       gets while the graph lives; {@link #close()} returns them to the shared cache.
 * </ul>
 *
 * <p>Only {@link Device#cuda()} and {@link Device#cudaEmulated()} capture (the emulation records
 * and replays as CUDA does, and checks at each replay that the memory it recorded is still held).
 * One capture at a time per process; a graph is used from one thread at a time.
 */
public final class CudaGraph implements AutoCloseable {
  private static final Object CAPTURE = new Object();
  // Guarded by CAPTURE: the device capturing now, or null.
  private static Device capturing;

  private final Device device;
  private long handle;

  private CudaGraph(Device device, long handle) {
    this.device = device;
    this.handle = handle;
  }

  /**
   * Captures the ops {@code code} issues on {@code device} into a graph. The code runs once, but its
   * ops do not: nothing it computes is valid until the first {@link #replay()}.
   *
   * @param device the CUDA device whose ops are captured
   * @param code the code to capture, run once on this thread
   * @return the graph, to replay and then close
   * @throws DeviceException when {@code device} cannot capture (the CPU), when the code makes the
   *     host wait for the device, or needs fresh device memory; the capture is abandoned then
   * @throws IllegalStateException when a capture is under way already
   */
  public static CudaGraph capture(Device device, Runnable code) {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(code, "code");
    synchronized (CAPTURE) {
      if (capturing != null) {
        throw new IllegalStateException("CudaGraph.capture: a capture on " + capturing + " is under way; "
            + "captures cannot nest");
      }
      NativeErrors.check(JdnnNative.graph_begin(device.code));
      capturing = device;
    }
    boolean ended = false;
    try {
      code.run();
      ended = true;
      return new CudaGraph(device, end(device));
    } finally {
      if (!ended) abandon(device);
    }
  }

  private static long end(Device device) {
    synchronized (CAPTURE) {
      capturing = null;
      long h = JdnnNative.graph_end(device.code);
      if (h < 0) throw NativeErrors.lastError();
      return h;
    }
  }

  // After the captured code threw: ends the capture and drops what it made, keeping the code's error.
  private static void abandon(Device device) {
    synchronized (CAPTURE) {
      capturing = null;
      long h = JdnnNative.graph_end(device.code);
      if (h > 0) JdnnNative.graph_destroy(device.code, h);
    }
  }

  /**
   * Whether a capture is under way on {@code device}: ops that would capture a stale per-step host
   * value check it and refuse.
   *
   * @param device a device
   * @return true while {@link #capture} runs its code on that device
   */
  public static boolean isCapturing(Device device) {
    synchronized (CAPTURE) {
      return capturing != null && capturing.equals(device);
    }
  }

  /**
   * Throws when a capture is under way on {@code device}: for an op whose host arguments change from
   * step to step, so that a graph would replay stale ones.
   *
   * @param device the op's device
   * @param what the op and the value that would be frozen, for the message
   * @throws IllegalStateException when {@code device} is capturing
   */
  public static void refuseCapture(Device device, String what) {
    if (isCapturing(device)) {
      throw new IllegalStateException(what + " cannot be captured into a CUDA graph: the graph would replay the "
          + "value of the capture at every step. Use layers and optimizer steps whose arguments do not change per "
          + "step or are written before each replay (the optimizers' fused group steps; Dropout in eval mode), or "
          + "train eagerly");
    }
  }

  /**
   * Runs the captured ops again, in order, as one launch on the device's stream; returns without
   * waiting for them.
   *
   * @throws IllegalStateException when the graph is closed
   * @throws DeviceException when the device fails
   */
  public void replay() {
    NativeErrors.check(JdnnNative.graph_launch(device.code, open()));
  }

  /**
   * The device the graph was captured on.
   *
   * @return the device
   */
  public Device device() {
    return device;
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return handle == 0;
  }

  private long open() {
    if (handle == 0) throw new IllegalStateException("CudaGraph: used after close()");
    return handle;
  }

  /** Releases the graph and its private memory pool (queued replays still complete); idempotent. */
  @Override
  public void close() {
    if (handle == 0) return;
    long h = handle;
    handle = 0;
    NativeErrors.check(JdnnNative.graph_destroy(device.code, h));
  }
}
