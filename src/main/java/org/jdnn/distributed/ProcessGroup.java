package org.jdnn.distributed;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdnn.tensor.CommunicationException;
import org.jdnn.tensor.Communicator;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * The processes of a data-parallel job and the collectives they run together: all-reduce,
 * broadcast, all-gather, reduce-scatter and barrier on tensors, each blocking or asynchronous
 * ({@link Work}). CPU tensors travel over Gloo (TCP); CUDA tensors over NCCL, whose communicator is set
 * up at the group's first collective on a GPU tensor (rank 0 makes NCCL's id and hands it to the
 * others through the store). One GPU per process: launch a process per GPU, each on the GPU of its
 * LOCAL_RANK ({@code Device.cuda()}).
 *
 * <p>Ranks meet as torchrun's do: each process knows its RANK, the WORLD_SIZE and the MASTER_ADDR and
 * MASTER_PORT of rank 0, which hosts the rendezvous store ({@link TcpStore}); {@code scripts/jdnn-run}
 * starts the processes with that environment.
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
 *   Tensor grad = ...;
 *   group.allReduce(grad, ReduceOp.AVG);           // every rank now holds the mean
 *   Work pending = group.allReduceAsync(other, ReduceOp.SUM);
 *   ...                                            // compute meanwhile, not touching `other`
 *   pending.await();
 * }
 * }</pre>
 *
 * <p>Joining checks the job's shape: two processes claiming one rank, a rank started with another
 * WORLD_SIZE, or ranks that never arrive within the timeout fail every rank with a message naming
 * them. Collectives run one at a time, in the order they were called, on the group's communication
 * thread, each bounded by the timeout. When one fails, the message names the ranks that died (their
 * connection to the store ended without a goodbye) and those that had not reached the collective.
 * After a failure the group refuses further collectives; close it. Closing releases the
 * connections (and, on rank 0, the store); every rank should close its group when done.
 */
public final class ProcessGroup implements AutoCloseable {
  /** Default bound on joining and on each collective. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private static final long PROGRESS_PERIOD_MS = 500;
  private static final long FAILURE_GRACE_MS = 3000;

  private final int rank;
  private final int worldSize;
  private final Duration timeout;
  private final TcpStore store;
  private final Communicator communicator;
  // NCCL communicators by device, opened by the worker thread at the first collective on that device.
  private final Map<Device, Communicator> deviceCommunicators = new ConcurrentHashMap<>();
  private final String prefix;
  private final ExecutorService worker;
  private final ScheduledExecutorService progress;
  private final AtomicLong started = new AtomicLong();  // collectives begun on the worker thread
  private final AtomicLong collectiveNanos = new AtomicLong();
  private volatile long published = -1;
  private volatile boolean closed;
  private volatile boolean failureReported;

  private ProcessGroup(int rank, int worldSize, Duration timeout, TcpStore store, Communicator communicator,
      String prefix) {
    this.rank = rank;
    this.worldSize = worldSize;
    this.timeout = timeout;
    this.store = store;
    this.communicator = communicator;
    this.prefix = prefix;
    this.worker = Executors.newSingleThreadExecutor(r -> daemon(r, "jdnn-pg-rank" + rank));
    this.progress = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "jdnn-pg-progress-rank" + rank));
    progress.scheduleWithFixedDelay(this::publishProgress, 0, PROGRESS_PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Joins the job the environment describes (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, as
   * {@code scripts/jdnn-run} and torchrun set them; GLOO_SOCKET_IFNAME optionally names the network
   * interface to use), with the default timeout.
   *
   * @return this process's group, connected to every other rank
   * @throws IllegalArgumentException when a variable is missing or malformed (the message names it)
   * @throws DistributedException when rendezvous fails (the message says why and which ranks)
   */
  public static ProcessGroup fromEnvironment() {
    return builder().environment(System.getenv()).connect();
  }

  /**
   * A builder for a group given explicitly (tests, or launchers other than jdnn-run).
   *
   * @return a builder with no rank, world size or master set, and the default timeout
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a group to join; {@link #connect()} joins it. */
  public static final class Builder {
    private Integer rank;
    private Integer worldSize;
    private String masterAddr;
    private Integer masterPort;
    private String iface;
    private Integer localWorldSize;
    private Duration timeout = DEFAULT_TIMEOUT;

    private Builder() {}

    /**
     * Takes RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and GLOO_SOCKET_IFNAME from a map of
     * environment variables.
     *
     * @param env the variables, such as {@code System.getenv()}
     * @return this builder
     * @throws IllegalArgumentException when a required variable is missing or not a number
     */
    public Builder environment(Map<String, String> env) {
      rank = envInt(env, "RANK");
      worldSize = envInt(env, "WORLD_SIZE");
      masterAddr = envString(env, "MASTER_ADDR");
      masterPort = envInt(env, "MASTER_PORT");
      String local = env.get("LOCAL_WORLD_SIZE");
      localWorldSize = local == null || local.isBlank() ? null : envInt(env, "LOCAL_WORLD_SIZE");
      String ifname = env.get("GLOO_SOCKET_IFNAME");
      iface = ifname == null || ifname.isBlank() ? null : ifname.trim();
      return this;
    }

    /**
     * @param rank this process's rank, in [0, worldSize)
     * @return this builder
     */
    public Builder rank(int rank) {
      this.rank = rank;
      return this;
    }

    /**
     * @param worldSize the number of processes, at least 1
     * @return this builder
     */
    public Builder worldSize(int worldSize) {
      this.worldSize = worldSize;
      return this;
    }

    /**
     * @param host rank 0's address, where the rendezvous store listens
     * @param port the store's port
     * @return this builder
     */
    public Builder master(String host, int port) {
      this.masterAddr = host;
      this.masterPort = port;
      return this;
    }

    /**
     * @param timeout the bound on joining and on each collective, positive
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Joins the group: rank 0 hosts the store, every rank registers, checks the world size, and
     * connects to every other rank. Blocks until all ranks have joined.
     *
     * @return this process's group
     * @throws IllegalArgumentException for a missing or out-of-range setting
     * @throws IllegalStateException when rank 0 cannot listen on the master port (in use)
     * @throws DistributedException when a rank does not join in time, two claim one rank, the world
     *     sizes differ, or the master cannot be reached
     */
    public ProcessGroup connect() {
      if (worldSize == null || worldSize < 1) {
        throw new IllegalArgumentException("ProcessGroup: world size " + worldSize + " must be at least 1 (WORLD_SIZE)");
      }
      if (rank == null || rank < 0 || rank >= worldSize) {
        throw new IllegalArgumentException("ProcessGroup: rank " + rank + " is outside [0, " + worldSize + ") (RANK must"
            + " be below WORLD_SIZE)");
      }
      if (masterAddr == null || masterAddr.isBlank()) {
        throw new IllegalArgumentException("ProcessGroup: no master address (MASTER_ADDR: rank 0's host)");
      }
      if (masterPort == null || masterPort < 1 || masterPort > 65535) {
        throw new IllegalArgumentException("ProcessGroup: master port " + masterPort + " is outside [1, 65535] (MASTER_PORT)");
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("ProcessGroup: timeout must be positive, got " + timeout);
      }
      boolean multiNode = localWorldSize != null && localWorldSize < worldSize;
      return join(rank, worldSize, masterAddr.trim(), masterPort, iface, multiNode, timeout);
    }
  }

  private static ProcessGroup join(int rank, int worldSize, String masterAddr, int masterPort, String iface,
      boolean multiNode, Duration timeout) {
    TcpStore store = rank == 0 ? TcpStore.host(masterPort, rank, timeout)
        : TcpStore.connect(masterAddr, masterPort, rank, timeout);
    Communicator communicator = null;
    try {
      String prefix = "jdnn/pg/";  // each group has a store of its own
      register(store, prefix, rank, worldSize, timeout);
      String hostname = iface != null ? null : listenAddress(store, masterAddr, multiNode);
      try {
        communicator = Communicator.openGloo(rank, worldSize, masterAddr, masterPort, prefix + "gloo/", hostname, iface,
            timeout);
      } catch (CommunicationException e) {
        throw new DistributedException("ProcessGroup(gloo, rank " + rank + " of " + worldSize + "): connecting to the"
            + " other ranks failed: " + e.getMessage(), e);
      }
      return new ProcessGroup(rank, worldSize, timeout, store, communicator, prefix);
    } catch (RuntimeException e) {
      if (communicator != null) communicator.close();
      if (store.isHost() && e instanceof DistributedException) {
        // The other ranks time out at about the same moment and ask the store which ranks are
        // missing: keep serving a moment so their messages can name them too.
        try {
          Thread.sleep(FAILURE_GRACE_MS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      store.close();
      throw e;
    }
  }

  // Every rank claims its rank and checks rank 0's world size, then waits for all the others.
  private static void register(TcpStore store, String prefix, int rank, int worldSize, Duration timeout) {
    if (store.add(prefix + "rank/" + rank, 1) > 1) {
      throw new DistributedException("ProcessGroup: two processes claim rank " + rank + "; give each process its own"
          + " RANK in [0, " + worldSize + ")");
    }
    if (rank == 0) store.set(prefix + "world_size", ascii(worldSize));
    int hostWorld = Integer.parseInt(new String(store.get(prefix + "world_size", timeout), StandardCharsets.US_ASCII));
    if (hostWorld != worldSize) {
      throw new DistributedException("ProcessGroup: rank " + rank + " was started with WORLD_SIZE=" + worldSize
          + " but rank 0 with WORLD_SIZE=" + hostWorld + "; start every rank with the same world size");
    }
    List<String> keys = new ArrayList<>();
    for (int r = 0; r < worldSize; r++) keys.add(prefix + "rank/" + r);
    try {
      store.await(keys, timeout);
    } catch (DistributedException e) {
      String who;
      try {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) if (!store.check(List.of(prefix + "rank/" + r))) missing.add(r);
        who = "rank" + (missing.size() == 1 ? " " : "s ") + join(missing) + " of " + worldSize;
      } catch (DistributedException storeGone) {
        who = "some of the " + worldSize + " ranks (the store closed before they could be listed)";
      }
      throw new DistributedException("ProcessGroup: " + who + " did not join within " + seconds(timeout)
          + "; start every rank (scripts/jdnn-run starts them all) or raise the timeout", e);
    }
  }

  // The address this rank's Gloo listener binds, one the other ranks can reach: on rank 0 the master
  // address itself (rank 0 runs there); elsewhere the local end of the connection to the store, an
  // address of the interface that reaches rank 0.
  private static String listenAddress(TcpStore store, String masterAddr, boolean multiNode) {
    if (!store.isHost()) return store.localAddress().getHostAddress();
    InetAddress address;
    try {
      address = InetAddress.getByName(masterAddr);
    } catch (java.net.UnknownHostException e) {
      throw new DistributedException("ProcessGroup: MASTER_ADDR " + masterAddr + " does not resolve on rank 0: " + e, e);
    }
    if (multiNode && address.isLoopbackAddress()) {  // Debian maps a host's own name to 127.0.1.1
      throw new DistributedException("ProcessGroup: MASTER_ADDR " + masterAddr + " resolves to the loopback address "
          + address.getHostAddress() + " on rank 0, which ranks on other machines cannot reach; set MASTER_ADDR to an"
          + " address of this machine that they reach, or name the network interface in GLOO_SOCKET_IFNAME");
    }
    return address.getHostAddress();
  }

  /**
   * This process's rank.
   *
   * @return the rank, in [0, worldSize())
   */
  public int rank() {
    return rank;
  }

  /**
   * The number of processes in the job.
   *
   * @return the world size
   */
  public int worldSize() {
    return worldSize;
  }

  /**
   * The engines carrying the collectives.
   *
   * @return "gloo", or "gloo+nccl" once a collective ran on GPU tensors
   */
  public String backend() {
    return deviceCommunicators.isEmpty() ? communicator.engine() : communicator.engine() + "+nccl";
  }

  /**
   * The bound on each collective.
   *
   * @return the timeout given when joining
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * How long this rank's communication thread has spent inside collectives (waiting for peers
   * included), since the group was joined: with {@link DistributedDataParallel#exposedCommunicationNanos()},
   * how much communication a training step costs and how much of it overlapped computation.
   *
   * @return nanoseconds
   */
  public long collectiveNanos() {
    return collectiveNanos.get();
  }

  /**
   * The rendezvous store the ranks share (for job-level keys of one's own; the group's keys start
   * with "jdnn/").
   *
   * @return the store, open until this group closes
   */
  public TcpStore store() {
    return store;
  }

  /**
   * Replaces {@code t} on every rank by the sum of all ranks' {@code t}; blocks until done.
   *
   * @param t a tensor of the same dtype, element count and device kind on every rank
   * @throws IllegalArgumentException for a tensor the engine cannot carry
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void allReduce(Tensor t) {
    allReduce(t, ReduceOp.SUM);
  }

  /**
   * Replaces {@code t} on every rank by the reduction of all ranks' {@code t}; blocks until done.
   *
   * @param t a tensor of the same dtype, element count and device kind on every rank
   * @param op the reduction (AVG for float32/float64 only)
   * @throws IllegalArgumentException for a tensor the engine cannot carry
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void allReduce(Tensor t, ReduceOp op) {
    allReduceAsync(t, op).await();
  }

  /**
   * Starts {@link #allReduce(Tensor, ReduceOp)} on the communication thread and returns at once.
   *
   * @param t the tensor, untouched by the caller until the work is awaited
   * @param op the reduction
   * @return the pending work
   * @throws IllegalArgumentException for a tensor the engine cannot carry (device, dtype) or AVG of
   *     integers, checked before anything starts
   */
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    check("allReduce", t, op.engineOp());
    return submit("allReduce(" + op + ")", () -> engineFor(t).allReduce(t, op.engineOp(), timeout));
  }

  /**
   * Copies rank {@code root}'s {@code t} into every other rank's; blocks until done.
   *
   * @param t the source on the root, the destination elsewhere
   * @param root the sending rank
   * @throws IllegalArgumentException for a root outside [0, worldSize()) or an unsupported tensor
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void broadcast(Tensor t, int root) {
    broadcastAsync(t, root).await();
  }

  /**
   * Starts {@link #broadcast(Tensor, int)} and returns at once.
   *
   * @param t the source on the root, the destination elsewhere
   * @param root the sending rank
   * @return the pending work
   * @throws IllegalArgumentException for a root outside [0, worldSize()) or an unsupported tensor
   */
  public Work broadcastAsync(Tensor t, int root) {
    check("broadcast", t, null);
    if (root < 0 || root >= worldSize) {
      throw new IllegalArgumentException("broadcast: root " + root + " is outside [0, " + worldSize + ")");
    }
    return submit("broadcast(root " + root + ")", () -> engineFor(t).broadcast(t, root, timeout));
  }

  /**
   * Gathers every rank's {@code in} into {@code out} (block k, of in's element count, from rank
   * k); blocks until done.
   *
   * @param in this rank's tensor
   * @param out worldSize() blocks of in's element count, same dtype
   * @throws IllegalArgumentException when out does not fit
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void allGather(Tensor in, Tensor out) {
    allGatherAsync(in, out).await();
  }

  /**
   * Starts {@link #allGather(Tensor, Tensor)} and returns at once.
   *
   * @param in this rank's tensor
   * @param out worldSize() blocks of in's element count, same dtype
   * @return the pending work
   * @throws IllegalArgumentException when out does not fit
   */
  public Work allGatherAsync(Tensor in, Tensor out) {
    check("allGather", in, null);
    Communicator.checkTensor("allGather", in.device(), out, null);
    if (out.dtype() != in.dtype() || out.numel() != in.numel() * worldSize) {
      throw new IllegalArgumentException("allGather: the output must be a " + in.dtype() + " tensor of " + worldSize
          + " x " + in.numel() + " elements, got " + out);
    }
    return submit("allGather", () -> engineFor(in).allGather(in, out, timeout));
  }

  /**
   * Reduces block k of every rank's {@code in} into rank k's {@code out}; blocks until done.
   *
   * @param in worldSize() blocks of out's element count
   * @param out this rank's block of the reduction
   * @param op the reduction
   * @throws IllegalArgumentException when in does not fit
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    reduceScatterAsync(in, out, op).await();
  }

  /**
   * Starts {@link #reduceScatter(Tensor, Tensor, ReduceOp)} and returns at once.
   *
   * @param in worldSize() blocks of out's element count
   * @param out this rank's block of the reduction
   * @param op the reduction
   * @return the pending work
   * @throws IllegalArgumentException when in does not fit
   */
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    check("reduceScatter", in, op.engineOp());
    Communicator.checkTensor("reduceScatter", in.device(), out, null);
    if (out.dtype() != in.dtype() || in.numel() != out.numel() * worldSize) {
      throw new IllegalArgumentException("reduceScatter: the input must be a " + out.dtype() + " tensor of " + worldSize
          + " x " + out.numel() + " elements, got " + in);
    }
    return submit("reduceScatter(" + op + ")", () -> engineFor(in).reduceScatter(in, out, op.engineOp(), timeout));
  }

  /**
   * Returns when every rank has called it.
   *
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void barrier() {
    barrierAsync().await();
  }

  /**
   * Starts {@link #barrier()} and returns at once.
   *
   * @return the pending work
   */
  public Work barrierAsync() {
    return submit("barrier", () -> communicator.barrier(timeout));
  }

  /**
   * Tells the other ranks why this rank is about to stop (its exception's class and message, kept
   * in the store), so that the collective failure they see next names this rank and the cause
   * rather than only its absence. Never throws: the store may already be gone.
   *
   * @param cause what stopped this rank
   */
  public void reportFailure(Throwable cause) {
    if (cause == null || cause instanceof DistributedException) return;  // not the root cause: another rank's
    try {
      String text = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      store.set("jdnn/failed/" + rank, text.getBytes(StandardCharsets.UTF_8));
      failureReported = true;
    } catch (RuntimeException e) {
      // the store (rank 0) is gone: the others learn of this rank's end from its closed connections
    }
  }

  /**
   * Lets queued collectives finish, then closes the connections to the other ranks and the store
   * (on rank 0 the store stops serving). Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    worker.shutdown();
    try {
      if (!worker.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) cancelQueued();
    } catch (InterruptedException e) {
      cancelQueued();
      Thread.currentThread().interrupt();
    }
    progress.shutdownNow();
    try {
      for (Communicator c : deviceCommunicators.values()) c.close();
      deviceCommunicators.clear();
      communicator.close();  // the other ranks' collectives fail now, and they ask the store why
    } finally {
      if (failureReported && store.isHost()) {
        // This rank reported its failure in the store it hosts: keep serving a moment, so the others
        // read it before the store goes with this process.
        try {
          Thread.sleep(FAILURE_GRACE_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      store.close();
    }
  }

  @Override
  public String toString() {
    return "ProcessGroup(" + backend() + ", rank " + rank + " of " + worldSize + ")";
  }

  // The caller's argument check, before anything is queued: the engine of the tensor's device.
  private static void check(String op, Tensor t, Communicator.Op reduction) {
    if (t == null) throw new IllegalArgumentException(op + ": null tensor");
    Communicator.checkTensor(op, t.device(), t, reduction);
  }

  // On the worker thread: Gloo for CPU tensors, the device's NCCL communicator (opened now, at the
  // group's first collective on that device) for GPU tensors.
  private Communicator engineFor(Tensor t) {
    Device device = t.device();
    if (device == Device.cpu()) return communicator;
    Communicator c = deviceCommunicators.get(device);
    if (c == null) {
      c = openDevice(device);
      deviceCommunicators.put(device, c);
    }
    return c;
  }

  // Every rank reaches this at the same collective: rank 0 makes NCCL's id and publishes it, the
  // others read it. NCCL's set-up waits for all ranks without a bound of its own, so it runs on a
  // thread of its own, bounded here by the group's timeout (a set-up that never ends leaves that
  // daemon thread behind, and the group fails).
  private Communicator openDevice(Device device) {
    // Keyed by the kind of device, not its ordinal: each rank has a GPU of its own (cuda:0, cuda:1, ...).
    String kind = device.toString().replaceFirst(":.*", "");
    String key = prefix + "nccl/" + kind + "/id";
    byte[] id;
    if (rank == 0) {
      id = Communicator.deviceGroupId(device);
      store.set(key, id);
    } else {
      id = store.get(key, timeout);
    }
    FutureTask<Communicator> open = new FutureTask<>(() -> Communicator.openDevice(device, rank, worldSize, id, timeout));
    daemon(open, "jdnn-pg-nccl-setup-rank" + rank).start();
    try {
      return open.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CommunicationException("NCCL set-up on " + device + " did not complete within " + seconds(timeout)
          + " (a rank did not join)");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new CommunicationException("NCCL set-up on " + device + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommunicationException("NCCL set-up on " + device + " was interrupted", e);
    }
  }

  private Work submit(String what, Runnable collective) {
    synchronized (this) {
      if (closed) throw new IllegalStateException(this + " is closed");
      String label = what;
      Callable<Void> task = () -> {
        long n = started.incrementAndGet();
        long begin = System.nanoTime();
        try {
          collective.run();
        } catch (CommunicationException e) {
          throw new DistributedException(diagnose(label + " #" + n, n, e), e);
        } finally {
          collectiveNanos.addAndGet(System.nanoTime() - begin);
        }
        return null;
      };
      return new Work(this + " " + what, worker.submit(task));
    }
  }

  // Why a collective failed, from the store: ranks that reported a failure (reportFailure), ranks that
  // died (their store connection ended without a goodbye) and ranks whose published progress is
  // behind this one (they had not arrived). A death reaches the store a moment after the peers see
  // it, so the store is polled for a short while.
  private String diagnose(String what, long n, CommunicationException cause) {
    List<String> findings = new ArrayList<>();
    long failedAt = System.nanoTime();
    try {
      List<Integer> accounted = new ArrayList<>();
      long deadline = failedAt + TimeUnit.SECONDS.toNanos(2);
      do {
        findings.clear();
        accounted.clear();
        List<Integer> died = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
          if (r == rank) continue;
          if (store.check(List.of("jdnn/failed/" + r))) {
            findings.add("rank " + r + " failed with " + new String(store.get("jdnn/failed/" + r), StandardCharsets.UTF_8));
            accounted.add(r);
          } else if (store.check(List.of("jdnn/lost/" + r))) {
            died.add(r);
            accounted.add(r);
          }
        }
        if (!died.isEmpty()) {
          findings.add("rank" + (died.size() == 1 ? " " : "s ") + join(died) + (died.size() == 1 ? " has" : " have")
              + " died (connection to the rendezvous store lost)");
        }
        if (!accounted.isEmpty()) break;
        Thread.sleep(100);
      } while (System.nanoTime() < deadline);
      // Progress is published every PROGRESS_PERIOD_MS: past one period, a live rank that had begun
      // this collective has said so.
      long settled = failedAt + TimeUnit.MILLISECONDS.toNanos(PROGRESS_PERIOD_MS + 200) - System.nanoTime();
      if (settled > 0) Thread.sleep(TimeUnit.NANOSECONDS.toMillis(settled) + 1);
      List<Integer> behind = new ArrayList<>();
      for (int r = 0; r < worldSize; r++) {
        if (r == rank || accounted.contains(r)) continue;
        String key = prefix + "progress/" + r;
        long theirs = store.check(List.of(key)) ? Long.parseLong(new String(store.get(key), StandardCharsets.US_ASCII)) : 0;
        if (theirs < n) behind.add(r);
      }
      if (!behind.isEmpty()) findings.add("rank" + (behind.size() == 1 ? " " : "s ") + join(behind) + " had not reached it");
    } catch (DistributedException | IllegalStateException e) {
      findings.add("the rendezvous store is unreachable too (rank 0 has exited?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return this + ": " + what + " failed" + (findings.isEmpty() ? "" : ": " + String.join("; ", findings)) + " ("
        + cause.getMessage() + ")";
  }

  // How many collectives this rank has begun, for the others' diagnosis of a failure.
  private void publishProgress() {
    long n = started.get();
    if (n == published || closed) return;
    try {
      store.set(prefix + "progress/" + rank, ascii(n));
      published = n;
    } catch (RuntimeException e) {
      // The store is gone (rank 0 exited): the next collective reports it.
    }
  }

  // Collectives still queued will not run: their Work fails at await() instead of waiting forever.
  private void cancelQueued() {
    for (Runnable r : worker.shutdownNow()) if (r instanceof java.util.concurrent.Future<?> f) f.cancel(false);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static byte[] ascii(long v) {
    return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
  }

  private static String join(List<Integer> ranks) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < ranks.size(); i++) s.append(i == 0 ? "" : ", ").append(ranks.get(i));
    return s.toString();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static int envInt(Map<String, String> env, String name) {
    String v = envString(env, name);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ProcessGroup: " + name + "='" + v + "' is not an integer");
    }
  }

  private static String envString(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("ProcessGroup: environment variable " + name + " is not set; start the job"
          + " with scripts/jdnn-run (or torchrun-style RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
    }
    return v;
  }
}
