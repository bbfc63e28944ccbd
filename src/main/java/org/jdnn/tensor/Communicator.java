package org.jdnn.tensor;

import java.io.File;
import java.net.URL;
import java.time.Duration;
import java.util.Set;
import org.bytedeco.javacpp.Loader;
import org.jdnn.bridge.JdnnNative;

/**
 * One process's membership in a group of processes that run collective operations on tensors: the
 * engine under {@code org.jdnn.distributed.ProcessGroup}, which is what applications use (it adds
 * rendezvous, asynchronous calls and the names of ranks that failed). Gloo carries CPU tensors over
 * TCP through libjdnn_gloo, jdnn's library built against Debian's libgloo-dev and loaded on first
 * use; NCCL carries CUDA tensors ({@link #openDevice}), bound by the CUDA backend on first use and
 * emulated on cuda-emu (through shared memory between the ranks' processes, one machine). Every
 * reduction is the engine's own.
 *
 * <p>Every call is collective: each rank of the group makes the same calls in the same order, with
 * tensors of the same dtype and element count, and a call returns when this rank's part is done. A
 * call that cannot complete (a peer died, or did not arrive within the timeout) throws
 * {@link CommunicationException}, after which the communicator refuses further calls. Not
 * thread-safe: one call at a time. Close it to release its connections.
 */
public final class Communicator implements AutoCloseable {
  /** How a reduction combines the ranks' elements. */
  public enum Op {
    /** The sum over ranks. */
    SUM,
    /** The sum divided by the world size (float32 and float64 only), as NCCL's ncclAvg. */
    AVG,
    /** The largest value (NaN if any rank's is NaN). */
    MAX
  }

  private static final String GLOO_LIBRARY = "libjdnn_gloo.so";
  private static final Set<DType> GLOO_TYPES = Set.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64, DType.UINT8);
  private static final Set<DType> NCCL_TYPES = Set.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64, DType.UINT8,
      DType.FLOAT16, DType.BFLOAT16);
  private static final int ID_CAPACITY = 1024;

  private final String engine;
  private final Device device;
  private final int rank;
  private final int size;
  private long handle;

  private Communicator(String engine, Device device, long handle, int rank, int size) {
    this.engine = engine;
    this.device = device;
    this.handle = handle;
    this.rank = rank;
    this.size = size;
  }

  /**
   * Makes the id of a new group on a GPU device (NCCL's unique id), which one rank makes and every
   * rank then passes to {@link #openDevice}. Binds NCCL on first use.
   *
   * @param device cuda or cuda-emu
   * @return the id's bytes
   * @throws IllegalArgumentException for the CPU (whose tensors go through {@link #openGloo})
   * @throws CommunicationException when NCCL is missing (the message says how to install it)
   */
  public static byte[] deviceGroupId(Device device) {
    requireGpu("Communicator.deviceGroupId", device);
    preloadNccl(device);
    byte[] out = new byte[ID_CAPACITY];
    long n = NativeErrors.count(JdnnNative.dist_device_unique_id(device.code, out, out.length));
    return java.util.Arrays.copyOf(out, (int) n);
  }

  /**
   * Joins a group on a GPU device through NCCL: every rank passes the id one of them made with
   * {@link #deviceGroupId}, and the call returns once all {@code size} ranks have joined (NCCL's own
   * set-up has no timeout: bound it from the caller, as {@code ProcessGroup} does). Each later
   * collective runs on a communication stream of its own, after the work already queued on the
   * device, and is bounded by its timeout: past it the communicator is aborted and the call throws.
   *
   * @param device cuda or cuda-emu: the device whose tensors this communicator carries
   * @param rank this process's rank, in [0, size)
   * @param size the number of processes
   * @param id the group's id, the same bytes on every rank
   * @param timeout the default bound on each collective
   * @return this rank's communicator
   * @throws IllegalArgumentException for a rank outside [0, size), an empty id, the CPU or a
   *     non-positive timeout
   * @throws CommunicationException when NCCL is missing or cannot connect the ranks
   */
  public static Communicator openDevice(Device device, int rank, int size, byte[] id, Duration timeout) {
    requireGpu("Communicator.openDevice", device);
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException("Communicator.openDevice: rank " + rank + " is outside [0, " + size
          + "): give each of the " + size + " processes a distinct rank below the world size");
    }
    if (id == null || id.length == 0) {
      throw new IllegalArgumentException("Communicator.openDevice: empty group id; make it with deviceGroupId on one rank");
    }
    long ms = millis("Communicator.openDevice", timeout);
    preloadNccl(device);
    long h = JdnnNative.dist_device_open(device.code, rank, size, id, id.length, ms);
    return new Communicator("nccl", device, NativeErrors.handle(h), rank, size);
  }

  /**
   * The collective engine a GPU device has bound, with its version.
   *
   * @param device cuda or cuda-emu
   * @return for example "NCCL 2.27.3", or "" before the first GPU group was opened
   */
  public static String deviceEngine(Device device) {
    requireGpu("Communicator.deviceEngine", device);
    return NativeErrors.text(JdnnNative.dist_device_engine(device.code));
  }

  // A GPU's first collective: NCCL from a redist jar on the class path, when there is one, goes
  // into the process before the backend's binder looks for libnccl.so.2 (emulated NCCL needs none).
  private static synchronized void preloadNccl(Device device) {
    if (ncclPreloadTried || device.code == Device.CUDA_EMU_CODE) return;
    ncclPreloadTried = true;
    VendorRedist.loadNccl(Communicator.class.getClassLoader(),
        path -> NativeErrors.check(JdnnNative.device_preload_library(path)));
  }

  private static boolean ncclPreloadTried;

  private static void requireGpu(String op, Device device) {
    if (device == null) throw new IllegalArgumentException(op + ": null device");
    if (device == Device.cpu()) {
      throw new IllegalArgumentException(op + ": NCCL carries GPU tensors; CPU tensors go through Gloo (openGloo)");
    }
  }

  /**
   * Joins a Gloo group: connects every pair of ranks over TCP, the ranks exchanging addresses
   * through the rendezvous store ({@code org.jdnn.distributed.TcpStore}) at storeHost:storePort.
   * Blocks until all {@code size} ranks have joined.
   *
   * @param rank this process's rank, in [0, size)
   * @param size the number of processes
   * @param storeHost the store's host (MASTER_ADDR)
   * @param storePort the store's port (MASTER_PORT)
   * @param prefix a key prefix unique to this group in the store
   * @param hostname the address this rank listens on for its peers, one they can reach (ignored when
   *     {@code iface} is given)
   * @param iface a network interface name to listen on (GLOO_SOCKET_IFNAME), or null
   * @param timeout how long joining, and each later call by default, may wait for the other ranks
   * @return this rank's communicator
   * @throws IllegalArgumentException for a rank outside [0, size), a blank host or a non-positive timeout
   * @throws CommunicationException when libgloo0 or libjdnn_gloo is missing (the message says what to
   *     install) or the other ranks did not join within the timeout
   */
  public static Communicator openGloo(int rank, int size, String storeHost, int storePort, String prefix,
      String hostname, String iface, Duration timeout) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException("Communicator.openGloo: rank " + rank + " is outside [0, " + size
          + "): give each of the " + size + " processes a distinct rank below the world size");
    }
    if (storeHost == null || storeHost.isBlank()) throw new IllegalArgumentException("Communicator.openGloo: blank store host");
    if (storePort < 1 || storePort > 65535) {
      throw new IllegalArgumentException("Communicator.openGloo: store port " + storePort + " is outside [1, 65535]");
    }
    if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("Communicator.openGloo: empty key prefix");
    boolean hasIface = iface != null && !iface.isBlank();
    if (!hasIface && (hostname == null || hostname.isBlank())) {
      throw new IllegalArgumentException("Communicator.openGloo: give the address this rank listens on, or an interface");
    }
    long ms = millis("Communicator.openGloo", timeout);
    JdnnNative.load();
    long h = JdnnNative.dist_gloo_open(glooLibrary(), rank, size, storeHost, storePort, prefix,
        hasIface ? "" : hostname, hasIface ? iface : "", ms);
    return new Communicator("gloo", Device.cpu(), NativeErrors.handle(h), rank, size);
  }

  /**
   * Whether this jdnn build carries the Gloo engine (libjdnn_gloo, built where libgloo-dev was
   * installed). It still needs libgloo0 at run time.
   *
   * @return true when libjdnn_gloo is in the jar
   */
  public static boolean glooBuilt() {
    return JdnnNative.class.getResource(Loader.getPlatform() + "/" + GLOO_LIBRARY) != null;
  }

  /**
   * The engine's name.
   *
   * @return "gloo" or "nccl"
   */
  public String engine() {
    return engine;
  }

  /**
   * The device whose tensors this communicator carries.
   *
   * @return the CPU for Gloo, cuda or cuda-emu for NCCL
   */
  public Device device() {
    return device;
  }

  /**
   * This process's rank.
   *
   * @return the rank, in [0, size())
   */
  public int rank() {
    return rank;
  }

  /**
   * The number of processes in the group.
   *
   * @return the world size
   */
  public int size() {
    return size;
  }

  /**
   * Replaces {@code t} on every rank by the reduction of all ranks' {@code t}, in place.
   *
   * @param t the tensor, of the same dtype and element count on every rank
   * @param op the reduction
   * @param timeout how long to wait for the other ranks, or null for the group's timeout
   * @throws IllegalArgumentException for a tensor the engine cannot carry (device, dtype) or AVG of integers
   * @throws CommunicationException when a peer died or did not arrive in time
   */
  public void allReduce(Tensor t, Op op, Duration timeout) {
    checkTensor("allReduce", device, t, op);
    NativeErrors.check(JdnnNative.dist_all_reduce(open(), t.h(), op.ordinal(), orDefault(timeout)));
  }

  /**
   * Copies rank {@code root}'s {@code t} into every other rank's {@code t}.
   *
   * @param t the tensor: the source on the root, the destination elsewhere
   * @param root the rank whose tensor is sent
   * @param timeout how long to wait for the other ranks, or null for the group's timeout
   * @throws IllegalArgumentException for a root outside [0, size()) or a tensor the engine cannot carry
   * @throws CommunicationException when a peer died or did not arrive in time
   */
  public void broadcast(Tensor t, int root, Duration timeout) {
    checkTensor("broadcast", device, t, null);
    if (root < 0 || root >= size) {
      throw new IllegalArgumentException("broadcast: root " + root + " is outside [0, " + size + ")");
    }
    NativeErrors.check(JdnnNative.dist_broadcast(open(), t.h(), root, orDefault(timeout)));
  }

  /**
   * Gathers every rank's {@code in} into {@code out}: block k of {@code out} (in's element count
   * each) receives rank k's {@code in}.
   *
   * @param in this rank's tensor
   * @param out size() blocks of in's element count, of in's dtype and device
   * @param timeout how long to wait for the other ranks, or null for the group's timeout
   * @throws IllegalArgumentException when out's size, dtype or device do not fit
   * @throws CommunicationException when a peer died or did not arrive in time
   */
  public void allGather(Tensor in, Tensor out, Duration timeout) {
    checkTensor("allGather", device, in, null);
    checkTensor("allGather", device, out, null);
    if (out.dtype() != in.dtype() || out.numel() != in.numel() * size) {
      throw new IllegalArgumentException("allGather: the output must be a " + in.dtype() + " tensor of " + size + " x "
          + in.numel() + " elements, got " + out);
    }
    NativeErrors.check(JdnnNative.dist_all_gather(open(), in.h(), out.h(), orDefault(timeout)));
  }

  /**
   * Reduces block k of every rank's {@code in} into rank k's {@code out}.
   *
   * @param in size() blocks of out's element count
   * @param out this rank's block of the reduction
   * @param op the reduction
   * @param timeout how long to wait for the other ranks, or null for the group's timeout
   * @throws IllegalArgumentException when in's size, dtype or device do not fit
   * @throws CommunicationException when a peer died or did not arrive in time
   */
  public void reduceScatter(Tensor in, Tensor out, Op op, Duration timeout) {
    checkTensor("reduceScatter", device, in, op);
    checkTensor("reduceScatter", device, out, null);
    if (out.dtype() != in.dtype() || in.numel() != out.numel() * size) {
      throw new IllegalArgumentException("reduceScatter: the input must be a " + out.dtype() + " tensor of " + size
          + " x " + out.numel() + " elements, got " + in);
    }
    NativeErrors.check(JdnnNative.dist_reduce_scatter(open(), in.h(), out.h(), op.ordinal(), orDefault(timeout)));
  }

  /**
   * Returns when every rank has called it.
   *
   * @param timeout how long to wait for the other ranks, or null for the group's timeout
   * @throws CommunicationException when a peer died or did not arrive in time
   */
  public void barrier(Duration timeout) {
    NativeErrors.check(JdnnNative.dist_barrier(open(), orDefault(timeout)));
  }

  /** Closes the connections to the other ranks; later calls throw. Idempotent. */
  @Override
  public synchronized void close() {
    if (handle == 0) return;
    long h = handle;
    handle = 0;
    NativeErrors.check(JdnnNative.dist_close(h));
  }

  private synchronized long open() {
    if (handle == 0) throw new IllegalStateException("Communicator(" + engine + ", rank " + rank + ") is closed");
    return handle;
  }

  /**
   * Checks that Gloo can carry {@code t} (a CPU tensor of float32, float64, int32, int64 or uint8),
   * and for AVG that it is a floating type: what every call here checks first, for callers that
   * queue a call and want its argument errors at once.
   *
   * @param op the operation, for the message
   * @param t the tensor
   * @param reduction the reduction, or null for a call without one
   * @throws IllegalArgumentException naming the op, the tensor and the fix
   */
  public static void checkGlooTensor(String op, Tensor t, Op reduction) {
    if (t == null) throw new IllegalArgumentException(op + ": null tensor");
    if (t.device() != Device.cpu()) {
      throw new IllegalArgumentException(op + ": " + t + " is on " + t.device() + "; Gloo carries CPU tensors (move it"
          + " with to(Device.cpu()))");
    }
    if (!GLOO_TYPES.contains(t.dtype())) {
      throw new IllegalArgumentException(op + ": Gloo carries float32, float64, int32, int64 and uint8 tensors, not "
          + t.dtype() + "; convert it first");
    }
    if (reduction == Op.AVG && t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException(op + ": AVG of a " + t.dtype() + " tensor would be truncated; use SUM, or a"
          + " float32/float64 tensor");
    }
  }

  /**
   * Checks that the engine for {@code device} can carry {@code t}: Gloo on the CPU
   * ({@link #checkGlooTensor}), NCCL on cuda and cuda-emu (float32, float64, float16, bfloat16,
   * int32, int64 and uint8 tensors on that device; AVG for floating types only).
   *
   * @param op the operation, for the message
   * @param device the communicator's device
   * @param t the tensor
   * @param reduction the reduction, or null for a call without one
   * @throws IllegalArgumentException naming the op, the tensor and the fix
   */
  public static void checkTensor(String op, Device device, Tensor t, Op reduction) {
    if (device == Device.cpu()) {
      checkGlooTensor(op, t, reduction);
      return;
    }
    if (t == null) throw new IllegalArgumentException(op + ": null tensor");
    if (t.device() != device) {
      throw new IllegalArgumentException(op + ": " + t + " is on " + t.device() + " but this NCCL communicator carries "
          + device + " tensors; move it with to(" + device + ")");
    }
    if (!NCCL_TYPES.contains(t.dtype())) {
      throw new IllegalArgumentException(op + ": NCCL carries float32, float64, float16, bfloat16, int32, int64 and uint8"
          + " tensors, not " + t.dtype() + "; convert it first");
    }
    if (reduction == Op.AVG && !t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(op + ": AVG of a " + t.dtype() + " tensor would be truncated; use SUM, or a"
          + " floating-point tensor");
    }
  }

  private static long orDefault(Duration timeout) {
    return timeout == null ? 0 : millis("Communicator", timeout);
  }

  private static long millis(String op, Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(op + ": timeout must be positive, got " + timeout);
    }
    return Math.max(1, timeout.toMillis());
  }

  private static String glooLibrary() {
    String resource = Loader.getPlatform() + "/" + GLOO_LIBRARY;
    URL url = JdnnNative.class.getResource(resource);
    if (url == null) {
      throw new CommunicationException("this jdnn build has no Gloo engine (" + GLOO_LIBRARY + " is not in the jar: it"
          + " was built without libgloo-dev); install libgloo-dev (apt-get install libgloo-dev) and rebuild jdnn");
    }
    try {
      File file = Loader.cacheResource(JdnnNative.class, resource);
      return file.getAbsolutePath();
    } catch (Exception e) {
      throw new CommunicationException("cannot extract " + GLOO_LIBRARY + " from the jar: " + e, e);
    }
  }
}
