package org.jdnn.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Frees native memory deterministically. Every tensor created on this thread while the scope is
 * the innermost open one belongs to it, and {@link #close()} frees them all, except tensors
 * {@linkplain #keep(Tensor) kept} (the caller then owns them) or {@linkplain #escape(Tensor)
 * handed to the enclosing scope}.
 *
 * <pre>{@code
 * try (TensorScope step = new TensorScope()) {
 *   Tensor loss = lossFn.compute(model.forward(x), y);
 *   loss.backward();
 *   optimizer.step();
 * } // activations, gradients of intermediates and the loss are freed here
 * }</pre>
 *
 * Scopes belong to the thread that opened them and must be closed in reverse order of opening.
 */
public final class TensorScope implements AutoCloseable {
  private static final ThreadLocal<ArrayDeque<TensorScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

  private final List<Tensor> owned = new ArrayList<>();
  private final Thread thread = Thread.currentThread();
  private boolean closed;

  /** Opens a scope on this thread; it is the innermost one until it closes or another opens. */
  public TensorScope() {
    OPEN.get().push(this);
  }

  /** The innermost open scope of this thread, or null. */
  static TensorScope current() {
    return OPEN.get().peek();
  }

  void adopt(Tensor t) {
    owned.add(t);
    t.scope = this;
  }

  /**
   * Removes {@code t} from this scope: it survives close() and the caller must close it.
   *
   * @param t a tensor of this scope (any other tensor is returned unchanged)
   * @return {@code t}
   */
  public Tensor keep(Tensor t) {
    if (t.scope == this) t.scope = null;
    return t;
  }

  /**
   * Moves {@code t} to the enclosing scope (or makes the caller its owner when there is none): the
   * way a method that uses a scope for its temporaries returns its result.
   *
   * @param t a tensor of this scope (any other tensor is returned unchanged)
   * @return {@code t}
   */
  public Tensor escape(Tensor t) {
    if (t.scope != this) return t;
    t.scope = null;
    TensorScope outer = null;
    boolean seen = false;
    for (TensorScope s : OPEN.get()) {
      if (seen) {
        outer = s;
        break;
      }
      seen = s == this;
    }
    if (outer != null) outer.adopt(t);
    return t;
  }

  /**
   * Runs a computation composed of several ops (a loss, a layer's forward) and returns its result. With gradient
   * recording off ({@link GradMode}), every other tensor the computation created is freed before this returns (also
   * when it throws), so that it leaves nothing behind even outside any scope; with recording on, its intermediates go
   * to the caller's scope (else to the caller), since a graph may read them until backward, and a forward hook of an
   * inner layer may have kept its output.
   *
   * <pre>{@code
   * Tensor loss = TensorScope.composed(() -> prediction.sub(target).square().mean());
   * }</pre>
   *
   * @param body the computation; its result is returned as it is
   * @return the result, in the caller's innermost open scope (else owned by the caller)
   */
  public static Tensor composed(java.util.function.Supplier<Tensor> body) {
    return composedAll(() -> new Tensor[] {body.get()})[0];
  }

  /**
   * As {@link #composed}, for a computation with several results (null entries allowed).
   *
   * @param body the computation
   * @return its results, in the caller's innermost open scope (else owned by the caller)
   */
  public static Tensor[] composedAll(java.util.function.Supplier<Tensor[]> body) {
    if (GradMode.isEnabled()) return body.get();
    try (TensorScope s = new TensorScope()) {
      Tensor[] out = body.get();
      for (Tensor t : out) if (t != null) s.escape(t);
      return out;
    }
  }

  /**
   * The number of tensors this scope currently owns.
   *
   * @return open tensors created in it and neither kept nor escaped
   */
  public int size() {
    int n = 0;
    for (Tensor t : owned) if (t.scope == this && !t.isClosed()) n++;
    return n;
  }

  /**
   * Closes every tensor this scope owns, newest first. Closing twice does nothing.
   *
   * @throws IllegalStateException when called from another thread than the one that opened it, or
   *     while a scope opened after it is still open
   */
  @Override
  public void close() {
    if (closed) return;
    if (Thread.currentThread() != thread) {
      throw new IllegalStateException("TensorScope opened on thread " + thread.getName()
          + " cannot be closed on thread " + Thread.currentThread().getName());
    }
    ArrayDeque<TensorScope> open = OPEN.get();
    if (open.peek() != this) {
      throw new IllegalStateException("TensorScope closed out of order: close inner scopes first");
    }
    open.pop();
    closed = true;
    for (int i = owned.size() - 1; i >= 0; i--) {
      Tensor t = owned.get(i);
      if (t.scope == this) t.close();
    }
    owned.clear();
  }
}
