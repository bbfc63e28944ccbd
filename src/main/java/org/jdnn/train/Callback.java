package org.jdnn.train;

import java.util.Map;
import org.jdnn.tensor.Tensor;

/**
 * Hooks into {@link Trainer#fit}. Epochs are 0-based. At each epoch end the callbacks run in
 * ascending {@link #order()} (then in the order given), so checkpoints (order 100) see the
 * state after schedules and early stopping have updated. A callback with state that must survive a
 * resume returns it from {@link #state()} / {@link #stateTensors()}; checkpoints store it.
 *
 * <p>Every hook does nothing by default. An exception thrown from a hook ends the fit; onTrainEnd
 * still runs, unless the exception came from an onTrainBegin. Hooks run on the thread that called
 * fit.

 *
 * <pre>{@code
 * Callback printer = new Callback() {
 *   public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
 *     System.out.println(epoch + ": " + logs);
 *   }
 * };
 * }</pre>
 */
public interface Callback {
  /**
   * Before the first epoch of a fit, also when the fit continues a resumed run.
   *
   * @param trainer the trainer running the fit ({@link Trainer#startEpoch()} tells a resumed
   *     fit, whose start epoch is above 0)
   */
  default void onTrainBegin(Trainer trainer) {}

  /**
   * Before an epoch's first training step.
   *
   * @param trainer the trainer running the fit
   * @param epoch the epoch's index, from 0
   */
  default void onEpochBegin(Trainer trainer, int epoch) {}

  /**
   * After each read of the training loss, once the step's tensors are freed: after every optimizer
   * step by default; with {@link Trainer#logEvery(int) logEvery(n)}, after every n-th step and the
   * epoch's last, for the steps since the previous call.
   *
   * @param trainer the trainer running the fit
   * @param epoch the epoch's index, from 0
   * @param batch the index within the epoch of the last step read, from 0
   * @param batches the number of steps in the epoch
   * @param samples the number of samples in the steps read (one batch by default; the last may be
   *     smaller)
   * @param loss their loss as the loss function reduced it (its mean by default), averaged over the
   *     steps read weighted by their samples: the batch's own loss by default
   */
  default void onBatchEnd(Trainer trainer, int epoch, int batch, int batches, int samples, double loss) {}

  /**
   * After the epoch's training and validation, once the epoch is recorded in the history. Not
   * called for an epoch that a {@link TrainingStoppedException} ended.
   *
   * @param trainer the trainer running the fit; {@link Trainer#requestStop()} ends the fit after
   *     this epoch
   * @param epoch the epoch's index, from 0
   * @param logs this epoch's values: "loss", each metric's name, and "val_" plus each of those
   *     when there is validation data; unmodifiable
   */
  default void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {}

  /**
   * When the fit ends, however it ends (completed, stopped, or an exception).
   *
   * @param trainer the trainer that ran the fit
   */
  default void onTrainEnd(Trainer trainer) {}

  /**
   * Where this callback runs among the others at each hook: lower first, equal values in the
   * order given to {@link Trainer#callbacks(Callback...)}.
   *
   * @return 0 by default; schedules run at -10, progress at 50, checkpoints at 100
   */
  default int order() {
    return 0;
  }

  /**
   * State to save with a training checkpoint.
   *
   * @return JSON-friendly state (numbers, booleans, strings, lists, maps); empty by default
   */
  default Map<String, Object> state() {
    return Map.of();
  }

  /**
   * Restores what {@link #state()} returned, after a JSON round trip (numbers may come back as
   * another Number type).
   *
   * @param state the saved state
   * @throws IllegalArgumentException when the state is malformed, naming the entry
   */
  default void loadState(Map<String, Object> state) {}

  /**
   * Tensor state to save with a training checkpoint.
   *
   * @return tensors owned by the callback: the caller reads them and must not close them; empty by
   *     default
   */
  default Map<String, Tensor> stateTensors() {
    return Map.of();
  }

  /**
   * Restores tensor state.
   *
   * @param tensors the saved tensors; they belong to the caller, so copy them
   * @throws IllegalArgumentException when the tensors do not fit this callback
   */
  default void loadStateTensors(Map<String, Tensor> tensors) {}

  /**
   * Throws IllegalArgumentException, naming the entry, when {@link #loadState} or {@link
   * #loadStateTensors} would reject this saved state or it does not fit {@code trainer} (its model,
   * its optimizer); changes nothing. {@link Trainer#resume} calls it for every callback before
   * restoring anything. The default accepts everything: if a loadState then fails, resume puts every
   * callback back to its previous {@link #state()} and {@link #stateTensors()}.
   *
   * @param trainer the trainer being resumed
   * @param state the saved scalar state
   * @param tensors the saved tensor state, owned by the caller
   * @throws IllegalArgumentException when the saved state would be refused, naming the entry
   */
  default void checkState(Trainer trainer, Map<String, Object> state, Map<String, Tensor> tensors) {}

}
