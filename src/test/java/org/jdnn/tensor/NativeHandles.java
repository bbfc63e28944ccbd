package org.jdnn.tensor;

/** Test-only access to a tensor's native handle, for tests that call JdnnNative ops directly (alpha/beta, indices). */
public final class NativeHandles {
  private NativeHandles() {}

  /** The handle of an open tensor. */
  public static long of(Tensor t) {
    return t.h();
  }
}
