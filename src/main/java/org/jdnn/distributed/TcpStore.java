package org.jdnn.distributed;

import static org.jdnn.distributed.StoreProtocol.describe;
import static org.jdnn.distributed.StoreProtocol.millis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jdnn.distributed.StoreProtocol.ProtocolException;

/**
 * The rendezvous key-value store of a distributed job, after PyTorch's TCPStore: rank 0 hosts it
 * ({@link #host}) on MASTER_PORT, every rank is a client of it (rank 0 through {@link #host}, the
 * others through {@link #connect}), and ranks exchange addresses and counters through it. GET and WAIT block until the keys appear, so
 * a rank can wait for another to publish something without polling.
 *
 * <pre>{@code
 * try (TcpStore store = rank == 0
 *     ? TcpStore.host(masterPort, 0, Duration.ofMinutes(5))
 *     : TcpStore.connect(masterAddr, masterPort, rank, Duration.ofMinutes(5))) {
 *   store.set("addr/" + rank, myAddress.getBytes(StandardCharsets.UTF_8));
 *   byte[] peer = store.get("addr/" + ((rank + 1) % worldSize));
 *   store.add("arrived", 1);
 * }
 * }</pre>
 *
 * <p><b>Wire protocol</b> (version 1; the native library's C++ client speaks the same bytes). All
 * integers are big-endian, as {@link java.io.DataOutputStream} writes them; a <i>string</i> is an
 * int32 byte length and that many UTF-8 bytes, a <i>bytes</i> field an int32 length and raw bytes.
 * <ol>
 *   <li>Handshake: the client sends int32 magic {@code 0x4A444E53} ("JDNS"), int32 version {@code 1},
 *       int32 rank ({@code -1} for a connection that is not a rank's, such as the native Gloo
 *       library's own). The server answers one byte {@code 0}; on a wrong magic or version, or a rank
 *       below -1, it closes the connection instead.
 *   <li>Requests: one op code byte and its fields; the server answers each with one response, in
 *       the order of the requests.
 *       <ul>
 *         <li>SET {@code 1}: string key, bytes value; answers byte 0.
 *         <li>GET {@code 2}: string key, int64 timeoutMs; answers byte 0 and bytes value, or byte 1
 *             when the key did not appear within timeoutMs (0 or less: look once, do not wait).
 *         <li>ADD {@code 3}: string key, int64 delta; answers byte 0 and the int64 new value. The
 *             value is stored as its decimal ASCII text (a GET returns e.g. "3"), and an absent key
 *             counts as 0. A stored value that is not a decimal int64, or a sum that overflows,
 *             answers byte 2 and a string error message, and leaves the value as it was.
 *         <li>WAIT {@code 4}: int32 n, n strings keys, int64 timeoutMs; answers byte 0 when all keys
 *             are present, byte 1 when they were not within timeoutMs.
 *         <li>CHECK {@code 5}: int32 n, n strings keys; answers byte 0 and one byte, 1 when all keys
 *             are present and 0 otherwise.
 *         <li>DELETE {@code 6}: string key; answers byte 0 and one byte, 1 when the key existed.
 *         <li>BYE {@code 7}: no fields; answers byte 0, then the server closes the connection. This is
 *             a clean exit.
 *       </ul>
 *       An unknown op code, a key over 65536 bytes, a value over 64 MiB (67108864 bytes), a negative
 *       length or more than 65536 keys in one request makes the server close the connection.
 *   <li>Loss tracking: when a connection whose handshake named rank r &ge; 0 ends (EOF, socket error,
 *       protocol error) without a BYE, the server sets key {@code jdnn/lost/<r>} to UTF-8 text saying
 *       what happened, e.g. "connection closed without BYE (peer /10.0.0.7:41822)". Process groups
 *       read these keys to name the ranks that died. A rank that dies while blocked in a GET or WAIT
 *       is noticed at once, not when its wait times out. Connections that the host ends by closing
 *       its store are not reported.
 * </ol>
 *
 * <p><b>Server.</b> The host's server keeps every key in one map under one lock; a blocked GET or
 * WAIT sleeps on its condition until a key is set (no polling). Each connection is served by its own
 * daemon threads, named "jdnn-store-...". Keys live as long as the host's store; nothing expires.
 *
 * <p><b>Threads.</b> One store may be used from several threads: requests are serialized on its one
 * connection, so a thread blocked in {@link #get} holds up the others until it returns.
 *
 * <p><b>Errors.</b> A key that does not appear in time, a store that cannot be reached, and a
 * connection that the host ended (rank 0 exited) are {@link DistributedException}s. After such a
 * failure of the connection every later call fails with it too; a timeout of {@link #get} or
 * {@link #await} leaves the connection usable. Wrong arguments are {@link IllegalArgumentException}s.
 */
public final class TcpStore implements AutoCloseable {
  /** Longest pause between attempts to reach a store that is not up yet. */
  private static final long MAX_RETRY_PAUSE_MS = 1000;
  /** How long close waits for another thread's request before cutting the connection without a BYE. */
  private static final long CLOSE_LOCK_WAIT_MS = 1000;
  /** How long close waits for the answer to its BYE. */
  private static final int BYE_ANSWER_MS = 5000;
  /** The handshake may take this long even when the connect used up the caller's timeout. */
  private static final long MIN_HANDSHAKE_MS = 1000;

  private final StoreServer server;
  /** "host:port" as messages name the store. */
  private final String address;
  private final int port;
  private final Duration timeout;
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  /** Serializes requests on the one connection: answers come back in request order. */
  private final ReentrantLock requestLock = new ReentrantLock();
  private final AtomicBoolean closeCalled = new AtomicBoolean();
  private volatile boolean closed;
  /** The failure that made the connection unusable, thrown again by every later request; guarded by requestLock. */
  private DistributedException broken;

  private TcpStore(StoreServer server, String address, int port, Duration timeout, Socket socket) throws IOException {
    this.server = server;
    this.address = address;
    this.port = port;
    this.timeout = timeout;
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
  }

  /**
   * Hosts the store, as rank 0 does: binds {@code port} on all interfaces, starts the server, and
   * connects this process's own client to it as {@code rank}.
   *
   * @param port the port to listen on (MASTER_PORT), or 0 for any free port ({@link #port()} tells which)
   * @param rank the rank of this process's own connection, normally 0; -1 for a connection that is no rank's
   * @param timeout how long {@link #get(String)} waits for a key by default; positive
   * @return the store, whose {@link #close()} also stops the server
   * @throws IllegalArgumentException when the port is outside 0..65535, the rank below -1, or the timeout
   *     null, zero or negative
   * @throws IllegalStateException when the port cannot be bound, for instance because another process
   *     listens on it
   * @throws DistributedException when the own client cannot connect to the new server
   */
  public static TcpStore host(int port, int rank, Duration timeout) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("TcpStore.host: port must be in 0..65535 (0 = any free port), got " + port);
    }
    checkRank("host", rank);
    checkTimeout("host", "timeout", timeout);
    StoreServer server;
    try {
      server = StoreServer.start(port);
    } catch (IOException e) {
      throw new IllegalStateException(listenFailure(port, e), e);
    }
    try {
      // the own client goes through the loopback: the server listens on every interface, so this
      // needs no name lookup and cannot pick an address a firewall blocks
      Socket s = open(InetAddress.getLoopbackAddress(), "localhost:" + server.port(), server.port(), rank, timeout);
      return new TcpStore(server, "localhost:" + server.port(), server.port(), timeout, s);
    } catch (IOException | RuntimeException e) {
      server.stop();
      if (e instanceof RuntimeException r) throw r;
      throw new DistributedException("TcpStore: cannot set up the host's own connection to its store on port "
          + server.port() + ": " + e, e);
    }
  }

  private static String listenFailure(int port, IOException e) {
    String why = String.valueOf(e.getMessage());
    if (why.contains("in use")) {
      return "TcpStore: cannot listen on port " + port + ": it is in use (" + e
          + "); set MASTER_PORT to a free port or stop the process using it";
    }
    return "TcpStore: cannot listen on port " + port + " (" + e + "); set MASTER_PORT to a free port this "
        + "process may bind (ports below 1024 need privileges)";
  }

  /**
   * Connects to the store that rank 0 hosts, retrying while it is not up yet (ranks start in any
   * order) until {@code timeout} has passed.
   *
   * @param host the host name or address of rank 0 (MASTER_ADDR)
   * @param port the port of the store (MASTER_PORT), 1..65535
   * @param rank this process's rank, or -1 for a connection that is no rank's (its end is not tracked)
   * @param timeout how long to keep trying to connect, and how long {@link #get(String)} waits for a
   *     key by default; positive
   * @return the connected store
   * @throws IllegalArgumentException when the host is null or blank, the port outside 1..65535, the rank
   *     below -1, or the timeout null, zero or negative
   * @throws DistributedException when the host name is unknown (at once), when the store could not be
   *     reached within the timeout, or when the server at that address is not a jdnn store
   */
  public static TcpStore connect(String host, int port, int rank, Duration timeout) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("TcpStore.connect: host must be rank 0's host name or address "
          + "(MASTER_ADDR), got " + (host == null ? "null" : "\"" + host + "\""));
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("TcpStore.connect: port must be in 1..65535 (MASTER_PORT), got " + port);
    }
    checkRank("connect", rank);
    checkTimeout("connect", "timeout", timeout);
    String address = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    InetAddress ip;
    try {
      ip = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      // a name that does not resolve will not start resolving by waiting: say so now
      throw new DistributedException("TcpStore: cannot reach the rendezvous store at " + address
          + " (MASTER_ADDR/MASTER_PORT): unknown host \"" + host + "\"; set MASTER_ADDR to rank 0's host name "
          + "or IP address", e);
    }
    try {
      Socket s = open(ip, address, port, rank, timeout);
      return new TcpStore(null, address, port, timeout, s);
    } catch (IOException e) {
      throw new DistributedException("TcpStore: cannot set up the connection to the rendezvous store at "
          + address + ": " + e, e);
    }
  }

  /** Connects and completes the handshake, retrying until the timeout; the socket is set up for requests. */
  private static Socket open(InetAddress ip, String address, int port, int rank, Duration timeout) {
    long start = System.nanoTime();
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(millis(timeout));
    long pauseMs = 10;
    IOException last = null;
    while (true) {
      long leftMs = TimeUnit.NANOSECONDS.toMillis(timeoutNanos - (System.nanoTime() - start));
      Socket s = new Socket();
      try {
        // a connect timeout of 0 would mean "forever"
        s.connect(new InetSocketAddress(ip, port), (int) Math.max(1, Math.min(leftMs, Integer.MAX_VALUE)));
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
        handshake(s, address, rank, Math.max(MIN_HANDSHAKE_MS, leftMs));
        s.setSoTimeout(0);
        return s;
      } catch (IOException e) {
        // the last attempt may get only a few milliseconds and time out; an earlier "Connection
        // refused" says more about what is wrong, so a timeout does not replace another error
        if (last == null || !(e instanceof SocketTimeoutException)) last = e;
        closeQuietly(s);
      } catch (RuntimeException e) {
        closeQuietly(s);
        throw e;
      }
      leftMs = TimeUnit.NANOSECONDS.toMillis(timeoutNanos - (System.nanoTime() - start));
      if (leftMs <= 0) {
        String why = last instanceof SocketTimeoutException
            ? "no answer to the connection attempt (a firewall, or a wrong address?)"
            : last.getMessage() != null ? last.getMessage() : last.toString();
        throw new DistributedException("TcpStore: cannot reach the rendezvous store at " + address
            + " (MASTER_ADDR/MASTER_PORT) within " + describe(timeout) + ": " + why
            + "; is rank 0 running and is the address right?", last);
      }
      try {
        Thread.sleep(Math.min(pauseMs, leftMs));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DistributedException("TcpStore: interrupted while connecting to the rendezvous store at "
            + address, e);
      }
      pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS);
    }
  }

  /**
   * Sends the handshake and reads its answer. An I/O error is thrown for the caller to retry; a server
   * that closes the connection on it is not a jdnn store of this version, and that is final.
   */
  private static void handshake(Socket s, String address, int rank, long answerMs) throws IOException {
    s.setSoTimeout((int) Math.min(answerMs, Integer.MAX_VALUE));
    DataOutputStream o = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
    o.writeInt(StoreProtocol.MAGIC);
    o.writeInt(StoreProtocol.VERSION);
    o.writeInt(rank);
    o.flush();
    int answer = s.getInputStream().read();
    if (answer != StoreProtocol.OK) {
      throw new DistributedException("TcpStore: the server at " + address + " "
          + (answer < 0 ? "closed the connection on" : "answered " + answer + " to")
          + " the handshake of protocol version " + StoreProtocol.VERSION
          + ": it is not a jdnn rendezvous store of this version; check that MASTER_PORT is the store's port "
          + "and that every rank runs the same jdnn");
    }
  }

  /**
   * The port of the store: the one bound by {@link #host} (the chosen one when it was given 0), or the
   * one {@link #connect} reached.
   *
   * @return the port, 1..65535
   */
  public int port() {
    return port;
  }

  /**
   * This side's address on its connection to the store: an address of the network interface that
   * reaches the store's host, so one the other ranks can reach too (on the host itself, a loopback
   * address).
   *
   * @return the connection's local address
   */
  public java.net.InetAddress localAddress() {
    return socket.getLocalAddress();
  }

  /**
   * Whether this store hosts the server (was made by {@link #host}).
   *
   * @return true on the host, whose {@link #close()} stops the server
   */
  public boolean isHost() {
    return server != null;
  }

  /**
   * The default timeout: how long {@link #get(String)} waits for a key.
   *
   * @return the timeout given to {@link #host} or {@link #connect}
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Sets {@code key} to {@code value}, replacing any value, and wakes the ranks waiting for it.
   *
   * @param key the key, non-empty
   * @param value the value (copied by the call), at most 64 MiB; may be empty
   * @throws IllegalArgumentException when the key is null, empty or too long, or the value null or too long
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when the connection to the store is lost
   */
  public void set(String key, byte[] value) {
    checkKey("set", key);
    if (value == null) {
      throw new IllegalArgumentException("TcpStore.set: value must not be null (an empty array stores an empty "
          + "value), key " + key);
    }
    if (value.length > StoreProtocol.MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("TcpStore.set: value must be at most " + StoreProtocol.MAX_VALUE_BYTES
          + " bytes, got " + value.length + " for key " + key + "; the store carries addresses and small "
          + "metadata, not tensors");
    }
    request("SET", key, 0, () -> {
      out.writeByte(StoreProtocol.SET);
      StoreProtocol.writeString(out, key);
      StoreProtocol.writeBytes(out, value);
      out.flush();
      expect(in.readUnsignedByte(), "SET", key, StoreProtocol.OK);
      return null;
    });
  }

  /**
   * Returns the value of {@code key}, waiting up to {@link #timeout()} for some rank to set it.
   *
   * @param key the key, non-empty
   * @return the value
   * @throws IllegalArgumentException when the key is null, empty or too long
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when the key did not appear within the timeout, or the connection to
   *     the store is lost
   */
  public byte[] get(String key) {
    return get(key, timeout);
  }

  /**
   * Returns the value of {@code key}, waiting up to {@code timeout} for some rank to set it.
   *
   * @param key the key, non-empty
   * @param timeout how long to wait for the key; positive
   * @return the value
   * @throws IllegalArgumentException when the key is null, empty or too long, or the timeout null, zero
   *     or negative
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when the key did not appear within the timeout (the message names the
   *     key), or the connection to the store is lost
   */
  public byte[] get(String key, Duration timeout) {
    checkKey("get", key);
    checkTimeout("get", "timeout", timeout);
    return request("GET", key, millis(timeout), () -> {
      out.writeByte(StoreProtocol.GET);
      StoreProtocol.writeString(out, key);
      out.writeLong(millis(timeout));
      out.flush();
      int status = expect(in.readUnsignedByte(), "GET", key, StoreProtocol.OK, StoreProtocol.TIMED_OUT);
      if (status == StoreProtocol.TIMED_OUT) {
        throw new DistributedException("TcpStore: GET " + key + " timed out after " + describe(timeout)
            + ": no rank set the key in that time; did every rank start (WORLD_SIZE ranks), do they all use "
            + "the same MASTER_ADDR/MASTER_PORT, and did the rank that sets it fail? (keys jdnn/lost/<rank> "
            + "name ranks whose connection ended)");
      }
      return StoreProtocol.readBytes(in);
    });
  }

  /**
   * Adds {@code delta} to the counter at {@code key} and returns the new value, atomically across all
   * ranks. An absent key counts as 0; the counter is stored as decimal text, so {@link #get} returns
   * e.g. "3" in ASCII.
   *
   * @param key the key, non-empty
   * @param delta the amount to add, may be negative or 0 (reads the counter)
   * @return the value after the addition
   * @throws IllegalArgumentException when the key is null, empty or too long
   * @throws IllegalStateException when this store is closed, or the key holds a value that is not a
   *     decimal integer or the sum overflows a long (the value is then left as it was)
   * @throws DistributedException when the connection to the store is lost
   */
  public long add(String key, long delta) {
    checkKey("add", key);
    return request("ADD", key, 0, () -> {
      out.writeByte(StoreProtocol.ADD);
      StoreProtocol.writeString(out, key);
      out.writeLong(delta);
      out.flush();
      int status = expect(in.readUnsignedByte(), "ADD", key, StoreProtocol.OK, StoreProtocol.FAILED);
      if (status == StoreProtocol.FAILED) {
        throw new IllegalStateException("TcpStore: " + StoreProtocol.readString(in) + "; add only to keys that "
            + "hold a counter (set by add, or decimal text), or use another key");
      }
      return in.readLong();
    });
  }

  /**
   * Waits until every one of {@code keys} is present.
   *
   * @param keys the keys, each non-empty; an empty list returns at once
   * @param timeout how long to wait; positive
   * @throws IllegalArgumentException when the list or a key is null, a key empty or too long, or the
   *     timeout null, zero or negative
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when some keys did not appear within the timeout (the message names
   *     them), or the connection to the store is lost
   */
  public void await(List<String> keys, Duration timeout) {
    checkKeys("await", keys);
    checkTimeout("await", "timeout", timeout);
    String subject = keys.toString();
    request("WAIT", subject, millis(timeout), () -> {
      out.writeByte(StoreProtocol.WAIT);
      writeKeys(keys);
      out.writeLong(millis(timeout));
      out.flush();
      int status = expect(in.readUnsignedByte(), "WAIT", subject, StoreProtocol.OK, StoreProtocol.TIMED_OUT);
      if (status == StoreProtocol.TIMED_OUT) {
        // still under the request lock: name exactly the keys that are missing now
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
          if (!exchangeCheck(List.of(key), key)) missing.add(key);
        }
        throw new DistributedException("TcpStore: WAIT for " + keys.size() + " key(s) timed out after "
            + describe(timeout) + ": still missing " + (missing.isEmpty() ? "none (they arrived just after)"
            : missing) + "; did every rank start and reach this point? (keys jdnn/lost/<rank> name ranks whose "
            + "connection ended)");
      }
      return null;
    });
  }

  /**
   * Tells whether every one of {@code keys} is present, without waiting.
   *
   * @param keys the keys, each non-empty; an empty list gives true
   * @return true when all are present
   * @throws IllegalArgumentException when the list or a key is null, or a key empty or too long
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when the connection to the store is lost
   */
  public boolean check(List<String> keys) {
    checkKeys("check", keys);
    String subject = keys.toString();
    return request("CHECK", subject, 0, () -> exchangeCheck(keys, subject));
  }

  private boolean exchangeCheck(List<String> keys, String subject) throws IOException {
    out.writeByte(StoreProtocol.CHECK);
    writeKeys(keys);
    out.flush();
    expect(in.readUnsignedByte(), "CHECK", subject, StoreProtocol.OK);
    return in.readUnsignedByte() == 1;
  }

  /**
   * Deletes {@code key}.
   *
   * @param key the key, non-empty
   * @return whether the key existed
   * @throws IllegalArgumentException when the key is null, empty or too long
   * @throws IllegalStateException when this store is closed
   * @throws DistributedException when the connection to the store is lost
   */
  public boolean delete(String key) {
    checkKey("delete", key);
    return request("DELETE", key, 0, () -> {
      out.writeByte(StoreProtocol.DELETE);
      StoreProtocol.writeString(out, key);
      out.flush();
      expect(in.readUnsignedByte(), "DELETE", key, StoreProtocol.OK);
      return in.readUnsignedByte() == 1;
    });
  }

  /**
   * Says goodbye to the store (a BYE, so this rank is not reported lost) and closes the connection; on
   * the host it then stops the server, which closes every other rank's connection. When another
   * thread is blocked in a request for more than a second, the connection is closed without a BYE and
   * that request fails. Calling it again does nothing.
   */
  @Override
  public void close() {
    if (!closeCalled.compareAndSet(false, true)) return;
    boolean locked = false;
    try {
      locked = requestLock.tryLock(CLOSE_LOCK_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    try {
      if (locked && broken == null) {
        try {
          socket.setSoTimeout(BYE_ANSWER_MS);
          out.writeByte(StoreProtocol.BYE);
          out.flush();
          in.read(); // the answer: once it is here the server has taken the BYE
        } catch (IOException ignored) {
          // the store is gone already: there is nobody left to say goodbye to
        }
      }
    } finally {
      closeQuietly(socket);
      if (locked) requestLock.unlock();
      if (server != null) server.stop();
    }
  }

  /** Test hook: drops the connection without a BYE, as a rank that crashed would. */
  void abortForTest() {
    closeCalled.set(true);
    closed = true;
    closeQuietly(socket);
  }

  /** One request-and-answer exchange on the connection; runs under {@link #requestLock}. */
  @FunctionalInterface
  private interface Exchange<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code exchange} alone on the connection, turning I/O failures into a broken connection that
   * every later request reports.
   *
   * @param waitMs how long the server may legitimately wait before answering (GET and WAIT)
   */
  private <T> T request(String op, String subject, long waitMs, Exchange<T> exchange) {
    requestLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("TcpStore: " + op + " " + subject + " on a closed store; create a new "
            + "TcpStore, or close it only after the last request");
      }
      if (broken != null) {
        throw new DistributedException("TcpStore: cannot " + op + " " + subject + ": the connection failed "
            + "earlier: " + broken.getMessage(), broken);
      }
      // beyond the server's own wait, allow it the default timeout to answer: a machine that vanished
      // without closing the connection must not hang this rank forever
      long answerMs = waitMs > Long.MAX_VALUE - millis(timeout) ? Long.MAX_VALUE : waitMs + millis(timeout);
      try {
        socket.setSoTimeout((int) Math.max(1, Math.min(answerMs, Integer.MAX_VALUE)));
        return exchange.run();
      } catch (SocketTimeoutException e) {
        throw breaks(new DistributedException("TcpStore: the rendezvous store at " + address + " did not answer "
            + op + " " + subject + " within " + describe(Duration.ofMillis(answerMs)) + "; is rank 0's machine "
            + "up and reachable?", e));
      } catch (ProtocolException e) {
        throw breaks(new DistributedException("TcpStore: the rendezvous store at " + address + " answered "
            + op + " " + subject + " with bytes that do not follow the protocol (" + e.getMessage() + "); is "
            + "MASTER_PORT the store's port, and does every rank run the same jdnn?", e));
      } catch (IOException e) {
        if (closed) {
          throw new IllegalStateException("TcpStore: " + op + " " + subject + " was cut short: the store was "
              + "closed by another thread", e);
        }
        String how = e instanceof EOFException ? "closed the connection" : "closed the connection (" + e + ")";
        throw breaks(new DistributedException("TcpStore: the rendezvous store at " + address + " " + how
            + " (rank 0 exited?) during " + op + " " + subject + "; check rank 0's output for why it stopped", e));
      }
    } finally {
      requestLock.unlock();
    }
  }

  /** Records {@code e} as the end of the connection; the stream may be mid-answer, so it cannot be reused. */
  private DistributedException breaks(DistributedException e) {
    broken = e;
    closeQuietly(socket);
    return e;
  }

  /** Returns {@code status} when it is one of {@code allowed}; otherwise the peer broke the protocol. */
  private static int expect(int status, String op, String subject, int... allowed) throws ProtocolException {
    for (int a : allowed) {
      if (status == a) return status;
    }
    throw new ProtocolException("status " + status + " to " + op + " " + subject);
  }

  private void writeKeys(List<String> keys) throws IOException {
    out.writeInt(keys.size());
    for (String key : keys) StoreProtocol.writeString(out, key);
  }

  private static void checkKey(String method, String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("TcpStore." + method + ": key must be a non-empty string, got "
          + (key == null ? "null" : "\"\""));
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > StoreProtocol.MAX_KEY_BYTES) {
      throw new IllegalArgumentException("TcpStore." + method + ": key must be at most "
          + StoreProtocol.MAX_KEY_BYTES + " UTF-8 bytes, got " + bytes + " (starting \"" + key.substring(0, 40)
          + "...\")");
    }
  }

  private static void checkKeys(String method, List<String> keys) {
    if (keys == null) throw new IllegalArgumentException("TcpStore." + method + ": keys must be a list, got null");
    if (keys.size() > StoreProtocol.MAX_KEYS) {
      throw new IllegalArgumentException("TcpStore." + method + ": keys must hold at most " + StoreProtocol.MAX_KEYS
          + " keys, got " + keys.size());
    }
    for (String key : keys) checkKey(method, key);
  }

  private static void checkTimeout(String method, String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("TcpStore." + method + ": " + name + " must be a positive duration, got "
          + d);
    }
  }

  private static void checkRank(String method, int rank) {
    if (rank < StoreProtocol.NO_RANK) {
      throw new IllegalArgumentException("TcpStore." + method + ": rank must be >= 0, or -1 for a connection that "
          + "is no rank's, got " + rank);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }
}
