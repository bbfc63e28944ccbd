package org.jdnn.tensor;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.jdnn.bridge.JdnnNative;

/**
 * Where a tensor's memory lives and its ops run.
 *
 * <ul>
 *   <li>{@link #cpu()}: always present.
 *   <li>{@link #cuda()}: this process's NVIDIA GPU, through libjdnn_cuda (cuBLAS, cuDNN and jdnn's
 *       own kernels). Loaded on first use; needs only the NVIDIA driver plus cuBLAS and cuDNN, found
 *       on the system library path or in a jar of those libraries on the class path
 *       (org.bytedeco:cuda:12.6-9.5-1.5.11:linux-x86_64-redist, see {@code VendorRedist}). Throws
 *       {@link DeviceUnavailableException} naming what is missing.
 *   <li>{@link #cudaEmulated()}: the same CUDA backend code built against a CPU emulation of the
 *       CUDA runtime, cuBLAS and cuDNN. Slow; it exists so that the GPU code paths run in tests on
 *       machines without a GPU.
 * </ul>
 *
 * <h2>One GPU per process</h2>
 *
 * <p>The CUDA backend binds one GPU per process, chosen when it loads: {@link #cuda(int)} names it
 * (an ordinal among the GPUs CUDA_VISIBLE_DEVICES shows), and {@link #cuda()} takes the one the
 * launcher gave this process, the {@code LOCAL_RANK} environment variable's (torchrun's convention,
 * which {@code scripts/jdnn-run} follows), else GPU 0. Data-parallel jobs on a machine with several
 * GPUs therefore run one process per GPU:
 *
 * <pre>{@code
 * // scripts/jdnn-run --nproc-per-node 4 com.example.Train   (LOCAL_RANK 0..3, one JVM each)
 * Device gpu = Device.cuda();                               // GPU LOCAL_RANK of this node
 * }</pre>
 *
 * <p>Once bound, asking the same backend for another ordinal throws a
 * {@link DeviceUnavailableException} (an {@link IllegalStateException}) that names the GPU this
 * process uses. Every Java thread that runs ops (the main thread, data loaders, a process group's
 * communication thread) works on that GPU: the backend makes it current on each thread the first
 * time the thread enters it, since the CUDA runtime's current device is per thread and a new thread
 * would otherwise start on GPU 0. The emulation ({@link #cudaEmulated(int)}) binds an ordinal the
 * same way; it has one device unless the JDNN_EMU_MODES test mode {@code devices=N} gives it more.
 *
 * <p>Factories that take no device ({@link Tensor#zeros}, {@link Tensor#of}, layer constructors)
 * use the current thread's {@linkplain #defaultDevice() default device}, the CPU unless changed
 * with {@link #setDefault} or {@link #useDefault}. Tensors move with {@link Tensor#to(Device)}; an
 * op whose inputs live on different devices throws, naming both.
 */
public final class Device {
  static final int CPU_CODE = 0;
  static final int CUDA_CODE = 1;
  static final int CUDA_EMU_CODE = 2;

  private static final Device CPU = new Device(CPU_CODE, "cpu", null);
  private static final Device CUDA = new Device(CUDA_CODE, "cuda", "libjdnn_cuda.so");
  private static final Device CUDA_EMU = new Device(CUDA_EMU_CODE, "cuda-emu", "libjdnn_cuda_emu.so");

  private static final ThreadLocal<Device> DEFAULT = ThreadLocal.withInitial(() -> CPU);

  final int code;
  private final String name;
  private final String library;
  // Guarded by this: the first failure's message per ordinal is kept, so a missing GPU is probed once.
  private boolean loaded;
  private final Map<Integer, String> failures = new HashMap<>();
  // The GPU the backend binds (set once, when it loads, before `loaded`); 0 for the CPU. Volatile: read
  // by ordinal() and toString() without the lock.
  private volatile int ordinal;
  // "LOCAL_RANK=1" when that variable chose the ordinal, else null (for messages).
  private String chosenBy;

  private Device(int code, String name, String library) {
    this.code = code;
    this.name = name;
    this.library = library;
    this.loaded = library == null;
  }

  /**
   * The CPU, always usable.
   *
   * @return the CPU device
   */
  public static Device cpu() {
    return CPU;
  }

  /**
   * This process's GPU, its backend loaded on first use: the GPU the backend is bound to already,
   * else GPU {@code LOCAL_RANK} when that environment variable is set (the launcher's choice: one
   * process per GPU, see the class comment), else GPU 0; ordinals count the GPUs
   * CUDA_VISIBLE_DEVICES shows.
   *
   * @return the CUDA device
   * @throws DeviceUnavailableException when the driver, a GPU, cuBLAS or cuDNN is missing, when
   *     there is no GPU {@code LOCAL_RANK} (the message names LOCAL_RANK, the GPU count and
   *     CUDA_VISIBLE_DEVICES), or when this jdnn build has no CUDA backend; the message says which
   *     and how to fix it
   */
  public static Device cuda() {
    return CUDA.ensureProcessDevice("Device.cuda()");
  }

  /**
   * GPU {@code ordinal} (among those CUDA_VISIBLE_DEVICES shows), its backend loaded on first use
   * and bound to that GPU for the life of the process.
   *
   * @param ordinal the GPU, from 0
   * @return the CUDA device
   * @throws IllegalArgumentException when {@code ordinal} is negative
   * @throws DeviceUnavailableException when that GPU does not exist or cannot be used (as for
   *     {@link #cuda()}), or when this process already uses another GPU: the backend binds one GPU
   *     per process, and the message says which GPU this process uses and how to run one process per
   *     GPU ({@code scripts/jdnn-run})
   */
  public static Device cuda(int ordinal) {
    return CUDA.ensureLoaded(requireOrdinal(ordinal), null, "Device.cuda(" + ordinal + ")");
  }

  /**
   * The CUDA backend running on a CPU emulation of the GPU libraries (tests, debugging), loaded on
   * first use; the device it binds is chosen as {@link #cuda()} chooses a GPU (the bound one, else
   * {@code LOCAL_RANK}'s, else 0). Correct but slow, and single-threaded inside each kernel.
   *
   * @return the emulated CUDA device, "cuda-emu"
   * @throws DeviceUnavailableException when libjdnn_cuda_emu is missing from the build, or there is
   *     no emulated device {@code LOCAL_RANK} (the emulation has one unless JDNN_EMU_MODES says
   *     {@code devices=N})
   */
  public static Device cudaEmulated() {
    return CUDA_EMU.ensureProcessDevice("Device.cudaEmulated()");
  }

  /**
   * Emulated device {@code ordinal}, bound for the life of the process as {@link #cuda(int)} binds
   * a GPU. The emulation has one device unless the JDNN_EMU_MODES test mode {@code devices=N} gives
   * it N.
   *
   * @param ordinal the emulated device, from 0
   * @return the emulated CUDA device
   * @throws IllegalArgumentException when {@code ordinal} is negative
   * @throws DeviceUnavailableException when there is no such emulated device, or when this process
   *     already uses another one (the message says which)
   */
  public static Device cudaEmulated(int ordinal) {
    return CUDA_EMU.ensureLoaded(requireOrdinal(ordinal), null, "Device.cudaEmulated(" + ordinal + ")");
  }

  private static int requireOrdinal(int ordinal) {
    if (ordinal < 0) throw new IllegalArgumentException("GPU ordinal must be >= 0, got " + ordinal);
    return ordinal;
  }

  /**
   * Whether {@link #cuda()} would succeed; never throws.
   *
   * @return true when a GPU and its libraries are usable (the first call tries to load them)
   */
  public static boolean cudaAvailable() {
    try {
      cuda();
      return true;
    } catch (DeviceUnavailableException e) {
      return false;
    }
  }

  /**
   * The fastest usable device: the GPU when {@link #cuda()} works, else the CPU. The system
   * property {@code jdnn.device} (cpu, cuda, cuda-emu) overrides the choice; naming an unusable
   * device then throws rather than silently running elsewhere.
   *
   * @return the GPU, the CPU, or the device {@code jdnn.device} names
   * @throws DeviceUnavailableException when {@code jdnn.device} names a device that cannot be used
   * @throws IllegalArgumentException when {@code jdnn.device} is not a device name
   */
  public static Device best() {
    String forced = System.getProperty("jdnn.device");
    if (forced != null && !forced.isBlank()) return byName(forced.trim());
    return cudaAvailable() ? CUDA : CPU;
  }

  /**
   * The device of a name, as {@link #toString()} writes it.
   *
   * @param name "cpu", "cuda" (this process's GPU, as {@link #cuda()}), "cuda:N" (GPU N, as
   *     {@link #cuda(int)}), "cuda-emu" or "cuda-emu:N"
   * @return the device, loaded
   * @throws IllegalArgumentException for any other name
   * @throws DeviceUnavailableException when the named device cannot be used
   */
  public static Device byName(String name) {
    switch (name) {
      case "cpu":
        return cpu();
      case "cuda":
        return cuda();
      case "cuda-emu":
        return cudaEmulated();
      default:
        int colon = name.lastIndexOf(':');
        String base = colon < 0 ? name : name.substring(0, colon);
        if (colon > 0 && (base.equals("cuda") || base.equals("cuda-emu")) && name.substring(colon + 1).matches("[0-9]{1,4}")) {
          int n = Integer.parseInt(name.substring(colon + 1));
          return base.equals("cuda") ? cuda(n) : cudaEmulated(n);
        }
        throw new IllegalArgumentException(
            "unknown device '" + name + "': expected cpu, cuda, cuda:N, cuda-emu or cuda-emu:N (N a GPU ordinal)");
    }
  }

  /**
   * The device that device-less factories use on this thread.
   *
   * @return the thread's default, initially the CPU
   */
  public static Device defaultDevice() {
    return DEFAULT.get();
  }

  /**
   * Sets this thread's default device (other threads keep theirs).
   *
   * @param device the new default
   * @throws IllegalArgumentException when {@code device} is null
   */
  public static void setDefault(Device device) {
    if (device == null) throw new IllegalArgumentException("default device must not be null");
    DEFAULT.set(device);
  }

  /**
   * Sets this thread's default device until the returned scope closes (try-with-resources).
   *
   * <pre>{@code
   * try (Device.DefaultScope on = Device.useDefault(Device.cuda())) {
   *   model = new Linear(784, 10);                  // parameters made on the GPU
   * }
   * }</pre>
   *
   * @param device the default while the scope is open
   * @return the scope; closing it puts back the previous default
   * @throws IllegalArgumentException when {@code device} is null
   */
  public static DefaultScope useDefault(Device device) {
    Device previous = defaultDevice();
    setDefault(device);
    return new DefaultScope(previous);
  }

  /** Restores the previous default device on close. */
  public static final class DefaultScope implements AutoCloseable {
    private final Device previous;

    private DefaultScope(Device previous) {
      this.previous = previous;
    }

    /** Puts back the default device that was in force when the scope was made. */
    @Override
    public void close() {
      setDefault(previous);
    }
  }

  /**
   * Threads the CPU backend uses for GEMM and large element-wise ops.
   *
   * @return the current count, at least 1
   */
  public static int cpuThreads() {
    return JdnnNative.cpu_num_threads();
  }

  /**
   * Sets the CPU backend's thread count (default: the available processors, or JDNN_NUM_THREADS),
   * for the whole process.
   *
   * @param n the thread count, at least 1
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public static void setCpuThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("CPU thread count must be >= 1, got " + n);
    NativeErrors.check(JdnnNative.cpu_set_num_threads(n));
  }

  /**
   * The SGEMM kernel chosen for this CPU at run time (JDNN_GEMM_KERNEL overrides it).
   *
   * @return "avx512", "avx2" or "generic"
   */
  public static String cpuGemmKernel() {
    return JdnnNative.cpu_gemm_kernel();
  }

  /**
   * The GPU this device's backend uses, among those CUDA_VISIBLE_DEVICES shows (for the emulation,
   * its emulated device); 0 for the CPU, of which there is one.
   *
   * @return the ordinal, from 0
   */
  public int ordinal() {
    return ordinal;
  }

  /**
   * Whether this device runs the CUDA backend.
   *
   * @return true for the CUDA device and its emulation
   */
  public boolean isCuda() {
    return code != CPU_CODE;
  }

  /**
   * One line naming the hardware and libraries behind this device.
   *
   * @return "cpu" for the CPU; for a CUDA device, the line its backend writes about the GPU it uses
   *     (starting "GPU k of n: ", its ordinal and the GPUs visible) and the libraries it uses

   */
  public String describe() {
    return NativeErrors.text(JdnnNative.device_describe(code));
  }

  /**
   * Waits until every op queued on this device has finished (GPU ops run asynchronously), then
   * raises the first error an earlier op found in its data on the device, if any (see
   * {@link #checkErrors()}).
   *
   * @throws DeviceException when a queued op failed on the device
   * @throws IndexOutOfBoundsException when an earlier op recorded an index or label out of range
   * @throws IllegalArgumentException when an earlier BCE recorded an input or target outside [0, 1]
   */
  public void synchronize() {
    NativeErrors.check(JdnnNative.device_synchronize(code));
  }

  /**
   * Raises the first error that an op found in its data on this device and has not been raised
   * yet. On a GPU, ops that check their data (a row index of {@link MemoryOps#gatherRows}, a class
   * label of cross-entropy forward and backward and of the accuracy count, a max-pooling index in
   * the backward, BCE's inputs and targets, which must lie in [0, 1]) do so in
   * their kernels and record the first bad position and value on the device instead of making the
   * host wait for the answer; the error is raised at the next point where the host waits for the
   * device anyway: a copy of any tensor to the host ({@code item()}, {@code toFloatArray()},
   * {@code to(Device.cpu())}, ...), {@link #synchronize()}, or this call. It is the exception the
   * op raises on the CPU (an {@link IndexOutOfBoundsException} naming op, position and value, or
   * for BCE an {@link IllegalArgumentException} naming BCELoss, the element and its value),
   * its message ending with where it was raised ("raised at the next synchronization: a copy to
   * the host"); only the caller's name that the op would have put first (such as
   * "CrossEntropyLoss: ") is not known then.
   *
   * <p>The record belongs to the device, not to a tensor, scope or thread: closing the tensors the
   * op used or leaving their scope does not lose it, and whichever thread synchronizes next raises
   * it. The first error wins (the earliest op, and within it the first position); once raised, the
   * record is empty again. An error still recorded when the process ends is not reported, so end
   * GPU work with a read of its results or with this call. On the CPU ops raise at once and this
   * does nothing.
   *
   * <p>Waits for the device only when an op that checks its data ran since the last check found
   * nothing, so calling it after every step costs one wait per step.
   *
   * @throws IndexOutOfBoundsException when an op recorded an index or label out of range
   * @throws IllegalArgumentException when a BCE recorded an input or target outside [0, 1]
   * @throws DeviceException when a queued op failed on the device
   */
  public void checkErrors() {
    NativeErrors.check(JdnnNative.device_check_errors(code));
  }

  /**
   * TF32 tensor-core math for float32 GEMM and convolution on Ampere and newer GPUs: about 10 bits
   * of mantissa in products, several times the throughput. Off by default (PyTorch's default for
   * matmul); only for CUDA devices.
   *
   * @param enabled whether float32 products may use TF32
   * @throws UnsupportedOperationException on the CPU
   */
  public void setTf32(boolean enabled) {
    requireCuda("setTf32");
    NativeErrors.check(JdnnNative.device_set_option(code, "tf32", enabled ? 1 : 0));
  }

  /**
   * Starts (true) or stops (false) timing every op on this CUDA device with device events;
   * starting resets {@link #profiledKernelMillis()}. Adds a little overhead per op.
   *
   * @param enabled true to start, false to stop
   * @throws UnsupportedOperationException on the CPU
   */
  public void setProfiling(boolean enabled) {
    requireCuda("setProfiling");
    NativeErrors.check(JdnnNative.device_set_option(code, "profile", enabled ? 1 : 0));
  }

  /**
   * Device time spent inside ops since profiling started (waits for queued work).
   *
   * @return milliseconds
   * @throws UnsupportedOperationException on the CPU
   */
  public double profiledKernelMillis() {
    requireCuda("profiledKernelMillis");
    return NativeErrors.statistic(JdnnNative.device_stat(code, "kernel_ms"));
  }

  /**
   * Ops timed since profiling started.
   *
   * @return the count
   * @throws UnsupportedOperationException on the CPU
   */
  public long profiledOps() {
    requireCuda("profiledOps");
    return (long) NativeErrors.statistic(JdnnNative.device_stat(code, "ops"));
  }

  /**
   * cudaMalloc calls made by this device's caching allocator so far: flat once a training loop's
   * shapes repeat.
   *
   * @return the count
   * @throws UnsupportedOperationException on the CPU
   */
  public long deviceMallocs() {
    requireCuda("deviceMallocs");
    return (long) NativeErrors.statistic(JdnnNative.device_stat(code, "device_mallocs"));
  }

  /**
   * The backend's counters since it started: kernel launches, cuBLAS/cuDNN calls, host waits,
   * cudaMalloc calls and bytes copied each way (see {@link DeviceStats} for what each counts).
   * Cheap (no wait for the device); the difference of two snapshots ({@link DeviceStats#minus})
   * gives a stretch of work's figures. Each field is read at its own moment: ops issued by other
   * threads meanwhile may land in some fields and not others.
   *
   * @return the counts; {@link DeviceStats#ZERO} on the CPU, which has nothing of these to count
   */
  public DeviceStats stats() {
    if (!isCuda()) return DeviceStats.ZERO;
    return new DeviceStats(counter("launches"), counter("vendor_calls"), counter("syncs"), counter("device_mallocs"),
        counter("h2d_bytes"), counter("d2h_bytes"));
  }

  private long counter(String key) {
    return (long) NativeErrors.statistic(JdnnNative.device_stat(code, key));
  }

  /**
   * Bytes held by live tensors on this device.
   *
   * @return the bytes, at least 0
   */
  public long bytesInUse() {
    return NativeErrors.count(JdnnNative.memory_bytes_in_use(code));
  }

  /**
   * Freed bytes the device's caching allocator keeps for reuse.
   *
   * @return the bytes, at least 0
   */
  public long bytesCached() {
    return NativeErrors.count(JdnnNative.memory_bytes_cached(code));
  }

  /** Returns cached blocks to the system. */
  public void releaseCached() {
    NativeErrors.check(JdnnNative.memory_release_cached(code));
  }

  /**
   * The device's name: "cpu", "cuda" or "cuda-emu", with the ordinal added when it is not 0
   * ("cuda:1", as PyTorch writes it); {@link #byName} reads each back.
   */
  @Override
  public String toString() {
    int k = ordinal;
    return k == 0 ? name : name + ":" + k;
  }

  private void requireCuda(String what) {
    if (!isCuda()) throw new UnsupportedOperationException(what + " applies to CUDA devices, not " + name);
  }

  /** The process's device: the bound one, else LOCAL_RANK's (torchrun's convention), else 0. */
  private synchronized Device ensureProcessDevice(String call) {
    if (loaded) return this;
    String localRank = System.getenv("LOCAL_RANK");
    if (localRank == null || localRank.isBlank()) return ensureLoaded(0, null, call);
    int wanted;
    try {
      wanted = Integer.parseInt(localRank.trim());
    } catch (NumberFormatException e) {
      wanted = -1;
    }
    if (wanted < 0) {
      throw new DeviceUnavailableException(call + ": LOCAL_RANK is '" + localRank + "', not a GPU ordinal (0, 1, ...); "
          + "the launcher sets it (scripts/jdnn-run, torchrun): unset it or set it to this process's rank on the node");
    }
    return ensureLoaded(wanted, "LOCAL_RANK=" + wanted, call);
  }

  /**
   * Loads the backend bound to GPU {@code wanted}, or returns it when bound to that GPU already.
   * {@code chooser} says what chose the GPU ("LOCAL_RANK=1"), or is null when the caller named it.
   */
  private synchronized Device ensureLoaded(int wanted, String chooser, String call) {
    if (loaded) {
      if (wanted == ordinal) return this;
      throw new DeviceUnavailableException(call + ": this process uses GPU " + ordinal + " (" + this
          + (chosenBy != null ? ", chosen by " + chosenBy : "") + "), and jdnn's CUDA backend binds one GPU per "
          + "process, so GPU " + wanted + " cannot be used too. Use Device." + (code == CUDA_CODE ? "cuda" : "cudaEmulated")
          + "() for this process's GPU; to use several GPUs, run one process per GPU (scripts/jdnn-run "
          + "--nproc-per-node N starts N processes, each with its LOCAL_RANK, whose GPU Device.cuda() binds)");
    }
    String known = failures.get(wanted);
    if (known == null) {
      known = load(wanted);
      if (known == null) {
        ordinal = wanted;
        chosenBy = chooser;
        loaded = true;
        return this;
      }
      failures.put(wanted, known);
    }
    throw new DeviceUnavailableException(
        chooser == null ? known : chooser + " (the launcher's rank on this node) selects GPU " + wanted + ": " + known);
  }

  /** Loads the backend bound to GPU {@code wanted}; null once loaded, else the failure's message. */
  private String load(int wanted) {
    JdnnNative.load();
    try {
      int status = JdnnNative.device_load(code, wanted, libraryPath());
      String message = status == 0 ? null : JdnnNative.last_error_message();
      // A VENDOR failure: the GPU is usable, cuBLAS/cuDNN are missing or too old; jars may carry them.
      if (code == CUDA_CODE && status == NativeErrors.Kind.VENDOR.ordinal()) {
        message = retryWithBundledVendorLibraries(message, wanted);
      }
      return message;
    } catch (DeviceUnavailableException e) {
      return e.getMessage();
    }
  }

  /**
   * The probe found a usable GPU but no cuBLAS/cuDNN: load them from the class path (a redist jar
   * of the libraries, then the org.bytedeco:cuda presets' classes) and retry. Returns null once
   * the device loaded, else the message to report, with what each attempt found and what failed.
   */
  private String retryWithBundledVendorLibraries(String message, int wanted) {
    List<String> notes = new ArrayList<>();
    if (VendorRedist.present()) {
      notes.add(VendorRedist.load().toString());
      message = retryLoad(wanted);
      if (message == null) return null;
    }
    if (VendorPresets.present()) {
      String presetFailure = VendorPresets.load();
      if (presetFailure != null) notes.add(presetFailure);
      message = retryLoad(wanted);
      if (message == null) return null;
    }
    return notes.isEmpty() ? message : message + " (" + String.join("; ", notes) + ")";
  }

  private String retryLoad(int wanted) {
    return JdnnNative.device_load(code, wanted, libraryPath()) == 0 ? null : JdnnNative.last_error_message();
  }

  private String libraryPath() {
    String resource = Loader.getPlatform() + "/" + library;
    URL url = JdnnNative.class.getResource(resource);
    if (url == null) {
      throw new DeviceUnavailableException(
          "this jdnn build has no " + name + " backend (" + library + " is not in the jar"
              + (code == CUDA_CODE ? ": it was built without nvcc" : "") + ")");
    }
    try {
      File file = Loader.cacheResource(JdnnNative.class, resource);
      return file.getAbsolutePath();
    } catch (Exception e) {
      throw new DeviceUnavailableException("cannot extract " + library + " from the jar: " + e);
    }
  }
}
