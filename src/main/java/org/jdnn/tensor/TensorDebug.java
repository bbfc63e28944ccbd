package org.jdnn.tensor;

import java.io.PrintStream;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jdnn.bridge.JdnnNative;

/**
 * Leak detection. Tensors must be closed (directly or by a {@link TensorScope}); a tensor that the
 * garbage collector finds unclosed is freed by a safety net that prints a warning to stderr. In
 * debug mode (system property {@code jdnn.debug=true} or {@link #enable()}) every tensor also
 * records where it was created, so the warning and {@link #liveTensors()} name the allocation site.
 */
public final class TensorDebug {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final Set<NativeRef> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicLong LEAKS = new AtomicLong();
  private static volatile boolean enabled = Boolean.getBoolean("jdnn.debug");

  private TensorDebug() {}

  /** Records the creation site of every tensor created from now on, on every thread (slower). */
  public static void enable() {
    enabled = true;
  }

  /** Stops recording creation sites; tensors already tracked stay tracked. */
  public static void disable() {
    enabled = false;
  }

  /**
   * Whether creation sites are recorded.
   *
   * @return true after {@link #enable()} or with {@code -Djdnn.debug=true}
   */
  public static boolean isEnabled() {
    return enabled;
  }

  /**
   * Tensors created in debug mode and not yet closed, each with its creation site.
   *
   * @return a new list of descriptions (dtype, shape, device and stack); tensors created outside
   *     debug mode are not listed
   */
  public static List<String> liveTensors() {
    List<String> out = new ArrayList<>();
    for (NativeRef r : LIVE) out.add(r.describe());
    return out;
  }

  /**
   * Prints {@link #liveTensors()}, one line each.
   *
   * @param out where to print
   * @return how many there were
   */
  public static int reportLiveTensors(PrintStream out) {
    List<String> live = liveTensors();
    for (String s : live) out.println("jdnn: live tensor " + s);
    return live.size();
  }

  /**
   * Tensors the garbage collector found unclosed since the JVM started (each freed and reported on
   * stderr).
   *
   * @return the count
   */
  public static long leaksDetected() {
    return LEAKS.get();
  }

  // The description's parts, not its text: building "float32[8, 64] on cpu" for every tensor cost
  // more than the rest of a small op's Java side, and it is read only for a leak or a closed tensor.
  static NativeRef track(Object owner, long handle, DType dtype, long[] shape, Device device) {
    NativeRef ref = new NativeRef(handle, dtype, shape, device, enabled ? new Throwable("tensor created here") : null);
    if (ref.site != null) LIVE.add(ref);
    ref.cleanable = CLEANER.register(owner, ref);
    return ref;
  }

  /**
   * Owns one native handle; frees it exactly once, on close or (reporting a leak) after GC. The
   * handle stays readable after the free: native code recognizes a freed handle and fails with
   * "closed", so an op racing with close() can never touch freed memory (see core/handles.h).
   */
  static final class NativeRef implements Runnable {
    private final long handle;
    private volatile boolean closedByOwner;
    private final DType dtype;
    private final long[] shape;  // the tensor's own array, never written
    private final Device device;
    final Throwable site;
    Cleaner.Cleanable cleanable;

    NativeRef(long handle, DType dtype, long[] shape, Device device, Throwable site) {
      this.handle = handle;
      this.dtype = dtype;
      this.shape = shape;
      this.device = device;
      this.site = site;
    }

    /** "float32[8, 64] on cpu", as Tensor.describe() words it. */
    String label() {
      return dtype + Arrays.toString(shape) + " on " + device;
    }

    long handle() {
      return handle;
    }

    void close() {
      closedByOwner = true;
      cleanable.clean();  // runs run() at most once, whoever calls it first
    }

    @Override
    public void run() {
      if (site != null) LIVE.remove(this);
      int status = JdnnNative.tensor_free(handle);
      if (!closedByOwner) {
        // Counted after the free, so that live handles + leaksDetected() moves only with tensors
        // created or closed by their owners (CloseRaceTest relies on it).
        LEAKS.incrementAndGet();
        System.err.println("jdnn: leaked tensor " + describe()
            + " was freed by the garbage collector; close it or create it inside a TensorScope"
            + (site == null ? " (run with -Djdnn.debug=true to see where it was created)" : ""));
      }
      NativeErrors.check(status);
    }

    String describe() {
      if (site == null) return label();
      StringBuilder sb = new StringBuilder(label()).append(" created at");
      for (StackTraceElement e : site.getStackTrace()) {
        if (e.getClassName().startsWith("org.jdnn.tensor.") && !e.getClassName().endsWith("Test")) continue;
        sb.append("\n    at ").append(e);
      }
      return sb.toString();
    }
  }
}
