package org.jdnn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jdnn.data.FeatureEncoding;
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
 *
 * <pre>{@code
 * ModelCheckpoint ckpt = new ModelCheckpoint(Path.of("runs/1"), "val_accuracy");
 * trainer.callbacks(ckpt).fit(train, validation);
 * SavedModel best = ModelFile.load(ckpt.bestPath());     // the best epoch's model
 * trainer.resume(ckpt.lastPath());                        // or continue the run later
 * }</pre>
 *
 * <p>A write failure ends the fit with an {@link UncheckedIOException} naming the directory.
 */
public final class ModelCheckpoint implements Callback {
  private static final String WHO = "ModelCheckpoint.loadState";
  /** The file name of the training checkpoint written after every epoch. */
  public static final String LAST = "last.ckpt.safetensors";
  /** The file name of the model file written when the monitored metric improves. */
  public static final String BEST = "best.safetensors";

  private final Path dir;
  private final Monitor monitor;
  private FeatureEncoding encoding;
  private List<String> classNames;

  /**
   * Checkpoints into {@code dir}, monitoring {@code metric} in AUTO mode.
   *
   * @param dir the directory for both files, created when missing
   * @param metric a logged name, e.g. "val_loss"; checked at the first epoch end
   * @throws IllegalArgumentException when {@code metric} is null or empty
   */
  public ModelCheckpoint(Path dir, String metric) {
    this.dir = dir;
    this.monitor = new Monitor(metric);
  }

  /**
   * Sets whether the metric should go down or up (default AUTO: up for names containing "acc").
   *
   * @param mode MIN, MAX or AUTO
   * @return this callback
   */
  public ModelCheckpoint mode(MonitorMode mode) {
    monitor.mode(mode);
    return this;
  }

  /**
   * Stores a CSV feature encoding and class names in the best model file, so that its
   * {@code SavedModel} predicts from raw rows ({@code predictRows}, {@code predictCsv}) and by name.
   *
   * @param encoding the training table's {@code encoding}, or null
   * @param classNames the training table's {@code classNames}, or null
   * @return this callback
   */
  public ModelCheckpoint tableInfo(FeatureEncoding encoding, List<String> classNames) {
    this.encoding = encoding;
    this.classNames = classNames;
    return this;
  }

  /**
   * Where the training checkpoint goes.
   *
   * @return {@code dir/last.ckpt.safetensors}, for {@link Trainer#resume}
   */
  public Path lastPath() {
    return dir.resolve(LAST);
  }

  /**
   * Where the best model goes.
   *
   * @return {@code dir/best.safetensors}, for {@code ModelFile.load}
   */
  public Path bestPath() {
    return dir.resolve(BEST);
  }

  /**
   * The epoch of the saved best model.
   *
   * @return its index, from 0, or -1 before the first save
   */
  public int bestEpoch() {
    return monitor.bestEpoch;
  }

  /**
   * {@inheritDoc}
   *
   * @return 100: after schedules, early stopping and progress, so the checkpoint holds their state
   */
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
    // Every rank tracks the best value (the logs are the same on all), only rank 0 writes.
    boolean improved = monitor.improved(monitor.value(logs, "ModelCheckpoint"), epoch);
    if (!trainer.isMainProcess()) return;
    try {
      if (improved) {
        if (LayerRegistry.canDescribe(trainer.model())) ModelFile.save(bestPath(), trainer.model(), trainer.normalizer(), encoding, classNames, null);
        else ModelFile.saveWeights(bestPath(), trainer.model());
      }
      TrainingCheckpoint.save(trainer, lastPath());
      trainer.message(String.format(Locale.ROOT, "epoch %d: wrote %s", epoch + 1, lastPath()) + (!improved ? ""
          : String.format(Locale.ROOT, "; %s improved to %.6g, wrote %s", monitor.metric, monitor.best, bestPath())));
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
