package org.jdnn.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * a resumed run restores the same weights.
 */
public final class EarlyStopping implements Callback {
  private static final String WHO = "EarlyStopping.loadState";
  private final Monitor monitor;
  private final int patience;
  private boolean restoreBest = true;
  private int wait;
  private int stoppedEpoch = -1;
  private Map<String, Tensor> bestWeights;

  public EarlyStopping(String metric, int patience) {
    if (patience < 0) throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
    this.monitor = new Monitor(metric);
    this.patience = patience;
  }

  public EarlyStopping mode(MonitorMode mode) {
    monitor.mode(mode);
    return this;
  }

  public EarlyStopping minDelta(double value) {
    monitor.minDelta(value);
    return this;
  }

  public EarlyStopping restoreBestWeights(boolean on) {
    restoreBest = on;
    return this;
  }

  /** The epoch (0-based) at which training was stopped, or -1. */
  public int stoppedEpoch() {
    return stoppedEpoch;
  }

  /** The epoch (0-based) with the best monitored value, or -1. */
  public int bestEpoch() {
    return monitor.bestEpoch;
  }

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
    }
  }

  @Override
  public void onTrainEnd(Trainer trainer) {
    if (bestWeights != null) {
      Map<String, Tensor> params = trainer.model().namedParameters();
      for (Map.Entry<String, Tensor> e : bestWeights.entrySet()) MemoryOps.copy(e.getValue(), params.get(e.getKey()));
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

  /** Restores the copy of the best weights; none when {@code tensors} is empty. */
  @Override
  public void loadStateTensors(Map<String, Tensor> tensors) {
    freeCopy();
    if (!tensors.isEmpty()) copyWeights(tensors);
  }

  /** The scalars as {@link #loadState} reads them; saved best weights must be the model's parameters, name for name. */
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
