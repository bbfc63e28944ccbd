package org.jdnn.nn;

/**
 * What registering a hook on a {@link Layer} returns: {@link #remove()} (or {@link #close()}, for
 * try-with-resources) takes the hook off the layer. Removing twice does nothing.
 *
 * <pre>{@code
 * try (HookHandle h = layer.registerForwardHook((l, in, out) -> { seen.add(out.toFloatArray()); return null; })) {
 *   model.call(x);
 * }   // the hook is gone here
 * }</pre>
 */
public final class HookHandle implements AutoCloseable {
  private final Runnable removal;
  private boolean removed;

  HookHandle(Runnable removal) {
    this.removal = removal;
  }

  /** Takes the hook off its layer; later calls do nothing. */
  public synchronized void remove() {
    if (removed) return;
    removed = true;
    removal.run();
  }

  /** The same as {@link #remove()}. */
  @Override
  public void close() {
    remove();
  }
}
