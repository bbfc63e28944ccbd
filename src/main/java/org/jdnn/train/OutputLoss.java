package org.jdnn.train;

import org.jdnn.loss.Loss;
import org.jdnn.tensor.Tensor;

/**
 * One output's own loss as a metric, "&lt;output&gt;_loss": the sample-weighted mean over the epoch of
 * the loss that output contributes (before its weight) to a {@link GraphTraining}'s total, so the
 * logs and the history show each loss beside the total. Summed on the model's device like the
 * trainer's loss ({@link LossMeter}: no wait per batch), read once at {@link #value()}.
 */
final class OutputLoss implements Metric {
  private final GraphTraining task;
  private final String output;
  private final Loss loss;
  private LossMeter meter;
  private org.jdnn.tensor.Device meterDevice;
  private double sum;
  private double weight;
  private int steps;

  OutputLoss(GraphTraining task, String output, Loss loss) {
    this.task = task;
    this.output = output;
    this.loss = loss;
  }

  @Override
  public String name() {
    return output + "_loss";
  }

  @Override
  public void reset() {
    sum = 0;
    weight = 0;
    steps = 0;
    release();
  }

  @Override
  public void update(Tensor packedOutputs, Tensor packedTargets) {
    Tensor l = task.outputLoss(output, loss, packedOutputs, packedTargets);
    if (meter != null && meterDevice != l.device()) fold();
    if (meter == null) {
      meter = new LossMeter(l.device());
      meterDevice = l.device();
    }
    meter.add(l, (int) packedOutputs.dim(0), steps++);
  }

  @Override
  public double value() {
    fold();
    return weight == 0 ? Double.NaN : sum / weight;
  }

  // Reads the device sums into the host ones and frees them, as Accuracy does with its counter.
  private void fold() {
    if (meter == null) return;
    try {
      if (!meter.isEmpty()) {
        LossMeter.Window w = meter.read();
        sum += w.weightedSum();
        weight += w.weight();
      }
    } finally {
      release();
    }
  }

  private void release() {
    if (meter != null) {
      meter.close();
      meter = null;
    }
  }
}
