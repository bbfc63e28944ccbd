package org.jdnn.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *   <li>Host values read by the captured code are frozen, except the per-step values the graph keeps
 *       in its constant table: Adam's, AdamW's and AdaGrad's step sizes and bias corrections (from
 *       the optimizer's step count) and Dropout's Philox offset (from its generator's offset). Each
 *       replay computes them as an eager step would, counts the step in the optimizer ({@link
 *       StepCounter}) and advances the generator; eager steps between replays (an epoch's last,
 *       smaller batch) are picked up at the next replay. Other ops that take a per-step host value
 *       refuse to be captured rather than replay a stale one (the optimizers' per-tensor reference
 *       path, {@link Generator#uniform}, {@link Generator#normal}). SGD and RMSProp, whose arguments
 *       are constant from step to step, capture; so does BatchNorm (its counter lives on the device).
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
  // Guarded by CAPTURE: the device capturing now, or null, and the host state its code advances.
  private static Device capturing;
  private static List<Counted> capturedCounters;
  private static Map<Generator, Long> capturedGenerators;

  private final Device device;
  private long handle;
  private final List<Counted> counters;
  private final List<Drawn> generators;
  private long replays;

  /**
   * Host state that a captured step advances and that each replay must advance the same way, so the
   * host stays true after replays: an optimizer's step counts (the per-step constants of Adam, AdamW
   * and AdaGrad follow them).
   */
  public interface StepCounter {
    /**
     * The step count now.
     *
     * @return the count, which {@link #countStep()} raises by one
     */
    long steps();

    /** Counts one step that a replay made on the device. */
    void countStep();
  }

  // An optimizer's counter: its count before the captured step, and the count the host should show
  // before the next replay.
  private static final class Counted {
    final StepCounter counter;
    final long base;
    long expected;

    Counted(StepCounter counter, long base) {
      this.counter = counter;
      this.base = base;
    }
  }

  // A generator the captured step drew from: its offset at the capture and its draws per step.
  private static final class Drawn {
    final Generator generator;
    final long perStep;
    long expected;

    Drawn(Generator generator, long start, long perStep) {
      this.generator = generator;
      this.perStep = perStep;
      this.expected = start + perStep;
    }
  }

  private CudaGraph(Device device, long handle, List<Counted> counters, List<Drawn> generators) {
    this.device = device;
    this.handle = handle;
    this.counters = counters;
    this.generators = generators;
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
      capturedCounters = new ArrayList<>();
      capturedGenerators = new IdentityHashMap<>();
    }
    boolean ended = false;
    try {
      code.run();
      List<Drawn> drawn = strides(device);
      List<Counted> counted = new ArrayList<>(capturedCounters);
      for (Counted c : counted) c.expected = c.counter.steps();
      long h = end(device);
      ended = true;
      return new CudaGraph(device, h, counted, drawn);
    } finally {
      if (!ended) abandon(device);
    }
  }

  // Each generator's draws in the captured step, given to the backend as its per-replay advance.
  private static List<Drawn> strides(Device device) {
    List<Drawn> drawn = new ArrayList<>();
    Map<Long, Generator> bySeed = new HashMap<>();
    for (Map.Entry<Generator, Long> e : capturedGenerators.entrySet()) {
      Generator g = e.getKey();
      Generator other = bySeed.put(g.seed(), g);
      if (other != null) {
        throw new IllegalStateException("CudaGraph.capture: two generators of one seed (" + g.seed() + ") drew "
            + "dropout masks in the captured step; a graph tells their streams apart by seed. Give each generator "
            + "its own seed, or share one generator");
      }
      long start = e.getValue();
      Drawn d = new Drawn(g, start, g.offset() - start);
      NativeErrors.check(JdnnNative.graph_source_stride(device.code, g.seed(), d.perStep));
      drawn.add(d);
    }
    return drawn;
  }

  private static long end(Device device) {
    synchronized (CAPTURE) {
      clearCapture();
      long h = JdnnNative.graph_end(device.code);
      if (h < 0) throw NativeErrors.lastError();
      return h;
    }
  }

  // After the captured code threw: ends the capture and drops what it made, keeping the code's error.
  private static void abandon(Device device) {
    synchronized (CAPTURE) {
      clearCapture();
      long h = JdnnNative.graph_end(device.code);
      if (h > 0) JdnnNative.graph_destroy(device.code, h);
    }
  }

  private static void clearCapture() {
    capturing = null;
    capturedCounters = null;
    capturedGenerators = null;
  }

  /**
   * For an optimizer's step inside a capture on {@code device}: each replay of the graph then counts
   * one step in {@code counter}, and a replay that follows steps made outside the graph (an eager
   * step between replays) gives the graph's per-step constants the count it finds. Does nothing when
   * {@code device} is not capturing.
   *
   * @param device the device of the optimizer's parameters
   * @param counter the optimizer's step count, read now (before the captured step counts itself)
   */
  public static void countedByReplays(Device device, StepCounter counter) {
    synchronized (CAPTURE) {
      if (capturing == null || !capturing.equals(device)) return;
      for (Counted c : capturedCounters) {
        if (c.counter == counter) return;
      }
      capturedCounters.add(new Counted(counter, counter.steps()));
    }
  }

  /**
   * For a dropout mask drawn from {@code generator} inside a capture on {@code device}: each replay
   * then draws its masks from the generator's offset at the replay (the graph reads it from its
   * per-step constants) and advances the generator by the step's draws, as eager steps do. Call it
   * before reserving the draws. Does nothing when {@code device} is not capturing.
   *
   * @param device the mask's device
   * @param generator the generator the mask is drawn from
   */
  public static void drawnByReplays(Device device, Generator generator) {
    synchronized (CAPTURE) {
      if (capturing == null || !capturing.equals(device)) return;
      capturedGenerators.putIfAbsent(generator, generator.offset());
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
          + "step or that the graph advances per replay (the optimizers' fused group steps, Dropout), or do this "
          + "outside the captured step");
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
    long h = open();
    boolean first = replays == 0;  // the captured step itself: its counts and draws are on the host already
    if (!first) rebase(h);
    NativeErrors.check(JdnnNative.graph_launch(device.code, h));
    replays++;
    if (first) return;
    for (Counted c : counters) {
      c.counter.countStep();
      c.expected = c.counter.steps();
    }
    for (Drawn d : generators) d.expected = d.generator.reserve(d.perStep) + d.perStep;
  }

  // Host state advanced outside the graph since the last replay (an eager step, a scheduler's reset,
  // a restored checkpoint): the graph's constants are recomputed from it before this replay.
  private void rebase(long h) {
    Long delta = null;
    for (Counted c : counters) {
      long now = c.counter.steps();
      if (now == c.expected) continue;
      long d = now - c.base;
      if (delta != null && delta != d) {
        throw new IllegalStateException("CudaGraph.replay: the optimizers of the captured step were stepped apart "
            + "between replays (" + delta + " and " + d + " steps since the capture); their per-step constants "
            + "share one count. Step them together, or capture a new graph");
      }
      delta = d;
    }
    if (delta != null) {
      NativeErrors.check(JdnnNative.graph_rebase(device.code, h, 0, 0, delta));
      for (Counted c : counters) c.expected = c.counter.steps();
    }
    for (Drawn d : generators) {
      long now = d.generator.offset();
      if (now != d.expected) {
        NativeErrors.check(JdnnNative.graph_rebase(device.code, h, 1, d.generator.seed(), now));
        d.expected = now;
      }
    }
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
