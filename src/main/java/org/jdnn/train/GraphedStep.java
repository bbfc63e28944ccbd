package org.jdnn.train;

import java.util.Map;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The training step of one epoch of {@link Trainer#cudaGraphs}: forward, loss, backward and
 * optimizer step, run through a {@link StepGraph} (one eager warm-up step, then captured and
 * replayed) from static input and label buffers. The step copies its output and loss into static
 * buffers of its own, which the trainer reads between replays (loss sum, metrics) outside the graph.
 * Owns the buffers and the graph; close it at the epoch's end.
 */
final class GraphedStep implements AutoCloseable {
  /**
   * Eager steps before each capture, so the allocator's cache holds every block the step needs: the
   * first step makes the gradients and the optimizer's state, the second allocates its temporaries
   * with those alive, as every later step does (with one, the capture needs fresh device memory).
   */
  private static final int WARMUP = 2;

  private final Layer model;
  private final Optimizer optimizer;
  private final Loss loss;
  private final Device device;
  private Tensor input;
  private Tensor labels;
  private Tensor output;
  private Tensor lossValue;
  private StepGraph graph;
  /** Runs of the current graph, to tell a failed capture from a failed warm-up step. */
  private int runs;

  GraphedStep(Layer model, Optimizer optimizer, Loss loss, Device device) {
    this.model = model;
    this.optimizer = optimizer;
    this.loss = loss;
    this.device = device;
  }

  /**
   * Trains one step on a full batch: copies it into the static buffers, then runs the step eagerly,
   * captures it, or replays it. A learning rate changed since the capture (a schedule) closes the
   * graph first, so the next steps are captured again with the new rate instead of being refused.
   *
   * @param inputs the batch's (normalized) inputs, on any device
   * @param targets the batch's targets, on any device
   * @throws IllegalStateException when the step cannot be captured (a layer, the loss or the
   *     optimizer refuses, or the step waits for the device), naming the cause and the fix
   */
  void run(Tensor inputs, Tensor targets) {
    if (input == null) {
      refuseHooks("", model);
      input = Tensor.empty(inputs.dtype(), device, inputs.shape()).keep();
      labels = Tensor.empty(targets.dtype(), device, targets.shape()).keep();
    }
    if (graph != null && graph.ratesChanged()) {
      graph.close();
      graph = null;
    }
    if (graph == null) {
      graph = new StepGraph(input, labels, this::step, WARMUP, optimizer);
      runs = 0;
    }
    boolean capturing = runs == WARMUP;
    try {
      graph.run(inputs, targets);
    } catch (RuntimeException e) {
      if (!capturing) throw e;
      throw new IllegalStateException("Trainer.fit with cudaGraphs(true): the training step cannot be captured as a CUDA "
          + "graph: " + e.getMessage() + ". Train this model without Trainer.cudaGraphs, or replace what refuses the "
          + "capture", e);
    }
    runs++;
  }

  // A replayed graph runs no Java, so a layer hook would see only the eager steps: refused, not skipped.
  private static void refuseHooks(String path, Layer layer) {
    if (layer.hasHooks()) {
      throw new IllegalStateException("Trainer.fit with cudaGraphs(true): " + (path.isEmpty() ? "the model" : "layer '" + path
          + "'") + " (" + layer.describe() + ") has hooks, which a replayed CUDA graph would skip; remove them "
          + "(HookHandle.remove) or train without cudaGraphs");
    }
    for (Map.Entry<String, Layer> c : layer.children().entrySet()) {
      refuseHooks(path.isEmpty() ? c.getKey() : path + "." + c.getKey(), c.getValue());
    }
  }

  // The captured code: the step of Trainer's eager loop on the static buffers, its results copied
  // into buffers that outlive the step (allocated at the eager warm-up: a capture may not allocate).
  private void step() {
    try (TensorScope s = new TensorScope()) {
      optimizer.zeroGrad();
      Tensor out = model.call(input);
      Tensor l = loss.compute(out, labels);
      l.backward();
      optimizer.step();
      if (output == null) {
        output = Tensor.empty(out.dtype(), device, out.shape()).keep();
        lossValue = Tensor.empty(l.dtype(), device, l.shape()).keep();
      }
      output.copyFrom(out);
      lossValue.copyFrom(l);
    }
  }

  /** The last step's model output, valid once the step's work has run (stream order). */
  Tensor output() {
    return output;
  }

  /** The last step's loss. */
  Tensor loss() {
    return lossValue;
  }

  /** The static label buffer, holding the last full batch's targets on the device. */
  Tensor labels() {
    return labels;
  }

  @Override
  public void close() {
    try {
      if (graph != null) graph.close();
    } finally {
      graph = null;
      for (Tensor t : new Tensor[] {output, lossValue, input, labels}) {
        if (t != null) t.close();
      }
      output = lossValue = input = labels = null;
    }
  }
}
