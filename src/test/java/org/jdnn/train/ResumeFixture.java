package org.jdnn.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.io.StateDicts;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.optim.schedule.CosineAnnealingLR;
import org.jdnn.optim.schedule.ReduceLROnPlateau;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * A trainer with state in every part a checkpoint restores: model, Adam, two schedules, early
 * stopping (with a copy of the best weights), a checkpoint writer, and a user callback without
 * checks of its own whose restore can fail halfway.
 */
final class ResumeFixture implements AutoCloseable {
  /** A user callback: restores "count", then fails unless "label" is a string, so a bad label leaves it half restored. */
  static final class Counter implements Callback {
    int count;
    String label = "start";

    @Override
    public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
      count++;
      label = "epoch " + epoch;
    }

    @Override
    public int order() {
      return 200;
    }

    @Override
    public Map<String, Object> state() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("count", count);
      s.put("label", label);
      return s;
    }

    @Override
    public void loadState(Map<String, Object> s) {
      count = ((Number) s.get("count")).intValue();
      if (!(s.get("label") instanceof String l)) throw new IllegalArgumentException("Counter: label must be a string");
      label = l;
    }
  }

  final Layer model = TrainerTestData.mlp();
  final Adam adam = new Adam(model.parameters(), 0.01);
  final Counter counter = new Counter();
  final Trainer trainer;

  ResumeFixture(java.nio.file.Path checkpoints, int epochs) {
    trainer = new Trainer(model, adam, new CrossEntropyLoss()).epochs(epochs).batchSize(8).seed(11).metrics(Metric.accuracy())
        .callbacks(new EarlyStopping("val_loss", 100), ScheduleStepping.of(new CosineAnnealingLR(adam, 10)),
            ScheduleStepping.onMetric("val_loss", new ReduceLROnPlateau(adam).patience(0).factor(0.5)),
            new ModelCheckpoint(checkpoints, "val_loss"), counter);
  }

  /** Everything a resume may change, as comparable text (tensors bit for bit through float64). */
  static Map<String, String> snapshot(Trainer t) {
    Map<String, String> s = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : StateDicts.of(t.model()).entrySet()) s.put("model." + e.getKey(), values(e.getValue()));
    for (Map.Entry<String, Tensor> e : t.optimizer().stateTensors().entrySet()) {
      s.put("optimizer." + e.getKey(), values(e.getValue()));
    }
    s.put("optimizer", t.optimizer().stateScalars().toString());
    List<Callback> cbs = t.callbacks();
    for (int i = 0; i < cbs.size(); i++) {
      s.put("callback." + i, cbs.get(i).state().toString());
      for (Map.Entry<String, Tensor> e : cbs.get(i).stateTensors().entrySet()) {
        s.put("callback." + i + "." + e.getKey(), values(e.getValue()));
      }
    }
    s.put("generator", Generator.global().seed() + " at " + Generator.global().offset());
    s.put("trainer", "epoch " + t.startEpoch() + ", seed " + t.seed() + ", history " + t.history().toMap());
    return s;
  }

  private static String values(Tensor t) {
    try (Tensor d = t.to(DType.FLOAT64)) {
      return Arrays.toString(d.toDoubleArray());
    }
  }

  @Override
  public void close() {
    adam.close();
    model.close();
  }
}
