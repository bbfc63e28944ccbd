package org.jdnn.distributed;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Autograd;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Data-parallel training: every rank holds a replica of the model, trains it on its own shard of
 * each batch, and after each backward pass every replica's gradients are the average over ranks,
 * so the optimizers keep the replicas identical (PyTorch's DistributedDataParallel).
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.fromEnvironment()) {
 *   Layer model = new Sequential(...);
 *   DistributedDataParallel ddp = new DistributedDataParallel(model, group);  // rank 0's weights everywhere
 *   Optimizer opt = new Adam(ddp.parameters(), 1e-3);
 *   for (Batch b : shard) {                       // a DistributedSampler gives each rank its shard
 *     opt.zeroGrad();
 *     loss.forward(ddp.forward(b.x()), b.y()).backward();   // gradients averaged when it returns
 *     opt.step();
 *   }
 * }
 * }</pre>
 *
 * <p><b>How.</b> The constructor broadcasts rank 0's parameters and buffers to every rank and checks
 * that all ranks built the same model. Gradients are packed into buckets of about
 * {@link #DEFAULT_BUCKET_BYTES} (parameters in reverse order, as backward produces their gradients;
 * the first bucket holds at most {@link #FIRST_BUCKET_BYTES}, as in PyTorch, so the last layers'
 * gradients start reducing while backward works on the rest);
 * during backward, a hook on each parameter copies its finished gradient into its bucket, and a
 * bucket whose gradients are all in starts its all-reduce (average) on the group's communication
 * thread while backward goes on. Buckets start in the same order on every rank. When the pass ends,
 * buckets still waiting are started, all are awaited, and each parameter's gradient is set from
 * its bucket. A parameter this rank's pass did not reach goes in with the gradient it already has
 * (from an earlier backward of the same step, equal on every rank) or zeros, so a parameter used on
 * some ranks only ends with the average everywhere and several backward passes before one step add
 * up as without DDP; one that no rank's pass reached keeps its gradient, or none (a flag per
 * parameter, carried in the bucket itself, tells which).
 *
 * <p>It is a {@link Layer} whose only child is the model, named "module" as PyTorch names it, so a
 * trainer or optimizer takes it as it takes the model; save {@link #module()} to keep a model file
 * without the prefix. Batch-norm statistics stay per rank, unless the model was converted with
 * {@link SyncBatchNorm#convert} before wrapping. Gradient clipping, loss scaling and the
 * fused optimizers work unchanged, as they act after backward. Parameters live on one device: the
 * CPU (float32 or float64, averaged through Gloo) or a GPU (any floating type, through NCCL; one GPU
 * per process, see {@code Device.cuda()}).
 */
public final class DistributedDataParallel extends Layer {
  /** PyTorch's default bucket size, 25 MiB. */
  public static final long DEFAULT_BUCKET_BYTES = 25L << 20;
  /** The first bucket's size limit, 1 MiB as in PyTorch: the last layers' gradients start reducing early. */
  public static final long FIRST_BUCKET_BYTES = 1L << 20;

  private final Layer module;
  private final ProcessGroup group;
  private final Device device;  // of every parameter, and of the buckets
  private final List<Bucket> buckets = new ArrayList<>();
  private final Map<Tensor, Slot> slots = new IdentityHashMap<>();
  private final List<AutoCloseable> hooks = new ArrayList<>();
  private boolean passRunning;
  private int nextLaunch;
  private long waitedNanos;

  /** One gradient's place in a bucket. */
  private static final class Slot {
    final String name;
    final Tensor param;
    final Bucket bucket;
    final long offset;
    long flagOffset;  // this slot's "gradient computed here this pass" flag, after the bucket's gradients
    boolean ready;

    Slot(String name, Tensor param, Bucket bucket, long offset) {
      this.name = name;
      this.param = param;
      this.bucket = bucket;
      this.offset = offset;
    }
  }

  /**
   * Gradients of one dtype packed into one flat tensor, all-reduced together, followed by one flag
   * per gradient (1 where this rank's pass computed it, else 0): after the average, a flag above 0
   * says some rank computed that gradient, with no collective of its own.
   */
  private static final class Bucket {
    final List<Slot> slots = new ArrayList<>();
    Tensor flat;
    Tensor one;
    Tensor zero;
    int pending;
    Work work;
  }

  /**
   * Wraps {@code module} with buckets of {@link #DEFAULT_BUCKET_BYTES}.
   *
   * @param module the model replica of this rank
   * @param group the job's process group
   * @throws IllegalArgumentException when a parameter is not a CPU float32/float64 tensor
   * @throws DistributedException when the ranks' models differ in parameter count or size, or a rank fails
   */
  public DistributedDataParallel(Layer module, ProcessGroup group) {
    this(module, group, DEFAULT_BUCKET_BYTES);
  }

  /**
   * Wraps {@code module}, packing gradients into buckets of at most {@code bucketBytes} (a larger
   * parameter gets a bucket of its own).
   *
   * @param module the model replica of this rank
   * @param group the job's process group
   * @param bucketBytes the bucket size, positive; smaller buckets start reducing earlier, larger ones
   *     make fewer calls
   * @throws IllegalArgumentException when parameters lie on several devices, one is not of a floating type the
   *     engine averages, or the bucket size is not positive
   * @throws DistributedException when the ranks' models differ in parameter count or size, or a rank fails
   */
  public DistributedDataParallel(Layer module, ProcessGroup group, long bucketBytes) {
    if (module == null || group == null) throw new IllegalArgumentException("DistributedDataParallel: null module or group");
    if (bucketBytes <= 0) {
      throw new IllegalArgumentException("DistributedDataParallel: bucket size must be positive, got " + bucketBytes);
    }
    this.module = registerModule("module", module);
    this.group = group;
    Map<String, Tensor> params = module.namedParameters();
    Device first = null;
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      Tensor p = e.getValue();
      if (first == null) first = p.device();
      if (p.device() != first) {
        throw new IllegalArgumentException("DistributedDataParallel: parameter " + e.getKey() + " is on " + p.device()
            + " but the others on " + first + "; move the whole model to one device (model.to(device)) first");
      }
      boolean carried = p.device() == Device.cpu() ? p.dtype() == DType.FLOAT32 || p.dtype() == DType.FLOAT64
          : p.dtype().isFloatingPoint();
      if (!carried) {
        throw new IllegalArgumentException("DistributedDataParallel: parameter " + e.getKey() + " is " + p
            + "; gradients are averaged for floating-point parameters only (on the CPU, through Gloo, float32 and"
            + " float64)");
      }
    }
    this.device = first == null ? Device.cpu() : first;
    checkSameModel(params);
    for (Tensor p : params.values()) group.broadcast(p, 0);
    for (Tensor b : module.namedBuffers().values()) group.broadcast(b, 0);
    buildBuckets(params, bucketBytes);
    for (Slot s : slots.values()) hooks.add(s.param.registerPostAccumulateGradHook(this::gradientReady));
  }

  /**
   * The wrapped model (to save, or to evaluate without the wrapper).
   *
   * @return the model given to the constructor
   */
  public Layer module() {
    return module;
  }

  /**
   * The group the gradients are averaged over.
   *
   * @return the process group
   */
  public ProcessGroup group() {
    return group;
  }

  /**
   * The number of gradient buckets (one all-reduce each per step).
   *
   * @return the count
   */
  public int bucketCount() {
    return buckets.size();
  }

  /**
   * How long backward passes have waited, after their last gradient, for all-reduces to finish
   * (the communication that did not overlap computation), since this wrapper was made.
   *
   * @return nanoseconds
   */
  public long exposedCommunicationNanos() {
    return waitedNanos;
  }

  /**
   * The model's forward; the backward of a loss computed from it averages the gradients over ranks.
   *
   * @param input this rank's batch
   * @return the model's output
   */
  @Override
  public Tensor forward(Tensor input) {
    if (passRunning) reset();  // a backward that failed midway left its pass unfinished
    return module.call(input);
  }

  /**
   * Copies rank 0's buffers (batch-norm running statistics) to every rank, so the replicas
   * evaluate alike; each rank's statistics otherwise follow its own shard. A collective: every rank
   * calls it at the same point. {@code Trainer.distributed} calls it after each epoch's training.
   *
   * @throws DistributedException when a rank died or did not arrive in time
   */
  public void broadcastBuffers() {
    for (Tensor b : module.namedBuffers().values()) group.broadcast(b, 0);
  }

  /** Removes the gradient hooks and frees the buckets (not the model or the group). */
  @Override
  public void close() {
    for (AutoCloseable h : hooks) {
      try {
        h.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    hooks.clear();
    reset();
    for (Bucket b : buckets) {
      b.flat.close();
      b.one.close();
      b.zero.close();
    }
    buckets.clear();
  }

  // Every rank must hold the same parameters, in count and in each one's size: otherwise the
  // buckets would not line up and every all-reduce would mix unrelated gradients.
  private void checkSameModel(Map<String, Tensor> params) {
    long count = params.size();
    long elements = 0;
    long signature = 17;
    for (Tensor p : params.values()) {
      elements += p.numel();
      signature = signature * 31 + p.numel();
    }
    long[] mine = {count, elements, signature, -count, -elements, -signature};
    try (Tensor t = Tensor.ofLongs(mine.clone(), mine.length)) {
      group.allReduce(t, ReduceOp.MAX);
      long[] max = t.toLongArray();
      for (int i = 0; i < 3; i++) {
        if (max[i] != mine[i] || -max[i + 3] != mine[i]) {
          throw new DistributedException("DistributedDataParallel: the ranks' models differ (rank " + group.rank()
              + " has " + count + " parameters of " + elements + " elements); build the same model on every rank");
        }
      }
    }
  }

  private void buildBuckets(Map<String, Tensor> params, long bucketBytes) {
    List<Map.Entry<String, Tensor>> reversed = new ArrayList<>(params.entrySet());
    Collections.reverse(reversed);
    Map<DType, Bucket> open = new java.util.EnumMap<>(DType.class);
    Map<DType, Long> openBytes = new java.util.EnumMap<>(DType.class);
    List<Bucket> order = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : reversed) {
      Tensor p = e.getValue();
      if (!p.requiresGrad()) continue;
      long bytes = p.numel() * p.dtype().byteSize();
      Bucket b = open.get(p.dtype());
      long cap = b != null && b == order.get(0) ? Math.min(bucketBytes, FIRST_BUCKET_BYTES) : bucketBytes;
      if (b == null || (openBytes.get(p.dtype()) + bytes > cap && !b.slots.isEmpty())) {
        b = new Bucket();
        open.put(p.dtype(), b);
        openBytes.put(p.dtype(), 0L);
        order.add(b);
      }
      long offset = openBytes.get(p.dtype()) / p.dtype().byteSize();
      Slot s = new Slot(e.getKey(), p, b, offset);
      b.slots.add(s);
      slots.put(p, s);
      openBytes.put(p.dtype(), openBytes.get(p.dtype()) + bytes);
    }
    for (Bucket b : order) {
      long n = 0;
      for (Slot s : b.slots) n += s.param.numel();
      for (Slot s : b.slots) s.flagOffset = n++;
      DType dtype = b.slots.get(0).param.dtype();
      try (TensorScope scope = new TensorScope(); Device.DefaultScope on = Device.useDefault(device)) {
        // owned by this wrapper, whatever scope is open; on the parameters' device
        b.flat = scope.keep(Tensor.zeros(dtype, n));
        b.one = scope.keep(Tensor.ones(dtype, 1));
        b.zero = scope.keep(Tensor.zeros(dtype, 1));
      }
      b.pending = b.slots.size();
      buckets.add(b);
    }
  }

  // A parameter's gradient is final for this pass: pack it, and start every bucket now complete
  // whose predecessors have started (the same order on every rank).
  private void gradientReady(Tensor param) {
    Slot s = slots.get(param);
    if (s == null) return;
    if (!passRunning) {
      passRunning = true;
      Autograd.queueCallback(this::finishPass);
    }
    if (s.ready) {
      throw new IllegalStateException("DistributedDataParallel: parameter " + s.name + " received its gradient twice in"
          + " one backward pass");
    }
    pack(s, param.grad());
    MemoryOps.copyIntoRange(s.bucket.one, s.bucket.flat, s.flagOffset);
    s.ready = true;
    s.bucket.pending--;
    launchReady();
  }

  // The gradient into its slot: zeros for none.
  private static void pack(Slot s, Tensor grad) {
    if (grad != null) {
      MemoryOps.copyIntoRange(grad, s.bucket.flat, s.offset);
      return;
    }
    try (Device.DefaultScope on = Device.useDefault(s.param.device());
        Tensor zeros = Tensor.zeros(s.param.dtype(), s.param.shape())) {
      MemoryOps.copyIntoRange(zeros, s.bucket.flat, s.offset);
    }
  }

  private void launchReady() {
    while (nextLaunch < buckets.size() && buckets.get(nextLaunch).pending == 0) {
      Bucket b = buckets.get(nextLaunch++);
      b.work = group.allReduceAsync(b.flat, ReduceOp.AVG);
    }
  }

  // End of the backward pass. A parameter no gradient reached here goes in with the gradient it
  // already has (an earlier pass's, the same on every rank) or zeros, and flag 0. After the average,
  // a parameter some rank computed gets the average, one no rank computed keeps its gradient (or
  // none, as without DDP). Then every bucket is awaited and unpacked.
  private void finishPass() {
    try {
      for (int i = nextLaunch; i < buckets.size(); i++) {
        Bucket b = buckets.get(i);
        for (Slot s : b.slots) {
          if (s.ready) continue;
          pack(s, s.param.grad());
          MemoryOps.copyIntoRange(b.zero, b.flat, s.flagOffset);
          s.ready = true;
          b.pending--;
        }
      }
      launchReady();
      long waitStart = System.nanoTime();
      for (Bucket b : buckets) {
        Work w = b.work;
        b.work = null;
        w.await();
      }
      waitedNanos += System.nanoTime() - waitStart;
      for (Bucket b : buckets) {
        float[] flags = flags(b);
        for (int k = 0; k < b.slots.size(); k++) {
          Slot s = b.slots.get(k);
          if (flags[k] <= 0) continue;  // no rank computed it: left as it was
          if (s.param.grad() == null) {
            try (Device.DefaultScope on = Device.useDefault(device);
                Tensor g = Tensor.zeros(s.param.dtype(), s.param.shape())) {
              MemoryOps.copyFromRange(b.flat, s.offset, g);
              s.param.setGrad(g);
            }
          } else {
            MemoryOps.copyFromRange(b.flat, s.offset, s.param.grad());
          }
        }
      }
    } finally {
      reset();
    }
  }

  // One host read per bucket per step (a GPU waits for it): the flags decide which gradients to set.
  private static float[] flags(Bucket b) {
    Slot first = b.slots.get(0);
    try (Device.DefaultScope on = Device.useDefault(first.param.device());
        Tensor f = Tensor.zeros(first.param.dtype(), b.slots.size())) {
      MemoryOps.copyFromRange(b.flat, first.flagOffset, f);
      try (Tensor f32 = f.to(DType.FLOAT32)) {
        return f32.toFloatArray();
      }
    }
  }

  // Clears the pass's state for the next one. Started all-reduces are awaited first (they write into
  // the buckets): after a pass that did not finish (a backward that threw), their failures are the
  // group's to report at its next collective.
  private void reset() {
    for (Bucket b : buckets) {
      if (b.work != null) {
        try {
          b.work.await();
        } catch (RuntimeException e) {
          // the group is broken; its next collective reports it
        }
        b.work = null;
      }
      b.pending = b.slots.size();
      for (Slot s : b.slots) s.ready = false;
    }
    nextLaunch = 0;
    passRunning = false;
  }
}
