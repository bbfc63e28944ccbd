package org.jdnn.train;

import org.jdnn.tensor.Tensor;

/**
 * A metric of one output of a {@link GraphTraining}, logged as "&lt;output&gt;_&lt;metric&gt;" (e.g.
 * "class_accuracy"): each batch's packed outputs and targets are unpacked and that output's pair is
 * given to the metric.
 */
final class OutputMetric implements Metric {
  private final GraphTraining task;
  private final String output;
  private final Metric metric;

  OutputMetric(GraphTraining task, String output, Metric metric) {
    this.task = task;
    this.output = output;
    this.metric = metric;
  }

  @Override
  public String name() {
    return output + "_" + metric.name();
  }

  @Override
  public void reset() {
    metric.reset();
  }

  @Override
  public void update(Tensor packedOutputs, Tensor packedTargets) {
    metric.update(task.outputColumns().unpack(packedOutputs, output), task.targetColumns().unpack(packedTargets, output));
  }

  @Override
  public double value() {
    return metric.value();
  }
}
