package org.jdnn.tensor;

/** Test-only access to {@link NativeErrors}, for tests that call JdnnNative directly. */
public final class NativeCalls {
  private NativeCalls() {}

  /** Throws the exception a failed native call's status maps to; returns when it is 0. */
  public static void check(int status) {
    NativeErrors.check(status);
  }
}
