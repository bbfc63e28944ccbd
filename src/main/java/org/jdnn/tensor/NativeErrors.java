package org.jdnn.tensor;

import org.jdnn.bridge.JdnnNative;

/**
 * The one place a native failure becomes a Java exception. Native calls never throw: they return
 * a status (0, or the failure's kind) or a sentinel value, and every call site passes that through
 * one of the checks here, so success costs one compare and the message is read only on failure.
 * Each kind maps to one exception type; nothing reads the message to decide.
 */
final class NativeErrors {
  /** native/include/jdnn/ops.def JDNN_ERROR_KINDS, in code order (NativeCodesTest checks it). */
  enum Kind { NONE, ARGUMENT, INDEX, CLOSED, DEVICE, OUT_OF_MEMORY, VENDOR, INTERNAL, COMMUNICATION }

  private static final Kind[] KINDS = Kind.values();

  private NativeErrors() {}

  /** Throws the exception of a failed call's status; returns when the status is 0. */
  static void check(int status) {
    if (status != 0) throw exception(status);
  }

  /** A handle from a call that returns 0 on failure. */
  static long handle(long h) {
    if (h == 0) throw lastError();
    return h;
  }

  /** A count or size from a call that returns a negative value on failure. */
  static long count(long n) {
    if (n < 0) throw lastError();
    return n;
  }

  /** A statistic from a call that returns NaN on failure. */
  static double statistic(double v) {
    if (Double.isNaN(v)) throw lastError();
    return v;
  }

  /** A string from a call that returns null on failure. */
  static String text(String s) {
    if (s == null) throw lastError();
    return s;
  }

  /** The exception of this thread's last native failure (for calls that returned a sentinel). */
  static RuntimeException lastError() {
    return exception(JdnnNative.last_error_kind());
  }

  /** The exception for a failure of the given kind, carrying this thread's last native message. */
  static RuntimeException exception(int kind) {
    return exception(kind, null);
  }

  /**
   * The same, its message led by {@code context} (the layer or loss that made the call) when not
   * null: "CrossEntropyLoss: cross_entropy: label 4 at index 1 ...".
   */
  static RuntimeException exception(int kind, String context) {
    String message = context == null ? JdnnNative.last_error_message() : context + ": " + JdnnNative.last_error_message();
    return switch (kind > 0 && kind < KINDS.length ? KINDS[kind] : Kind.INTERNAL) {
      case ARGUMENT -> new IllegalArgumentException(message);
      case INDEX -> new IndexOutOfBoundsException(message);
      case CLOSED -> new IllegalStateException(message);
      case DEVICE -> new DeviceException(message);
      case OUT_OF_MEMORY -> new DeviceOutOfMemoryException(message);
      case VENDOR -> new VendorLibraryException(message);
      case COMMUNICATION -> new CommunicationException(message);
      case NONE, INTERNAL -> new IllegalStateException("internal error in jdnn's native code (please report it): "
          + message);
    };
  }
}
