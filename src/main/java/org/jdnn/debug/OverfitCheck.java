package org.jdnn.debug;

import java.util.Arrays;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * "Overfit one batch first": trains on a single small batch for a number of steps and checks that
 * the loss gets close to 0. A network that cannot memorize a handful of samples will not learn
 * the data set either, and the reason is usually a bug (a loss given probabilities instead of
 * logits, labels shuffled apart from their inputs, a layer cut off from the gradient) or a
 * learning rate far off; the message says where to look. Afterwards the model, the optimizer and
 * the global generator are put back bit for bit, as {@link LrRangeTest} does.
 *
 * <pre>{@code
 * OverfitCheck.run(model, optimizer, new CrossEntropyLoss(), x, labels, 200, 0.01).requirePassed();
 * }</pre>
 */
public final class OverfitCheck {
  private OverfitCheck() {}

  /**
   * Trains {@code steps} steps on one batch in training mode and measures the loss on it afterwards
   * (still in training mode, so dropout stays on: pass a model without it, or expect a higher loss).
   *
   * @param model the model
   * @param optimizer its optimizer, at the learning rate to check
   * @param loss the loss
   * @param inputs the batch's inputs (a few samples, e.g. 2 to 16), on any device
   * @param targets the batch's targets, on any device
   * @param steps how many steps, at least 1
   * @param threshold the loss to reach, above 0 (e.g. 0.01 for cross-entropy)
   * @return the losses and whether the last is below {@code threshold}
   * @throws IllegalArgumentException when an argument is null, {@code steps} &lt; 1, the threshold
   *     is not a positive number, or the batch does not fit the model or the loss
   */
  public static OverfitResult run(Layer model, Optimizer optimizer, Loss loss, Tensor inputs, Tensor targets, int steps,
      double threshold) {
    if (model == null || optimizer == null || loss == null || inputs == null || targets == null) {
      throw new IllegalArgumentException("OverfitCheck.run: model, optimizer, loss, inputs and targets must not be null");
    }
    if (steps < 1) throw new IllegalArgumentException("OverfitCheck.run: steps must be at least 1, got " + steps);
    if (!(threshold > 0) || !Double.isFinite(threshold)) {
      throw new IllegalArgumentException("OverfitCheck.run: the threshold must be a finite loss above 0, got " + threshold);
    }
    double[] losses = new double[steps + 1];
    int recorded = 0;
    Device device = model.device();
    try (TrainingSnapshot snapshot = new TrainingSnapshot(model, optimizer); TensorScope s = new TensorScope()) {
      try {
        model.train();
        Tensor x = inputs.to(device);
        Tensor y = targets.to(device);
        for (int i = 0; i < steps; i++) {
          try (TensorScope step = new TensorScope()) {
            optimizer.zeroGrad();
            Tensor l = loss.compute(model.call(x), y);
            losses[recorded++] = l.item();
            if (!Double.isFinite(losses[recorded - 1])) break;
            l.backward();
            optimizer.step();
          }
        }
        if (recorded == steps) {
          try (TensorScope last = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
            losses[recorded++] = loss.compute(model.call(x), y).item();
          }
        }
      } finally {
        snapshot.restore();
      }
    }
    double[] seen = Arrays.copyOf(losses, recorded);
    double last = seen[recorded - 1];
    return new OverfitResult(seen, threshold, last < threshold);
  }
}
