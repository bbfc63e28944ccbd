package org.jdnn.tensor;

/**
 * Whether ops record the autograd graph. The setting belongs to the calling thread, so one thread
 * can train while others serve predictions from the same model with recording off.
 *
 * <pre>{@code
 * try (GradMode.Guard g = GradMode.disable()) { logits = model.forward(x); }
 * }</pre>
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  /**
   * Whether ops on this thread record the graph.
   *
   * @return true by default, false inside a {@link #disable()} guard
   */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /**
   * Turns recording off on this thread until the guard closes (restoring the previous state).
   *
   * @return the guard; close it on the same thread, in reverse order of opening
   */
  public static Guard disable() {
    return set(false);
  }

  /**
   * Turns recording on on this thread until the guard closes (restoring the previous state).
   *
   * @return the guard; close it on the same thread, in reverse order of opening
   */
  public static Guard enable() {
    return set(true);
  }

  private static Guard set(boolean value) {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = value;
    return () -> flag[0] = previous;
  }

  /** Restores the previous mode. */
  public interface Guard extends AutoCloseable {
    /** Puts back the mode that was in force when the guard was made. */
    @Override
    void close();
  }
}
