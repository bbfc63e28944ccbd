package org.jdnn.train;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.MetricOps;
import org.jdnn.tensor.Tensor;

/**
 * The loss of the steps since the last read, summed where the model is ({@link
 * MetricOps#accumulateLoss}): adding a step's loss queues one kernel and never waits, reading
 * downloads four numbers (one wait, which also raises any error an op recorded on the device) and
 * starts a new window. Owns one small tensor, outside every scope; close it.
 */
final class LossMeter implements AutoCloseable {
  /** What one read found. */
  record Window(double weightedSum, double weight, int firstNonFiniteStep, double nonFiniteLoss) {
    /** The weighted mean loss of the window. */
    double mean() {
      return weightedSum / weight;
    }
  }

  private final Tensor sums;
  private boolean empty = true;

  LossMeter(Device device) {
    Tensor t = Tensor.empty(DType.FLOAT64, device, 4).keep();
    try {
      MemoryOps.fill(t, 0);
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    sums = t;
  }

  /**
   * Adds a step's loss.
   *
   * @param loss the step's reduced loss (one element)
   * @param samples the step's batch size, the loss's weight
   * @param step the step's index in the epoch, from 0 (named if its loss is not finite)
   */
  void add(Tensor loss, int samples, int step) {
    MetricOps.accumulateLoss(loss, sums, samples, step + 1L);
    empty = false;
  }

  /** Whether no loss was added since the last read. */
  boolean isEmpty() {
    return empty;
  }

  /** Reads the window (waiting for the device) and starts a new one. */
  Window read() {
    double[] v = sums.toDoubleArray();
    MemoryOps.fill(sums, 0);
    empty = true;
    return new Window(v[0], v[1], (int) v[2] - 1, v[3]);
  }

  @Override
  public void close() {
    sums.close();
  }
}
