package org.jdnn.distributed;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The bytes of the rendezvous store's wire protocol, shared by {@link TcpStore}'s client and its server
 * ({@link StoreServer}). The layout is documented on {@link TcpStore}; a C++ client implements the same
 * bytes, so any change here is a protocol change (bump {@link #VERSION}).
 */
final class StoreProtocol {
  /** "JDNS" in ASCII: the first int of every connection, so a stray client is told apart at once. */
  static final int MAGIC = 0x4A444E53;
  static final int VERSION = 1;
  /** Rank of a connection that belongs to no rank (the native Gloo library's own): its end is not tracked. */
  static final int NO_RANK = -1;

  static final int SET = 1;
  static final int GET = 2;
  static final int ADD = 3;
  static final int WAIT = 4;
  static final int CHECK = 5;
  static final int DELETE = 6;
  static final int BYE = 7;

  static final int OK = 0;
  static final int TIMED_OUT = 1;
  static final int FAILED = 2;

  /**
   * Largest key in UTF-8 bytes. Lengths come from the peer: bounding them keeps a garbled or hostile
   * length from allocating gigabytes before the read fails.
   */
  static final int MAX_KEY_BYTES = 64 * 1024;
  /** Largest value: addresses and small blobs are what ranks exchange, not tensors. */
  static final int MAX_VALUE_BYTES = 64 * 1024 * 1024;
  /** Most keys in one WAIT or CHECK. */
  static final int MAX_KEYS = 1 << 16;

  /** Key the server sets when the connection of rank {@code rank} ends without a BYE. */
  static String lostKey(int rank) {
    return "jdnn/lost/" + rank;
  }

  private StoreProtocol() {}

  /** A peer that broke the protocol (bad length, bad op code): its connection is closed. */
  static final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
      super(message);
    }
  }

  static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException {
    return new String(readBlock(in, MAX_KEY_BYTES, "key"), StandardCharsets.UTF_8);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    return readBlock(in, MAX_VALUE_BYTES, "value");
  }

  private static byte[] readBlock(DataInputStream in, int max, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) throw new ProtocolException(what + " length " + n + " is outside 0.." + max);
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** Milliseconds of {@code d}, saturated at Long.MAX_VALUE (a Duration may hold more). */
  static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** A timeout as messages show it: "200 ms", "30 s", "1.5 s". */
  static String describe(Duration d) {
    long ms = millis(d);
    if (ms < 1000) return ms + " ms";
    if (ms % 1000 == 0) return ms / 1000 + " s";
    return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
