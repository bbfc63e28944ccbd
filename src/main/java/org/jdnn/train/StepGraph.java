package org.jdnn.train;

import java.util.Arrays;
import java.util.Objects;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.Device;
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
 * <p>What a graph freezes (see {@link CudaGraph}): every host value the step passes to its ops.
 * Optimizers and layers whose per-step arguments change refuse to be captured (Adam, AdamW, AdaGrad;
 * Dropout in training mode); a learning rate changed after the capture (a scheduler) is refused at
 * the next {@link #run} rather than ignored; so is a batch of another shape than the captured one
 * (the last, smaller batch of an epoch: run it eagerly with the same step code, after copying it into
 * tensors of its own, or drop it). The step must not read anything to the host (a loss's item(), a
 * metric): read the loss tensor the capture produced between replays, outside the step.
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
    checkBatch("input", batchInput, input);
    checkBatch("labels", batchLabels, labels);
    input.copyFrom(batchInput);
    labels.copyFrom(batchLabels);
    if (runs < warmup) {
      step.run();
    } else if (graph == null) {
      graph = CudaGraph.capture(input.device(), step);
      capturedRates = rates();
      graph.replay();
    } else {
      if (!Arrays.equals(rates(), capturedRates)) {
        throw new IllegalStateException("StepGraph: the learning rates changed from " + Arrays.toString(capturedRates)
            + " to " + Arrays.toString(rates()) + " after the step was captured; the graph replays the rate it "
            + "captured. Close this StepGraph and capture a new one after a rate change");
      }
      graph.replay();
      if (optimizer != null) optimizer.countStep();
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

  /** Releases the graph and its private memory pool; the buffers stay the caller's. Idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (graph != null) graph.close();
  }
}
