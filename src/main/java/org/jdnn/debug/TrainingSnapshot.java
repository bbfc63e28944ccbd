package org.jdnn.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;

/**
 * Copies of everything a trial run of training changes, put back bit for bit by {@link #restore()}:
 * the model's parameters, buffers and gradients (into the same tensors, so an optimizer or a
 * hook holding them still works), the mode of each of its layers, the optimizer's state and hyper-parameters, and the
 * global {@link Generator}'s seed and position (dropout masks drawn afterwards are those a run
 * without the trial would draw). Owns its copies; close it.
 */
final class TrainingSnapshot implements AutoCloseable {
  private final Layer model;
  private final Optimizer optimizer;
  private final List<Tensor> targets = new ArrayList<>();
  private final List<Tensor> copies = new ArrayList<>();
  private final List<Tensor> gradCopies = new ArrayList<>();  // per parameter, null when it had no gradient
  private final List<Tensor> params;
  private final Map<String, Tensor> optimizerTensors = new LinkedHashMap<>();
  private final Map<String, Object> optimizerScalars;
  private final Map<Layer, Boolean> modes = new LinkedHashMap<>();  // parents before children
  private final long seed;
  private final long offset;

  TrainingSnapshot(Layer model, Optimizer optimizer) {
    this.model = model;
    this.optimizer = optimizer;
    params = model.parameters();
    try (GradMode.Guard g = GradMode.disable()) {
      for (Tensor t : params) save(t);
      for (Tensor t : model.namedBuffers().values()) save(t);
      for (Tensor p : params) gradCopies.add(p.grad() == null ? null : copyOf(p.grad()));
      for (Map.Entry<String, Tensor> e : optimizer.stateTensors().entrySet()) optimizerTensors.put(e.getKey(), copyOf(e.getValue()));
    }
    optimizerScalars = optimizer.stateScalars();
    modes.put(model, model.isTraining());
    for (Layer l : LayerTree.descendants(model).values()) modes.put(l, l.isTraining());
    Generator global = Generator.global();
    seed = global.seed();
    offset = global.offset();
  }

  private void save(Tensor t) {
    targets.add(t);
    copies.add(copyOf(t));
  }

  private static Tensor copyOf(Tensor t) {
    Tensor c = Tensor.empty(t.dtype(), t.device(), t.shape()).keep();
    c.copyFrom(t);
    return c;
  }

  /** Puts everything back as it was when the snapshot was taken. */
  void restore() {
    for (int i = 0; i < targets.size(); i++) targets.get(i).copyFrom(copies.get(i));
    for (int i = 0; i < params.size(); i++) {
      Tensor saved = gradCopies.get(i);
      if (saved == null) params.get(i).clearGrad();
      else params.get(i).setGrad(saved);
    }
    optimizer.loadState(optimizerTensors, optimizerScalars);
    // train(on) reaches the whole subtree, so parents go first and a child set apart is set again after them
    for (Map.Entry<Layer, Boolean> e : modes.entrySet()) e.getKey().train(e.getValue());
    Generator global = Generator.global();
    global.reset(seed);
    global.setOffset(offset);
  }

  @Override
  public void close() {
    for (Tensor t : copies) t.close();
    for (Tensor t : gradCopies) if (t != null) t.close();
    for (Tensor t : optimizerTensors.values()) t.close();
    copies.clear();
    gradCopies.clear();
    optimizerTensors.clear();
  }
}
