package org.jdnn.train;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * A training step (forward, loss, backward, optimizer step) captured as a CUDA graph after warm-up
 * steps, and replayed for every later batch: one launch per step instead of one per op.
 *
 * <p>Design. The step is code that reads its batch from two static device tensors, the input and the
 * label buffers, given here and kept for the graph's life. {@link #run} copies each batch into them
 * on the device (no host round trip when the batch is on the device already) and then: runs the step
 * eagerly for the first {@code warmup} calls (this fills the caching allocator, so the capture needs
 * no fresh device memory, which CUDA forbids); captures it at the next call (a capture runs no op)
 * and replays the graph at once; replays it at every call after. Replayed training equals eager
 * training bit for bit: the same kernels run on the same memory with the same arguments.
 *
 * <p>What a graph freezes (see {@link CudaGraph}): every host value the step passes to its ops, except
 * the per-step values it keeps in its constant table (Adam's, AdamW's and AdaGrad's step constants,
 * Dropout's random offset), which each replay computes as an eager step would; each replay counts as
 * one step of the optimizer. A learning rate changed after the capture (a scheduler) is refused at the
 * next step rather than ignored; so is a batch of another shape than the captured one (the last,
 * smaller batch of an epoch: run it eagerly with the same step code on tensors of its own, or drop
 * it; the replays after it take the optimizer's and the generator's advance into account). The step
 * must not read anything to the host (a loss's item(), a metric): read the loss tensor the capture
 * produced between replays, outside the step.
 *
 * <p>Data already on the device can feed the graph itself ({@link #feeding}): the captured step then
 * begins with {@link MemoryOps#gatherNextRows}, which takes the next batch of the epoch's order from a
 * cursor on the device, so a step is one graph launch and nothing else.
 *
 * <p>{@link #close()} releases the graph and its private memory pool deterministically.
 */
public final class StepGraph implements AutoCloseable {
  private final Tensor input;
  private final Tensor labels;
  private final Runnable step;
  private final int warmup;
  private final Optimizer optimizer;
  private double[] capturedRates;
  private CudaGraph graph;
  private long runs;
  private boolean closed;
  // feeding mode: the data, the epoch order's device copy and the cursor into it (else null)
  private final Tensor features;
  private final Tensor targets;
  private Tensor order;
  private Tensor cursor;
  private long position;  // the cursor's value, as the host knows it

  /**
   * A step to run eagerly {@code warmup} times, then captured and replayed.
   *
   * @param input the static input buffer the step reads, on a CUDA device
   * @param labels the static label buffer the step reads, on the same device
   * @param step one training step reading {@code input} and {@code labels}
   * @param warmup eager steps before the capture, at least 1
   * @param optimizer the step's optimizer, whose step counts replays advance and whose learning
   *     rates are checked before each replay; may be null when the step has none
   * @throws IllegalArgumentException when the buffers are not on one CUDA device, or warmup &lt; 1
   */
  public StepGraph(Tensor input, Tensor labels, Runnable step, int warmup, Optimizer optimizer) {
    this(input, labels, step, warmup, optimizer, null, null);
  }

  private StepGraph(Tensor input, Tensor labels, Runnable step, int warmup, Optimizer optimizer, Tensor features,
      Tensor targets) {
    this.features = features;
    this.targets = targets;
    this.input = Objects.requireNonNull(input, "input");
    this.labels = Objects.requireNonNull(labels, "labels");
    this.step = Objects.requireNonNull(step, "step");
    Device d = input.device();
    if (!d.isCuda()) {
      throw new IllegalArgumentException("StepGraph: CUDA graphs need the cuda or cuda-emu device; the input "
          + "buffer is on " + d + ". Train eagerly there");
    }
    if (labels.device() != d) {
      throw new IllegalArgumentException("StepGraph: the label buffer is on " + labels.device() + ", the input on " + d);
    }
    if (warmup < 1) {
      throw new IllegalArgumentException("StepGraph: warmup must be at least 1 (the capture needs the allocator's "
          + "cache filled by an eager step), got " + warmup);
    }
    this.warmup = warmup;
    this.optimizer = optimizer;
  }

  /**
   * Copies the batch into the static buffers and trains one step on it: eagerly during warm-up,
   * else by replaying the captured graph (capturing it first at the first call after warm-up).
   * Returns without waiting for the device.
   *
   * @param batchInput the batch's inputs, of the input buffer's dtype and shape, on any device
   * @param batchLabels the batch's labels, of the label buffer's dtype and shape
   * @throws IllegalArgumentException when a batch's shape or dtype differs from the buffers'
   * @throws IllegalStateException when closed, or a learning rate changed since the capture
   */
  public void run(Tensor batchInput, Tensor batchLabels) {
    if (closed) throw new IllegalStateException("StepGraph: used after close()");
    if (features != null) {
      throw new IllegalStateException("StepGraph: this graph feeds itself from its data (StepGraph.feeding); call "
          + "epoch(order) and step() instead of run(input, labels)");
    }
    checkBatch("input", batchInput, input);
    checkBatch("labels", batchLabels, labels);
    input.copyFrom(batchInput);
    labels.copyFrom(batchLabels);
    advance();
  }

  /**
   * A step graph over a dataset on the device that takes its own batches: each {@link #step()}
   * gathers the next {@code batch} rows of the epoch's order (given by {@link #epoch}) into static
   * buffers on the device and trains on them; after the warm-up, the gather is part of the captured
   * graph, so a step is one launch. The buffers are made here, of {@code batch} rows, and closed with
   * the graph.
   *
   * @param features the dataset's features, rows first, on a CUDA device
   * @param targets its targets, as many rows, on the same device
   * @param batch rows per step, at least 1
   * @param step one training step reading the batch's (input, labels) buffers
   * @param warmup eager steps before the capture, at least 1
   * @param optimizer the step's optimizer (its rates are checked before each replay); may be null
   * @return the graph, to close
   * @throws IllegalArgumentException when the data is not on one CUDA device, has no rows, or batch
   *     or warmup is below 1
   */
  public static StepGraph feeding(Tensor features, Tensor targets, int batch, BiConsumer<Tensor, Tensor> step,
      int warmup, Optimizer optimizer) {
    Objects.requireNonNull(step, "step");
    Tensor.requireSameDevice("StepGraph.feeding", features, targets);
    if (features.rank() == 0 || targets.rank() == 0 || features.dim(0) != targets.dim(0) || features.dim(0) == 0) {
      throw new IllegalArgumentException("StepGraph.feeding: features and targets must have the same number of rows, "
          + "at least one, got " + features.describe() + " and " + targets.describe());
    }
    if (batch < 1) throw new IllegalArgumentException("StepGraph.feeding: batch must be at least 1, got " + batch);
    long[] xs = features.shape(), ys = targets.shape();
    xs[0] = batch;
    ys[0] = batch;
    Tensor x = Tensor.empty(features.dtype(), features.device(), xs);
    Tensor y = Tensor.empty(targets.dtype(), targets.device(), ys);
    try {
      Runnable body = () -> step.accept(x, y);
      return new StepGraph(x, y, body, warmup, optimizer, features, targets);
    } catch (RuntimeException | Error e) {
      x.close();
      y.close();
      throw e;
    }
  }

  /**
   * Starts an epoch of a {@link #feeding} graph: copies {@code epochOrder} (row numbers) into the
   * graph's order buffer on the device and rewinds the cursor (8 bytes from the host). The order's
   * length and dtype are fixed by the first epoch.
   *
   * @param epochOrder int32 or int64 row numbers on the graph's device, at least one batch long
   * @throws IllegalStateException when the graph does not feed itself, or is closed
   * @throws IllegalArgumentException when the order is on another device, of another dtype or length
   *     than the first epoch's, or shorter than a batch
   */
  public void epoch(Tensor epochOrder) {
    requireFeeding("epoch(order)");
    Tensor.requireSameDevice("StepGraph.epoch", input, epochOrder);
    if (epochOrder.rank() != 1 || epochOrder.numel() < input.dim(0)
        || (epochOrder.dtype() != DType.INT32 && epochOrder.dtype() != DType.INT64)) {
      throw new IllegalArgumentException("StepGraph.epoch: the order must be int32 or int64 row numbers, at least one "
          + "batch (" + input.dim(0) + ") long, got " + epochOrder.describe());
    }
    if (order == null) {
      order = Tensor.empty(epochOrder.dtype(), input.device(), epochOrder.numel());
      cursor = Tensor.empty(DType.INT64, input.device(), 1);
    } else if (order.dtype() != epochOrder.dtype() || order.numel() != epochOrder.numel()) {
      throw new IllegalArgumentException("StepGraph.epoch: the graph reads an order of " + order.describe()
          + ", got " + epochOrder.describe() + "; every epoch's order must have the first one's dtype and length");
    }
    order.copyFrom(epochOrder);
    cursor.write(new long[] {0});
    position = 0;
  }

  /**
   * Full batches left in the epoch of a {@link #feeding} graph.
   *
   * @return how many more {@link #step()} calls this epoch's order holds
   */
  public long stepsLeft() {
    requireFeeding("stepsLeft()");
    return order == null ? 0 : (order.numel() - position) / input.dim(0);
  }

  /**
   * Trains one step of a {@link #feeding} graph on the epoch's next batch; returns without waiting.
   *
   * @throws IllegalStateException when the graph does not feed itself, is closed, no epoch was
   *     started, or the epoch has no full batch left (run the rest eagerly, or drop it)
   */
  public void step() {
    requireFeeding("step()");
    if (stepsLeft() == 0) {
      throw new IllegalStateException("StepGraph.step: " + (order == null ? "no epoch was started; call epoch(order) "
          + "first" : "the epoch's order has no full batch of " + input.dim(0) + " left (" + (order.numel() - position)
          + " rows); train those rows eagerly or drop them, then call epoch(order) for the next epoch"));
    }
    advance();
    position += input.dim(0);
  }

  private void requireFeeding(String what) {
    if (closed) throw new IllegalStateException("StepGraph: used after close()");
    if (features == null) {
      throw new IllegalStateException("StepGraph: " + what + " is for a graph that feeds itself (StepGraph.feeding); "
          + "this one reads run(input, labels)'s batches");
    }
  }

  // One step on the batch in the buffers (or, feeding, the batch the step gathers): eager during the
  // warm-up, then captured and replayed.
  private void advance() {
    Runnable body = features == null ? step : () -> {
      MemoryOps.gatherNextRows(features, targets, order, cursor, input, labels);
      step.run();
    };
    if (runs < warmup) {
      body.run();
    } else if (graph == null) {
      graph = CudaGraph.capture(input.device(), body);
      capturedRates = rates();
      graph.replay();
    } else {
      if (!Arrays.equals(rates(), capturedRates)) {
        throw new IllegalStateException("StepGraph: the learning rates changed from " + Arrays.toString(capturedRates)
            + " to " + Arrays.toString(rates()) + " after the step was captured; the graph replays the rate it "
            + "captured. Close this StepGraph and capture a new one after a rate change");
      }
      graph.replay();  // counts the step in the optimizer
    }
    runs++;
  }

  private static void checkBatch(String what, Tensor batch, Tensor buffer) {
    if (batch.dtype() != buffer.dtype() || !Arrays.equals(batch.shape(), buffer.shape())) {
      throw new IllegalArgumentException("StepGraph: the batch's " + what + " are " + batch.describe()
          + ", the captured step's static buffer is " + buffer.describe() + "; a graph replays one shape. Run a "
          + "batch of another shape (the last, smaller one of an epoch) eagerly, or drop it");
    }
  }

  private double[] rates() {
    if (optimizer == null) return new double[0];
    double[] r = new double[optimizer.groupCount()];
    for (int g = 0; g < r.length; g++) r[g] = optimizer.learningRate(g);
    return r;
  }

  /**
   * Whether the optimizer's learning rates differ from those of the capture, so that {@link #run}
   * would refuse to replay: close this StepGraph and capture a new one (Trainer's cudaGraphs option
   * does so after a rate change).
   *
   * @return true once captured when a rate changed since; false before the capture
   */
  public boolean ratesChanged() {
    return graph != null && !Arrays.equals(rates(), capturedRates);
  }

  /**
   * Whether the step has been captured (after the warm-up).
   *
   * @return true once the graph exists
   */
  public boolean isCaptured() {
    return graph != null;
  }

  /**
   * Releases the graph and its private memory pool, and for a {@link #feeding} graph its buffers;
   * the buffers given to the constructor stay the caller's. Idempotent.
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (graph != null) graph.close();
    if (features != null) {
      input.close();
      labels.close();
      if (order != null) order.close();
      if (cursor != null) cursor.close();
    }
  }
}
