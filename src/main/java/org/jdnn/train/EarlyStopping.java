package org.jdnn.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jdnn.io.StateEntries;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * Stops training when the monitored metric has not improved by more than minDelta for
 * {@code patience} consecutive epochs (Keras' EarlyStopping). With restoreBestWeights (the
 * default) it keeps a copy of the weights from the best epoch and puts them back when training
 * ends, whether it stopped early or ran out of epochs. The copy is part of its checkpoint state, so
 * a resumed run restores the same weights. The copy (one tensor per parameter, on the model's
 * device) is owned by this callback and freed when training ends.
 *
 * <pre>{@code
 * trainer.callbacks(new EarlyStopping("val_loss", 3).minDelta(1e-3));
 * }</pre>
 */
public final class EarlyStopping implements Callback {
  private static final String WHO = "EarlyStopping.loadState";
  private final Monitor monitor;
  private final int patience;
  private boolean restoreBest = true;
  private int wait;
  private int stoppedEpoch = -1;
  private Map<String, Tensor> bestWeights;

  /**
   * Early stopping on {@code metric}, restoring the best weights, in AUTO mode.
   *
   * @param metric a logged name, e.g. "val_loss"; checked at the first epoch end
   * @param patience epochs without improvement before stopping, at least 0 (0 stops at the first
   *     epoch that does not improve)
   * @throws IllegalArgumentException when {@code metric} is null or empty or {@code patience} is
   *     negative
   */
  public EarlyStopping(String metric, int patience) {
    if (patience < 0) throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
    this.monitor = new Monitor(metric);
    this.patience = patience;
  }

  /**
   * Sets whether the metric should go down or up (default AUTO: up for names containing "acc").
   *
   * @param mode MIN, MAX or AUTO
   * @return this callback
   */
  public EarlyStopping mode(MonitorMode mode) {
    monitor.mode(mode);
    return this;
  }

  /**
   * Sets by how much a value must beat the best to count as an improvement.
   *
   * @param value the margin, in the metric's units, finite and &gt;= 0 (default 0)
   * @return this callback
   * @throws IllegalArgumentException when {@code value} is negative, infinite or NaN
   */
  public EarlyStopping minDelta(double value) {
    monitor.minDelta(value);
    return this;
  }

  /**
   * Sets whether the best epoch's weights are kept and put back when training ends (default on).
   *
   * @param on whether to keep and restore them; off saves one copy of the parameters
   * @return this callback
   */
  public EarlyStopping restoreBestWeights(boolean on) {
    restoreBest = on;
    return this;
  }

  /**
   * The epoch at which this callback stopped training.
   *
   * @return its index, from 0, or -1 when it has not stopped a fit
   */
  public int stoppedEpoch() {
    return stoppedEpoch;
  }

  /**
   * The epoch with the best monitored value.
   *
   * @return its index, from 0, or -1 before the first epoch end
   */
  public int bestEpoch() {
    return monitor.bestEpoch;
  }

  /**
   * The best monitored value so far.
   *
   * @return the value, or +infinity (MIN) / -infinity (MAX) before the first epoch end
   */
  public double best() {
    return monitor.best;
  }

  @Override
  public void onTrainBegin(Trainer trainer) {
    if (trainer.startEpoch() == 0) {
      monitor.reset();
      wait = 0;
      stoppedEpoch = -1;
      freeCopy();
    }
  }

  @Override
  public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
    double v = monitor.value(logs, "EarlyStopping");
    if (monitor.improved(v, epoch)) {
      wait = 0;
      if (restoreBest) copyWeights(trainer.model().namedParameters());
    } else if (++wait >= patience) {
      stoppedEpoch = epoch;
      trainer.requestStop();
      trainer.message(String.format(Locale.ROOT, "epoch %d: early stopping, %s has not improved for %d epoch%s (best %.6g at"
          + " epoch %d)", epoch + 1, monitor.metric, wait, wait == 1 ? "" : "s", monitor.best, monitor.bestEpoch + 1));
    }
  }

  @Override
  public void onTrainEnd(Trainer trainer) {
    if (bestWeights != null) {
      Map<String, Tensor> params = trainer.model().namedParameters();
      for (Map.Entry<String, Tensor> e : bestWeights.entrySet()) MemoryOps.copy(e.getValue(), params.get(e.getKey()));
      trainer.message(String.format(Locale.ROOT, "restored the best weights: epoch %d, %s %.6g", monitor.bestEpoch + 1,
          monitor.metric, monitor.best));
    }
    freeCopy();
  }

  private void copyWeights(Map<String, Tensor> source) {
    if (bestWeights == null) {
      bestWeights = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : source.entrySet()) {
        bestWeights.put(e.getKey(), Tensor.empty(e.getValue().dtype(), e.getValue().device(), e.getValue().shape()).keep());
      }
    }
    for (Map.Entry<String, Tensor> e : source.entrySet()) MemoryOps.copy(e.getValue(), bestWeights.get(e.getKey()));
  }

  private void freeCopy() {
    if (bestWeights != null) for (Tensor t : bestWeights.values()) t.close();
    bestWeights = null;
  }

  @Override
  public Map<String, Object> state() {
    Map<String, Object> s = monitor.state();
    s.put("wait", wait);
    s.put("stopped_epoch", stoppedEpoch);
    return s;
  }

  @Override
  public void loadState(Map<String, Object> s) {
    checkScalars(s);
    monitor.load(WHO, s);
    wait = StateEntries.intIn(WHO, s, "wait", 0);
    stoppedEpoch = StateEntries.intIn(WHO, s, "stopped_epoch", -1);
  }

  @Override
  public Map<String, Tensor> stateTensors() {
    return bestWeights == null ? Map.of() : bestWeights;
  }

  /**
   * Restores the copy of the best weights; none when {@code tensors} is empty.
   *
   * @param tensors the saved copy, named as the model's parameters; copied, the caller keeps them
   */
  @Override
  public void loadStateTensors(Map<String, Tensor> tensors) {
    freeCopy();
    if (!tensors.isEmpty()) copyWeights(tensors);
  }

  /**
   * Checks the scalars as {@link #loadState} reads them; saved best weights must be the model's
   * parameters, name for name, with their dtypes and shapes.
   *
   * @param trainer the trainer being resumed
   * @param s the saved "best", "best_epoch", "wait" and "stopped_epoch"
   * @param tensors the saved best weights, or none
   * @throws IllegalArgumentException when an entry is missing, unknown or out of range, or a saved
   *     weight does not match the model
   */
  @Override
  public void checkState(Trainer trainer, Map<String, Object> s, Map<String, Tensor> tensors) {

    checkScalars(s);
    if (tensors.isEmpty()) return;
    Map<String, Tensor> params = trainer.model().namedParameters();
    if (!tensors.keySet().equals(params.keySet())) {
      throw new IllegalArgumentException(WHO + ": the saved best weights are " + tensors.keySet()
          + ", but the model's parameters are " + params.keySet());
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor p = params.get(e.getKey());
      if (e.getValue().dtype() != p.dtype() || !Arrays.equals(e.getValue().shape(), p.shape())) {
        throw new IllegalArgumentException(WHO + ": saved best weight '" + e.getKey() + "' is " + e.getValue().describe()
            + ", but the parameter is " + p.describe());
      }
    }
  }

  private static void checkScalars(Map<String, Object> s) {
    Monitor.check(WHO, s);
    StateEntries.intIn(WHO, s, "wait", 0);
    StateEntries.intIn(WHO, s, "stopped_epoch", -1);
    StateEntries.noOthers(WHO, s, Set.of("best", "best_epoch", "wait", "stopped_epoch"));
  }
}
