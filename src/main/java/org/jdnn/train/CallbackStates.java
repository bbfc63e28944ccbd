package org.jdnn.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;

/**
 * The callbacks' states, kept so that a restore a callback refuses halfway can be undone: their
 * {@link Callback#state()}, copies of their {@link Callback#stateTensors()} (in the caller's scope),
 * and the optimizer's learning rates, which restoring a schedule sets.
 */
final class CallbackStates {
  private final List<Callback> callbacks;
  private final List<Map<String, Object>> states = new ArrayList<>();
  private final List<Map<String, Tensor>> tensors = new ArrayList<>();
  private final Optimizer optimizer;
  private final double[] learningRates;

  private CallbackStates(List<Callback> callbacks, Optimizer optimizer) {
    this.callbacks = callbacks;
    this.optimizer = optimizer;
    for (Callback c : callbacks) {
      states.add(new LinkedHashMap<>(c.state()));
      Map<String, Tensor> copies = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : c.stateTensors().entrySet()) {
        Tensor t = e.getValue();
        Tensor copy = Tensor.empty(t.dtype(), t.device(), t.shape());
        MemoryOps.copy(t, copy);
        copies.put(e.getKey(), copy);
      }
      tensors.add(copies);
    }
    learningRates = new double[optimizer.groupCount()];
    for (int g = 0; g < learningRates.length; g++) learningRates[g] = optimizer.learningRate(g);
  }

  static CallbackStates of(List<Callback> callbacks, Optimizer optimizer) {
    return new CallbackStates(callbacks, optimizer);
  }

  /** Puts every callback and learning rate back; a callback that refuses its own state is added to {@code failure}. */
  void restore(RuntimeException failure) {
    for (int i = 0; i < callbacks.size(); i++) {
      try {
        callbacks.get(i).loadState(states.get(i));
        callbacks.get(i).loadStateTensors(tensors.get(i));
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
    for (int g = 0; g < learningRates.length; g++) {
      if (optimizer.learningRate(g) != learningRates[g]) optimizer.setLearningRate(g, learningRates[g]);
    }
  }
}
