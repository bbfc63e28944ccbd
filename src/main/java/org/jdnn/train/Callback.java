package org.jdnn.train;

import java.util.Map;
import org.jdnn.tensor.Tensor;

/**
 * Hooks into {@link Trainer#fit}. Epochs are 0-based. At each epoch end the callbacks run in
 * ascending {@link #order()} (then in the order given), so checkpoints (order 100) see the
 * state after schedules and early stopping have updated. A callback with state that must survive a
 * resume returns it from {@link #state()} / {@link #stateTensors()}; checkpoints store it.
 */
public interface Callback {
  default void onTrainBegin(Trainer trainer) {}

  default void onEpochBegin(Trainer trainer, int epoch) {}

  /** After each optimizer step: batch index, batch count, samples in the batch, its mean loss. */
  default void onBatchEnd(Trainer trainer, int epoch, int batch, int batches, int samples, double loss) {}

  /** After the epoch's training and validation; {@code logs} holds this epoch's values. */
  default void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {}

  default void onTrainEnd(Trainer trainer) {}

  default int order() {
    return 0;
  }

  /** JSON-friendly state (numbers, booleans, strings, lists, maps). */
  default Map<String, Object> state() {
    return Map.of();
  }

  default void loadState(Map<String, Object> state) {}

  /** Tensor state, owned by the callback. */
  default Map<String, Tensor> stateTensors() {
    return Map.of();
  }

  /** Restores tensor state (the given tensors belong to the caller: copy them). */
  default void loadStateTensors(Map<String, Tensor> tensors) {}

  /**
   * Throws IllegalArgumentException, naming the entry, when {@link #loadState} or {@link
   * #loadStateTensors} would reject this saved state or it does not fit {@code trainer} (its model,
   * its optimizer); changes nothing. {@link Trainer#resume} calls it for every callback before
   * restoring anything. The default accepts everything: if a loadState then fails, resume puts every
   * callback back to its previous {@link #state()} and {@link #stateTensors()}.
   */
  default void checkState(Trainer trainer, Map<String, Object> state, Map<String, Tensor> tensors) {}
}
