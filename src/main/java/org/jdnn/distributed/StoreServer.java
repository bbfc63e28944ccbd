package org.jdnn.distributed;

import static org.jdnn.distributed.StoreProtocol.ADD;
import static org.jdnn.distributed.StoreProtocol.BYE;
import static org.jdnn.distributed.StoreProtocol.CHECK;
import static org.jdnn.distributed.StoreProtocol.DELETE;
import static org.jdnn.distributed.StoreProtocol.FAILED;
import static org.jdnn.distributed.StoreProtocol.GET;
import static org.jdnn.distributed.StoreProtocol.MAX_KEYS;
import static org.jdnn.distributed.StoreProtocol.NO_RANK;
import static org.jdnn.distributed.StoreProtocol.OK;
import static org.jdnn.distributed.StoreProtocol.SET;
import static org.jdnn.distributed.StoreProtocol.TIMED_OUT;
import static org.jdnn.distributed.StoreProtocol.WAIT;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdnn.distributed.StoreProtocol.ProtocolException;

/**
 * The server side of {@link TcpStore}, run by rank 0: one map guarded by one lock, whose condition
 * wakes blocked GETs and WAITs when keys are set.
 *
 * <p>Each connection has two daemon threads: a reader that parses requests and queues them, and a
 * worker that answers them in order. The split lets the reader see a peer's end (EOF, reset) while
 * the worker is still blocked in that peer's GET, so a rank that dies while waiting is reported in
 * {@code jdnn/lost/<rank>} at once rather than when its wait times out, and the abandoned wait is
 * cut short. No socket I/O happens under the lock: a slow peer never stalls the others.
 */
final class StoreServer {
  /** A connection must complete its handshake within this; a port scanner or stuck peer is dropped. */
  private static final int HANDSHAKE_TIMEOUT_MS = 30_000;
  /** Pending connections the OS queues: a whole job's ranks connect at once at start-up. */
  private static final int BACKLOG = 1024;

  private final ServerSocket listener;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled whenever a key appears, a connection ends or the server stops: what blocked waits watch. */
  private final Condition changed = lock.newCondition();
  private final Map<String, byte[]> data = new HashMap<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionIds = new AtomicInteger();
  private volatile boolean stopped;

  private StoreServer(ServerSocket listener) {
    this.listener = listener;
  }

  /**
   * Binds {@code port} on all interfaces and starts accepting.
   *
   * @throws IOException when the port cannot be bound (a {@link java.net.BindException} when it is in use)
   */
  static StoreServer start(int port) throws IOException {
    ServerSocket listener = new ServerSocket();
    try {
      listener.bind(new InetSocketAddress(port), BACKLOG);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    StoreServer server = new StoreServer(listener);
    Thread acceptor = new Thread(server::acceptLoop, "jdnn-store-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Closes the listener and every connection; blocked waits return without an answer. Idempotent. */
  void stop() {
    stopped = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing is all that is left to do; the port is released either way
    }
    signalAll();
    for (Connection c : connections) c.closeSocket();
  }

  private void acceptLoop() {
    while (!stopped) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (stopped || listener.isClosed()) return;
        // transient (e.g. out of file descriptors): keep serving the connections already open
        sleepQuietly(50);
        continue;
      }
      Connection c = new Connection(socket, connectionIds.incrementAndGet());
      connections.add(c);
      if (stopped) { // stop() may have walked the set before the add
        c.closeSocket();
        return;
      }
      Thread reader = new Thread(c::read, "jdnn-store-conn-" + c.id);
      reader.setDaemon(true);
      reader.start();
    }
  }

  private void signalAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private enum Outcome { PRESENT, TIMED_OUT, ABORTED }

  /** Waits, holding {@link #lock}, until every key is present, the time is up, or {@code c} or the server ends. */
  private Outcome awaitLocked(Connection c, List<String> keys, long timeoutMs) throws InterruptedException {
    // awaitNanos keeps its deadline as a nanoTime difference, which is exact even for a huge timeout
    long remaining = TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
    while (true) {
      if (stopped || c.ended) return Outcome.ABORTED;
      if (data.keySet().containsAll(keys)) return Outcome.PRESENT;
      if (remaining <= 0) return Outcome.TIMED_OUT;
      remaining = changed.awaitNanos(remaining);
    }
  }

  /** One parsed request; which fields are used depends on the op. */
  private record Request(int op, List<String> keys, byte[] value, long number) {}

  /** Queued after the reader's last request to stop the worker. */
  private static final Request END = new Request(0, List.of(), null, 0);

  private final class Connection {
    final Socket socket;
    final int id;
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** The rank from the handshake; NO_RANK until then. */
    volatile int rank = NO_RANK;
    volatile boolean byeReceived;
    /** The connection is over: the worker drops what is queued and blocked waits give up. */
    volatile boolean ended;
    private final AtomicBoolean lossRecorded = new AtomicBoolean();
    DataInputStream in;
    DataOutputStream out;

    Connection(Socket socket, int id) {
      this.socket = socket;
      this.id = id;
    }

    void read() {
      try {
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        if (!handshake()) {
          closeSocket();
          return;
        }
        Thread worker = new Thread(this::serve, "jdnn-store-serve-" + id + (rank >= 0 ? "-rank" + rank : ""));
        worker.setDaemon(true);
        worker.start();
        while (true) {
          Request r = readRequest();
          if (r.op == BYE) byeReceived = true;
          requests.add(r);
          if (r.op == BYE) return; // the worker answers it and closes the socket
        }
      } catch (EOFException e) {
        end("connection closed without BYE");
      } catch (ProtocolException e) {
        end("protocol error: " + e.getMessage());
      } catch (IOException e) {
        end("connection failed without BYE: " + e);
      }
    }

    /** Reads magic, version and rank and accepts the connection; false when it is not a jdnn store client. */
    private boolean handshake() throws IOException {
      socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
      try {
        if (in.readInt() != StoreProtocol.MAGIC || in.readInt() != StoreProtocol.VERSION) return false;
        int r = in.readInt();
        if (r < NO_RANK) return false;
        rank = r;
      } catch (SocketTimeoutException e) {
        return false;
      }
      socket.setSoTimeout(0);
      out.writeByte(OK);
      out.flush();
      return true;
    }

    private Request readRequest() throws IOException {
      int op = in.readUnsignedByte();
      switch (op) {
        case SET:
          return new Request(op, List.of(StoreProtocol.readString(in)), StoreProtocol.readBytes(in), 0);
        case GET:
        case ADD:
          return new Request(op, List.of(StoreProtocol.readString(in)), null, in.readLong());
        case WAIT:
          return new Request(op, readKeys(), null, in.readLong());
        case CHECK:
          return new Request(op, readKeys(), null, 0);
        case DELETE:
          return new Request(op, List.of(StoreProtocol.readString(in)), null, 0);
        case BYE:
          return new Request(op, List.of(), null, 0);
        default:
          throw new ProtocolException("unknown op code " + op);
      }
    }

    private List<String> readKeys() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > MAX_KEYS) throw new ProtocolException("key count " + n + " is outside 0.." + MAX_KEYS);
      List<String> keys = new ArrayList<>(n);
      for (int i = 0; i < n; i++) keys.add(StoreProtocol.readString(in));
      return keys;
    }

    void serve() {
      try {
        while (true) {
          Request r = requests.take();
          if (r == END || ended) return;
          if (!answer(r)) return;
        }
      } catch (IOException e) {
        end("connection failed without BYE: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        closeSocket();
      }
    }

    /** Executes one request and writes its answer; false when the connection is done (BYE, or it ended). */
    private boolean answer(Request r) throws IOException, InterruptedException {
      String key = r.keys.isEmpty() ? null : r.keys.get(0);
      switch (r.op) {
        case SET:
          lock.lock();
          try {
            data.put(key, r.value);
            changed.signalAll();
          } finally {
            lock.unlock();
          }
          out.writeByte(OK);
          break;
        case GET: {
          byte[] value = null;
          Outcome o;
          lock.lock();
          try {
            o = awaitLocked(this, r.keys, r.number);
            if (o == Outcome.PRESENT) value = data.get(key);
          } finally {
            lock.unlock();
          }
          if (o == Outcome.ABORTED) return false;
          if (o == Outcome.TIMED_OUT) {
            out.writeByte(TIMED_OUT);
          } else {
            out.writeByte(OK);
            StoreProtocol.writeBytes(out, value);
          }
          break;
        }
        case ADD:
          add(key, r.number);
          break;
        case WAIT: {
          Outcome o;
          lock.lock();
          try {
            o = awaitLocked(this, r.keys, r.number);
          } finally {
            lock.unlock();
          }
          if (o == Outcome.ABORTED) return false;
          out.writeByte(o == Outcome.PRESENT ? OK : TIMED_OUT);
          break;
        }
        case CHECK: {
          boolean all;
          lock.lock();
          try {
            all = data.keySet().containsAll(r.keys);
          } finally {
            lock.unlock();
          }
          out.writeByte(OK);
          out.writeByte(all ? 1 : 0);
          break;
        }
        case DELETE: {
          boolean existed;
          lock.lock();
          try {
            existed = data.remove(key) != null;
          } finally {
            lock.unlock();
          }
          out.writeByte(OK);
          out.writeByte(existed ? 1 : 0);
          break;
        }
        case BYE:
          out.writeByte(OK);
          out.flush();
          return false;
        default:
          throw new IllegalStateException("op " + r.op + " passed the reader"); // readRequest rejects it
      }
      out.flush();
      return true;
    }

    private void add(String key, long delta) throws IOException {
      long sum;
      String error = null;
      lock.lock();
      try {
        byte[] old = data.get(key);
        long base = 0;
        if (old != null) {
          String text = new String(old, StandardCharsets.UTF_8);
          try {
            base = Long.parseLong(text);
          } catch (NumberFormatException e) {
            error = "ADD " + key + ": the stored value is not a decimal integer: " + quote(text);
          }
        }
        sum = 0;
        if (error == null) {
          try {
            sum = Math.addExact(base, delta);
            data.put(key, Long.toString(sum).getBytes(StandardCharsets.US_ASCII));
            changed.signalAll();
          } catch (ArithmeticException e) {
            error = "ADD " + key + ": " + base + " + " + delta + " overflows a signed 64-bit integer";
          }
        }
      } finally {
        lock.unlock();
      }
      if (error != null) {
        out.writeByte(FAILED);
        StoreProtocol.writeString(out, error);
      } else {
        out.writeByte(OK);
        out.writeLong(sum);
      }
    }

    /**
     * The connection is over without a clean BYE: records the loss of its rank (unless the server is
     * stopping, which ends every connection), wakes a blocked wait of its worker and closes the socket.
     */
    void end(String what) {
      ended = true;
      if (!stopped && !byeReceived && rank >= 0 && lossRecorded.compareAndSet(false, true)) {
        String text = what + " (peer " + socket.getRemoteSocketAddress() + ")";
        lock.lock();
        try {
          data.put(StoreProtocol.lostKey(rank), text.getBytes(StandardCharsets.UTF_8));
        } finally {
          lock.unlock();
        }
      }
      // wakes this connection's blocked wait and anyone waiting for the lost key
      signalAll();
      requests.add(END);
      closeSocket();
    }

    void closeSocket() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
      connections.remove(this);
    }
  }

  /** A stored value as a message shows it: quoted, and cut short when long. */
  private static String quote(String text) {
    return "\"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
  }
}
