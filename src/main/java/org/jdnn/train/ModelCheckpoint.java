package org.jdnn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.jdnn.io.LayerRegistry;
import org.jdnn.io.ModelFile;
import org.jdnn.io.StateEntries;
import org.jdnn.tensor.Tensor;

/**
 * After every epoch writes {@code dir/last.ckpt.safetensors} (a {@link TrainingCheckpoint} to
 * resume from), and whenever the monitored metric improves, {@code dir/best.safetensors} (a model
 * file with architecture and normalizer; weights only if the model has unregistered layer types).
 * Both are written to a temporary file and renamed, so a crash never leaves a half-written file.
 * Runs after the other callbacks (order 100), so the checkpoint holds their updated state.
 */
public final class ModelCheckpoint implements Callback {
  private static final String WHO = "ModelCheckpoint.loadState";
  public static final String LAST = "last.ckpt.safetensors";
  public static final String BEST = "best.safetensors";

  private final Path dir;
  private final Monitor monitor;

  public ModelCheckpoint(Path dir, String metric) {
    this.dir = dir;
    this.monitor = new Monitor(metric);
  }

  public ModelCheckpoint mode(MonitorMode mode) {
    monitor.mode(mode);
    return this;
  }

  public Path lastPath() {
    return dir.resolve(LAST);
  }

  public Path bestPath() {
    return dir.resolve(BEST);
  }

  /** Epoch (0-based) of the saved best model, or -1. */
  public int bestEpoch() {
    return monitor.bestEpoch;
  }

  @Override
  public int order() {
    return 100;
  }

  @Override
  public void onTrainBegin(Trainer trainer) {
    if (trainer.startEpoch() == 0) monitor.reset();
  }

  @Override
  public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
    try {
      if (monitor.improved(monitor.value(logs, "ModelCheckpoint"), epoch)) {
        if (LayerRegistry.canDescribe(trainer.model())) ModelFile.save(bestPath(), trainer.model(), trainer.normalizer());
        else ModelFile.saveWeights(bestPath(), trainer.model());
      }
      TrainingCheckpoint.save(trainer, lastPath());
    } catch (IOException e) {
      throw new UncheckedIOException("ModelCheckpoint: cannot write to " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Map<String, Object> state() {
    return monitor.state();
  }

  @Override
  public void loadState(Map<String, Object> s) {
    checkState(null, s, Map.of());
    monitor.load(WHO, s);
  }

  @Override
  public void checkState(Trainer trainer, Map<String, Object> s, Map<String, Tensor> tensors) {
    Monitor.check(WHO, s);
    StateEntries.noOthers(WHO, s, Set.of("best", "best_epoch"));
    if (!tensors.isEmpty()) throw new IllegalArgumentException(WHO + ": saves no tensors, got " + tensors.keySet());
  }
}
