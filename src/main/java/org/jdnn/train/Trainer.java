package org.jdnn.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Augmentation;
import org.jdnn.data.Batch;
import org.jdnn.data.DataLoader;
import org.jdnn.data.Normalizer;
import org.jdnn.distributed.DistributedDataParallel;
import org.jdnn.distributed.DistributedSampler;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.distributed.ReduceOp;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.GradScaler;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The training loop: {@link #fit} runs epochs of shuffled mini-batches (seeded by (seed, epoch), so
 * a run is reproducible and resumable), computes the loss and metrics, evaluates on validation data
 * and drives the callbacks; {@link #evaluate} and {@link #predict} run the model in eval mode.
 * Every step runs in its own {@link TensorScope}: however long the fit, native memory in use returns
 * to the same level after each step. An optional {@link Normalizer} is applied to every input
 * batch (training, evaluation, prediction) and saved in the model files {@link ModelCheckpoint}
 * writes; training checkpoints do not hold it, so set the same normalizer before resuming.
 *
 * <p><b>Devices.</b> Training runs where the model's parameters are ({@link Layer#device()}):
 * move the model with {@link Layer#to(Device)} before creating its optimizer and the trainer.
 * Datasets may stay on the CPU: each batch is gathered there (on the prefetch thread) and copied
 * to the model's device, on a GPU by the loader on the device's copy stream while earlier steps
 * compute ({@link DataLoader}, "Upload"); {@link #predict} inputs are copied in the call; outputs of
 * {@link #predict} stay on the model's device. A dataset put on the GPU ({@link ArrayDataset#to})
 * is gathered there, so a step copies nothing from the host; the loss is summed on the device and
 * read every {@link #logEvery} steps, so with both a GPU step never waits for the device.
 * {@link #cudaGraphs} replays each full step from a captured CUDA graph instead of launching every op.
 *
 * <pre>{@code
 * History h = new Trainer(model, adam, new CrossEntropyLoss())
 *     .epochs(20).batchSize(128).seed(42).metrics(Metric.accuracy())
 *     .callbacks(new EarlyStopping("val_loss", 3), new ModelCheckpoint(dir, "val_accuracy"), ProgressLogger.auto())
 *     .fit(train, validation);
 * }</pre>
 *
 * <p><b>Ownership.</b> The trainer owns nothing native: model, optimizer, datasets and callbacks
 * stay the caller's to close. It sits above every other package: it takes an
 * {@code org.jdnn.nn.Layer}, an {@code org.jdnn.optim.Optimizer}, an {@code org.jdnn.loss.Loss} and
 * {@code org.jdnn.data} datasets, and saves through {@code org.jdnn.io}. One fit at a time per
 * trainer; configure it before calling fit.
 */
public final class Trainer {
  private final Layer model;
  private final Optimizer optimizer;
  private final Loss loss;
  private int epochs = 10;
  private int batchSize = 32;
  private boolean shuffle = true;
  private long seed;
  private int prefetch = 2;
  private boolean stopOnNonFiniteLoss = true;
  private int logEvery = 1;
  private boolean cudaGraphs;
  private DType precision = DType.FLOAT32;
  private GradScaler scaler;
  private Augmentation augmentation;
  private Normalizer normalizer;
  private final List<Metric> metrics = new ArrayList<>();
  private final List<Callback> callbacks = new ArrayList<>();
  private History history = new History();
  private ProcessGroup group;
  private DistributedDataParallel ddp;  // during a distributed fit: the model's wrapper
  private int startEpoch;
  private volatile boolean stopRequested;
  private GradientClipping clipping;
  private ValidationSplit validationSplit;
  private PrintStream messages = System.out;

  /**
   * A trainer with 10 epochs, batch size 32, shuffling with seed 0, 2 batches prefetched, no
   * metrics, callbacks, augmentation or normalizer.
   *
   * @param model the model to train, already on its device
   * @param optimizer an optimizer over the model's parameters, created after the model's move
   * @param loss the loss of the model's output against the batch targets
   * @throws IllegalArgumentException when any of them is null
   */
  public Trainer(Layer model, Optimizer optimizer, Loss loss) {
    if (model == null || optimizer == null || loss == null) {
      throw new IllegalArgumentException("Trainer: model, optimizer and loss must not be null");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.loss = loss;
  }

  /**
   * Sets the epoch at which {@link #fit} stops (a total, counting the epochs of a resumed run).
   *
   * @param n the number of epochs, at least 0
   * @return this trainer
   * @throws IllegalArgumentException when {@code n} is negative
   */
  public Trainer epochs(int n) {
    if (n < 0) throw new IllegalArgumentException("Trainer: epochs must be >= 0, got " + n);
    epochs = n;
    return this;
  }

  /**
   * Sets the number of samples per training and evaluation batch (the last batch may be smaller).
   *
   * @param n the batch size, at least 1
   * @return this trainer
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public Trainer batchSize(int n) {
    if (n < 1) throw new IllegalArgumentException("Trainer: batch size must be >= 1, got " + n);
    batchSize = n;
    return this;
  }

  /**
   * Sets whether each training epoch visits the samples in a fresh random order (default on).
   *
   * @param on whether to shuffle
   * @return this trainer
   */
  public Trainer shuffle(boolean on) {
    shuffle = on;
    return this;
  }

  /**
   * Sets the seed of the per-epoch shuffling and augmentation (default 0); a run with the same seed
   * sees the same batches.
   *
   * @param value any seed
   * @return this trainer
   */
  public Trainer seed(long value) {
    seed = value;
    return this;
  }

  /**
   * Stops {@link #fit} with a {@link NonFiniteLossException} naming the epoch and step when a
   * training step's loss is NaN or infinite (on by default): the run has diverged, and its
   * checkpoints would only record that. The loss is checked on the model's device as it is summed
   * (the first non-finite step is remembered there) and raised where the trainer reads the loss
   * ({@link #logEvery}): after that step with the default interval of 1, else up to that many
   * steps later, the message naming both steps.
   *
   * @param on whether a non-finite loss stops the fit
   * @return this trainer
   */
  public Trainer stopOnNonFiniteLoss(boolean on) {
    stopOnNonFiniteLoss = on;
    return this;
  }

  /**
   * Sets how often, in training steps, {@link #fit} reads the loss from the model's device: the
   * loss (and the accuracy metrics, read at epoch end) is summed where the model is, so on a GPU a
   * step queues its work and returns without waiting for the device, and only a read waits. Each
   * read calls {@link Callback#onBatchEnd} once for the steps since the previous read (their
   * sample count and mean loss) and checks {@link #stopOnNonFiniteLoss}; an epoch's last step is
   * always read. The default, 1, reads after every step, as a CPU costs nothing for it; on a GPU
   * an interval such as 50 lets the host run ahead of the device. The epoch's mean loss is the same
   * whatever the interval, up to the rounding of the partial sums. Errors an op finds in its data
   * on a GPU (a label outside the classes) are raised at the next read, at the latest at the
   * epoch's end (see {@link Device#checkErrors()}).
   *
   * @param steps the interval, at least 1
   * @return this trainer
   * @throws IllegalArgumentException when {@code steps} &lt; 1
   */
  public Trainer logEvery(int steps) {
    if (steps < 1) throw new IllegalArgumentException("Trainer: logEvery must be >= 1, got " + steps);
    logEvery = steps;
    return this;
  }

  /**
   * Sets whether {@link #fit} trains with CUDA graphs (default off): each full training step
   * (forward, loss, backward, optimizer step) is captured once as a graph and then replayed, one
   * graph launch per step instead of one launch per op, which is what bounds a small model's step on
   * a GPU. A replay runs the eager step's kernels on the same data, so training with and without
   * graphs gives the same losses, metrics and parameters (bit for bit on cuda-emu; on a GPU, kernels
   * that add with atomics, such as max-pool's backward, are not reproducible even eagerly).
   *
   * <p>Each epoch's first two full batches run eagerly (the warm-up, which fills the allocator's
   * cache), the third is captured and replayed, the later ones replayed; each batch is first copied
   * into the graph's static input and label buffers on the device. <b>The last, smaller batch of an
   * epoch</b> (when the samples are not a multiple of the batch size) runs eagerly: a graph replays
   * one shape. A learning rate changed since the capture (a schedule stepped by a callback, between
   * epochs or within one) is never ignored: the step is captured again after two eager steps. Outside
   * the graph, queued after each replay without waiting for the device: the normalizer (its
   * statistics are uploaded per batch, which a capture refuses), the loss sum and the metrics'
   * updates (a metric counts samples in Java, which a replay would not do; the loss sum tags the
   * step of a non-finite loss), and every callback. Batches are gathered, and host batches uploaded,
   * on the training thread ({@link #prefetch} is not used then: device work from the prefetch thread
   * would join a capture).
   *
   * <p>Needs the model on {@link Device#cuda()} or {@link Device#cudaEmulated()}: on the CPU, fit
   * fails at its start. Every layer, the loss and the optimizer must be capturable (Dropout and the
   * fused optimizer steps are: the graph advances their per-step values); one that is not (a layer
   * drawing a random fill, whose offset the graph would freeze) makes fit fail with an
   * {@link IllegalStateException} naming it at the epoch's third step, after the eager warm-up
   * steps' updates, as does a step that waits for the device (a custom loss reading a value).
   *
   * @param on whether to train with CUDA graphs
   * @return this trainer
   */
  public Trainer cudaGraphs(boolean on) {
    cudaGraphs = on;
    return this;
  }

  /**
   * Mixed precision: with {@code DType.BFLOAT16} each training step's forward pass and loss, and the forward passes of
   * {@link #evaluate} and {@link #predict}, run under {@link Autocast} in bfloat16 (the products in bfloat16 with
   * float32 sums, the losses and normalizations in float32); parameters, gradients and the optimizer's state stay
   * float32, and the loss, the metrics and predict's outputs are float32. {@code DType.FLOAT32} (the default) turns it
   * off. The hand-written loop's form is an {@code Autocast.enable(DType.BFLOAT16)} scope around forward and loss.
   *
   * <p>float16 needs loss scaling (gradients below 2^-24 vanish in it): use {@link #mixedPrecision(DType, GradScaler)}.
   * Not combined with {@link #cudaGraphs} yet (fit refuses the pair at its start).
   *
   * @param type FLOAT32 or BFLOAT16
   * @return this trainer
   * @throws IllegalArgumentException for FLOAT16 (with the fix) or a type that is not a float type
   */
  public Trainer mixedPrecision(DType type) {
    if (type == DType.FLOAT16) {
      throw new IllegalArgumentException("Trainer.mixedPrecision: float16 needs loss scaling (gradients below 2^-24"
          + " vanish in it): call mixedPrecision(DType.FLOAT16, new GradScaler(device)) and close the scaler after"
          + " training, or use DType.BFLOAT16, which needs none");
    }
    return mixedPrecision(type, null);
  }

  /**
   * Mixed precision with loss scaling: as {@link #mixedPrecision(DType)}, and each step's loss is scaled before
   * backward, the gradients unscaled before the optimizer's step, and the step skipped (on the device, without a
   * wait) when one overflowed, by {@code scaler} ({@link GradScaler}, torch.amp.GradScaler's rules). Each epoch's
   * logs (and so the progress line and the history) gain "loss_scale" and "skipped_steps" (the scaler's count so
   * far). Training checkpoints save the scaler's state and resuming restores it. The trainer does not close the
   * scaler.
   *
   * @param type FLOAT16 (which needs a scaler), BFLOAT16 or FLOAT32 (where a scaler is allowed but changes nothing
   *     but the skipping of steps whose gradients overflowed)
   * @param scaler the loss scaler, on the model's device; null only for BFLOAT16 and FLOAT32
   * @return this trainer
   * @throws IllegalArgumentException when the type is not a float type, or FLOAT16 comes without a scaler
   */
  public Trainer mixedPrecision(DType type, GradScaler scaler) {
    if (type != DType.FLOAT32 && type != DType.BFLOAT16 && type != DType.FLOAT16) {
      throw new IllegalArgumentException("Trainer.mixedPrecision: expected DType.BFLOAT16, DType.FLOAT16 (with a"
          + " GradScaler) or DType.FLOAT32 to turn it off, got " + type);
    }
    if (type == DType.FLOAT16 && scaler == null) {
      throw new IllegalArgumentException("Trainer.mixedPrecision: float16 needs a GradScaler (gradients below 2^-24"
          + " vanish in it): pass new GradScaler(model.device())");
    }
    precision = type;
    this.scaler = scaler;
    return this;
  }

  /**
   * The loss scaler given to {@link #mixedPrecision(DType, GradScaler)}.
   *
   * @return the scaler, or null when steps are not loss-scaled
   */
  public GradScaler gradScaler() {
    return scaler;
  }

  /** A 16-bit output widened for the loss reading, the metrics and the caller; float32 as it is. */
  private static Tensor widened(Tensor out) {
    return out.dtype().isHalf() ? out.to(DType.FLOAT32) : out;
  }

  /**
   * Sets how many training batches are assembled ahead on a background thread (default 2).
   *
   * @param batches the queue's length, at least 0 (0: batches are made on the training thread)
   * @return this trainer
   * @throws IllegalArgumentException when {@code batches} is negative
   */
  public Trainer prefetch(int batches) {
    if (batches < 0) throw new IllegalArgumentException("Trainer: prefetch must be >= 0, got " + batches);
    prefetch = batches;
    return this;
  }

  /**
   * Sets a random transform of each training batch's inputs (not applied to validation or
   * prediction), seeded per batch from the trainer's seed.
   *
   * @param a the augmentation, or null for none
   * @return this trainer
   */
  public Trainer augmentation(Augmentation a) {
    augmentation = a;
    return this;
  }

  /**
   * Sets the normalizer applied to every input batch, in training, evaluation and prediction;
   * ModelCheckpoint saves it in the best model's file (not in the training checkpoint).

   *
   * @param n the normalizer (e.g. fitted on the training inputs), or null for none
   * @return this trainer
   */
  public Trainer normalizer(Normalizer n) {
    normalizer = n;
    return this;
  }

  /**
   * Adds metrics, computed on training batches and on validation data each epoch.
   *
   * @param m metrics with distinct names
   * @return this trainer
   */
  public Trainer metrics(Metric... m) {
    metrics.addAll(Arrays.asList(m));
    return this;
  }

  /**
   * Adds callbacks; they run in ascending {@link Callback#order()}, then in the order added.
   *
   * @param c the callbacks
   * @return this trainer
   */
  public Trainer callbacks(Callback... c) {
    callbacks.addAll(Arrays.asList(c));
    return this;
  }

  /**
   * Clips the gradients after each backward pass, before the optimizer's step (unscaled first
   * under mixed precision's loss scaling).
   *
   * @param c {@link GradientClipping#byNorm} or {@link GradientClipping#byValue}, or null for none
   *     (the default)
   * @return this trainer
   */
  public Trainer gradientClipping(GradientClipping c) {
    clipping = c;
    return this;
  }

  /**
   * Holds out a shuffled share of the training data for validation when {@link #fit} is given no
   * validation set (see {@link ValidationSplit}); drawn from the trainer's seed. The two parts are
   * copied for the fit's duration (as much memory again as the dataset) and freed when it returns.
   *
   * @param fraction the share held out, in (0, 1)
   * @param stratified whether each class is held out in proportion (class labels needed)
   * @return this trainer
   * @throws IllegalArgumentException when {@code fraction} is not in (0, 1)
   */
  public Trainer validationSplit(double fraction, boolean stratified) {
    validationSplit = new ValidationSplit(fraction, stratified);
    return this;
  }

  /**
   * Sets where {@link #fit} and its callbacks report the run: a start-up line (device, threads,
   * parameters, samples), early stopping, restored weights, checkpoints written, weight decay
   * turned on, and the total time. Only the main process reports.
   *
   * @param out the stream (default System.out), or null for silence; not closed
   * @return this trainer
   */
  public Trainer messages(PrintStream out) {
    messages = out;
    return this;
  }

  // One report line, from the main process only.
  void message(String line) {
    if (messages != null && isMainProcess()) {
      messages.println(line);
      messages.flush();
    }
  }

  /**
   * Trains data-parallel over {@code group} (null: in this process only): {@link #fit} wraps the
   * model in a {@link DistributedDataParallel} (rank 0's weights everywhere, gradients averaged
   * over the ranks after every backward pass), and each rank trains on its
   * {@link DistributedSampler} shard of every epoch, so {@link #batchSize} is per rank and a step
   * sees batchSize x worldSize samples in all (PyTorch's convention). The epoch's loss and metrics
   * are combined over the ranks (each metric averaged with the ranks' sample counts as weights,
   * exact for sample means such as accuracy), so every rank logs the same values and callbacks
   * decide alike; after each epoch's training rank 0's buffers (batch-norm statistics) are copied
   * to every rank and validation runs whole on each, so its logs agree too. Only the main process
   * ({@link #isMainProcess}) prints progress and writes checkpoints. Every rank runs the same {@code fit} with the same
   * settings; resume each from the same checkpoint at the same world size. When a rank's fit
   * fails, it tells the others (their {@link org.jdnn.distributed.DistributedException} then
   * names it and its exception) before the exception leaves fit.
   *
   * @param group the job's process group, or null
   * @return this trainer
   */
  public Trainer distributed(ProcessGroup group) {
    this.group = group;
    return this;
  }

  /**
   * Whether this process reports for the job: always without {@link #distributed}, else rank 0.
   *
   * @return true when this process prints progress and writes checkpoints
   */
  public boolean isMainProcess() {
    return group == null || group.rank() == 0;
  }

  /**
   * The model being trained.
   *
   * @return the model given to the constructor
   */
  public Layer model() {
    return model;
  }

  /**
   * The optimizer.
   *
   * @return the optimizer given to the constructor
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The input normalizer.
   *
   * @return the normalizer set with {@link #normalizer(Normalizer)}, or null
   */
  public Normalizer normalizer() {
    return normalizer;
  }

  /**
   * The epoch at which fit stops.
   *
   * @return the configured number of epochs
   */
  public int epochs() {
    return epochs;
  }

  /**
   * The shuffling and augmentation seed.
   *
   * @return the seed set, or the one restored by {@link #resume}
   */
  public long seed() {
    return seed;
  }

  /**
   * The first epoch the next fit runs.
   *
   * @return 0, or the number of completed epochs after a fit or a resume
   */
  public int startEpoch() {
    return startEpoch;
  }

  /**
   * The completed epochs' values.
   *
   * @return the trainer's live history (later fits append to it; a resume replaces it)
   */
  public History history() {
    return history;
  }

  /**
   * The callbacks in the order they run.
   *
   * @return a new unmodifiable list, sorted by {@link Callback#order()}
   */
  public List<Callback> callbacks() {
    List<Callback> sorted = new ArrayList<>(callbacks);
    sorted.sort(Comparator.comparingInt(Callback::order));
    return Collections.unmodifiableList(sorted);
  }

  /** Ends the fit after the current epoch (callbacks use this). */
  public void requestStop() {
    stopRequested = true;
  }

  /**
   * Restores model, optimizer, callbacks, history, RNG and epoch from {@code checkpoint}; fit then
   * continues. All or nothing: the whole checkpoint is checked against this trainer (same model,
   * optimizer and callbacks in the same order) before anything changes, and a failure (an
   * IOException naming the file and the problem) leaves the model, optimizer, callbacks, trainer
   * and generator exactly as they were.
   *
   * @param checkpoint a file written by {@link ModelCheckpoint} or {@link TrainingCheckpoint#save}
   * @return this trainer, ready to {@link #fit} the remaining epochs
   * @throws IOException when the file cannot be read, is not a training checkpoint, is damaged
   *     (checksum), or does not fit this trainer; the message names the file and the problem
   */
  public Trainer resume(Path checkpoint) throws IOException {
    TrainingCheckpoint.restore(this, checkpoint);
    return this;
  }

  void restored(int epoch, long shuffleSeed, History h) {
    startEpoch = epoch;
    seed = shuffleSeed;
    history = h;
  }

  /**
   * Trains for the configured epochs (from {@link #startEpoch()}); {@code validation} may be null.
   *
   * <p>Stops early, within one step, with a {@link TrainingStoppedException} carrying the history
   * of the completed epochs: a {@link TrainingInterruptedException} when the thread is interrupted
   * (its interrupt flag stays set), a {@link NonFiniteLossException} on a NaN or infinite loss
   * ({@link #stopOnNonFiniteLoss}). An epoch stopped during its steps or validation is not recorded
   * and runs no epoch-end callbacks, so the last checkpoint is that of the last completed epoch,
   * intact; onTrainEnd callbacks still run.
   *
   * @param train the training samples, usually on the CPU; not closed
   * @param validation data evaluated after every epoch (its values logged with a "val_" prefix),
   *     or null (then, with {@link #validationSplit}, a share of {@code train} held out)
   * @return the trainer's history, holding every completed epoch (also those of a resumed run)
   * @throws TrainingStoppedException when the thread is interrupted or the loss is not finite
   * @throws IllegalArgumentException when a batch does not fit the model or the loss (shapes,
   *     dtypes), or the validation split leaves a part empty or needs labels {@code train} lacks
   * @throws IndexOutOfBoundsException when a class label is outside the model's classes
   * @throws IllegalStateException when a callback's monitored metric is not logged, or the model or
   *     optimizer was closed; with {@link #cudaGraphs} on, when the model is not on a CUDA device,
   *     its step cannot be captured, or gradient clipping is set
   */
  public History fit(ArrayDataset train, ArrayDataset validation) {
    if (validation != null || validationSplit == null) return fitOn(train, validation, null);
    int[][] parts = validationSplit.indices(train, seed);
    try (ArrayDataset t = train.select(parts[0]); ArrayDataset v = train.select(parts[1])) {
      return fitOn(t, v, validationSplit);
    }
  }

  private History fitOn(ArrayDataset train, ArrayDataset validation, ValidationSplit split) {
    if (scaler != null && scaler.device() != model.device()) {
      throw new IllegalStateException("Trainer.fit: the GradScaler is on " + scaler.device() + " but the model is on "
          + model.device() + "; create the scaler with new GradScaler(model.device())");
    }
    if (cudaGraphs && (precision.isHalf() || scaler != null)) {
      throw new IllegalStateException("Trainer.fit: cudaGraphs(true) and mixedPrecision(" + precision + ") cannot be"
          + " combined yet; turn one of them off");
    }
    if (cudaGraphs && !model.device().isCuda()) {
      throw new IllegalStateException("Trainer.fit: cudaGraphs(true) needs the model on a CUDA device (cuda or cuda-emu), "
          + "but it is on " + model.device() + ". Move the model there (model.to(Device.cuda())) before creating its "
          + "optimizer, or train without cudaGraphs");
    }
    if (group != null && cudaGraphs) {
      throw new IllegalStateException("Trainer.fit: cudaGraphs(true) and distributed(...) cannot be combined yet; turn"
          + " one of them off");
    }
    if (cudaGraphs && clipping != null) {
      throw new IllegalStateException("Trainer.fit: cudaGraphs(true) and gradientClipping(..) cannot be combined yet; turn"
          + " one of them off");
    }
    List<Callback> cbs = callbacks();
    stopRequested = false;
    Position at = new Position();
    long started = System.nanoTime();
    int firstEpoch = startEpoch;
    message(FitReport.startLine(this, train, validation, split));
    boolean completed = false;  // the total time is reported for a fit that ran to its end or stopped early
    try {
      if (group != null) ddp = new DistributedDataParallel(model, group);
      for (Callback c : cbs) c.onTrainBegin(this);
      for (int epoch = startEpoch; epoch < epochs && !stopRequested; epoch++) {
        at.start(epoch);
        stopIfInterrupted(at);
        for (Callback c : cbs) c.onEpochBegin(this, epoch);
        double lr = optimizer.learningRate();  // the epoch's rate: epoch schedules step at its end
        Map<String, Double> logs = trainEpoch(train, at, cbs);
        if (ddp != null) ddp.broadcastBuffers();  // rank 0's batch-norm statistics: the replicas validate alike
        if (validation != null) {
          for (Map.Entry<String, Double> e : evaluate(validation, at).entrySet()) logs.put("val_" + e.getKey(), e.getValue());
        }
        stopIfInterrupted(at);
        Map<String, Double> recorded = new LinkedHashMap<>(logs);
        recorded.putIfAbsent("lr", lr);  // for TrainingCurves' learning-rate strip; callbacks get the metrics only
        history.record(recorded);
        startEpoch = epoch + 1;
        for (Callback c : cbs) c.onEpochEnd(this, epoch, Collections.unmodifiableMap(logs));
      }
      completed = true;
    } catch (RuntimeException e) {
      if (group != null) group.reportFailure(e);
      // an interrupt may surface as another exception: a prefetch queue's wait, a file channel it closed
      if (!(e instanceof TrainingStoppedException) && Thread.currentThread().isInterrupted()) throw interrupted(at, e);
      throw e;
    } finally {
      try {
        for (Callback c : cbs) c.onTrainEnd(this);
        if (completed) message(FitReport.endLine(startEpoch - firstEpoch, startEpoch - 1, stopRequested, System.nanoTime() - started));
      } finally {
        if (ddp != null) {
          ddp.close();
          ddp = null;
        }
      }
    }
    return history;
  }

  /** Where a fit is, for the messages of a stopped fit. */
  private final class Position {
    int epoch;
    int batches;
    /** Index of the last step run in this epoch, -1 before the first. */
    int step;

    void start(int e) {
      epoch = e;
      batches = 0;
      step = -1;
    }

    @Override
    public String toString() {
      return "epoch " + (epoch + 1) + " of " + epochs + " (index " + epoch + ")";
    }
  }

  private void stopIfInterrupted(Position at) {
    if (Thread.currentThread().isInterrupted()) throw interrupted(at, null);
  }

  private TrainingInterruptedException interrupted(Position at, Throwable cause) {
    String when = at.step < 0 ? "before its first step" : "after step " + (at.step + 1) + " of " + at.batches;
    return new TrainingInterruptedException("Trainer.fit: interrupted in " + at + " " + when + "; the thread's interrupt flag"
        + " is still set. History and checkpoints hold the " + history.epochs() + " completed epochs; the model holds this"
        + " epoch's updates so far, so to continue exactly, resume from the last checkpoint", cause, history, at.epoch, at.step);
  }

  private NonFiniteLossException nonFinite(Position at, int badStep, double value) {
    String read = badStep == at.step ? ""
        : " (found when the loss was read after step " + (at.step + 1) + ": Trainer.logEvery(" + logEvery + "))";
    return new NonFiniteLossException("Trainer.fit: loss is " + value + " in " + at + " at step " + (badStep + 1) + " of "
        + at.batches + read + "; training stopped. The step's update was applied, so the parameters may be " + value + " too: resume"
        + " from the last checkpoint after a fix. Usual fixes: lower the learning rate; check the inputs for NaN or infinite"
        + " values and normalize them (Trainer.normalizer); give raw scores (logits) to a loss made for them (BCEWithLogitsLoss"
        + " rather than Sigmoid + BCELoss). Trainer.stopOnNonFiniteLoss(false) turns this check off", history, at.epoch, at.step);
  }

  private Map<String, Double> trainEpoch(ArrayDataset train, Position at, List<Callback> cbs) {
    model.train();
    for (Metric m : metrics) m.reset();
    Device device = model.device();
    // On a GPU the loader uploads each host batch itself, on the copy stream, while earlier steps compute. With
    // CUDA graphs it does not prefetch: its thread's device work (a gather, an upload's event on the compute
    // stream) would join a capture.
    int ahead = cudaGraphs ? 0 : prefetch;
    DataLoader loader = group == null
        ? new DataLoader(train, batchSize, shuffle, seed, at.epoch, augmentation, ahead, device.isCuda() ? device : null)
        : DataLoader.ofIndices(train, batchSize, new DistributedSampler(train.size(), group.rank(), group.worldSize(),
            shuffle, seed, false).indices(at.epoch), seed + group.rank(), at.epoch, augmentation, ahead,
            device.isCuda() ? device : null);
    boolean done = false;
    try (LossMeter meter = new LossMeter(device);
        GraphedStep graphed = cudaGraphs ? new GraphedStep(model, optimizer, loss, device) : null) {
      at.batches = loader.batchCount();
      EpochLoss total = new EpochLoss();
      for (int index = 0;; index++) {
        stopIfInterrupted(at);
        if (!loader.hasNext()) break;
        Batch b = loader.next();
        int n = b.size();
        if (graphed != null && n == batchSize) {
          try (TensorScope step = new TensorScope(); b) {
            graphed.run(normalizer == null ? b.inputs() : input(b.inputs(), device), b.targets());
            meter.add(graphed.loss(), n, index);
            try (GradMode.Guard g = GradMode.disable()) {
              for (Metric m : metrics) m.update(graphed.output(), graphed.labels());
            }
          }
        } else {
          trainStep(b, n, index, device, meter);
        }
        at.step = index;
        total.windowSamples += n;
        if ((index + 1) % logEvery == 0 || index + 1 == at.batches) readLoss(meter, total, at, cbs);
      }
      if (!meter.isEmpty()) readLoss(meter, total, at, cbs);
      Map<String, Double> logs = group == null ? logs(total.sum / total.samples) : combinedLogs(total);
      if (scaler != null) {  // one device read per epoch; the progress line and the history show them
        logs.put("loss_scale", scaler.scaleValue());
        logs.put("skipped_steps", (double) scaler.skippedSteps());
      }
      done = true;
      return logs;
    } finally {
      close(loader);
      if (!done) releaseMetrics();
    }
  }

  // One eager training step: every step without cudaGraphs, and a graphed epoch's last, smaller batch.
  private void trainStep(Batch b, int n, int index, Device device, LossMeter meter) {
    try (TensorScope step = new TensorScope(); b) {
      optimizer.zeroGrad();
      Tensor targets = b.targets().to(device);
      Tensor out;
      Tensor l;
      try (Autocast.Scope mixed = Autocast.scope(precision)) {
        out = widened((ddp != null ? ddp : model).call(input(b.inputs(), device)));
        l = loss.compute(out, targets);
      }
      if (clipping == null) GradScaler.backwardAndStep(scaler, l, optimizer);
      else clipping.backwardClipAndStep(scaler, l, optimizer);
      meter.add(l, n, index);  // summed on the device: no wait here
      try (GradMode.Guard g = GradMode.disable()) {
        for (Metric m : metrics) m.update(out.detach(), targets);
      }
    }
  }

  // A pass that failed: the metrics' device counters (Accuracy on a GPU) are freed now, not at the next pass.
  private void releaseMetrics() {
    for (Metric m : metrics) m.reset();
  }

  /** The epoch's loss so far, summed from the windows read, and the samples of the unread window. */
  private static final class EpochLoss {
    double sum;
    long samples;
    int windowSamples;
  }

  // One read of the device (which also raises any error an op recorded there), then the callbacks.
  private void readLoss(LossMeter meter, EpochLoss total, Position at, List<Callback> cbs) {
    LossMeter.Window w = meter.read();
    if (stopOnNonFiniteLoss && w.firstNonFiniteStep() >= 0) throw nonFinite(at, w.firstNonFiniteStep(), w.nonFiniteLoss());
    total.sum += w.weightedSum();
    total.samples += total.windowSamples;
    int samples = total.windowSamples;
    total.windowSamples = 0;
    for (Callback c : cbs) c.onBatchEnd(this, at.epoch, at.step, at.batches, samples, w.mean());
  }

  // DataLoader.close waits for its prefetch thread unless the thread is interrupted: the flag is
  // lifted for the wait, so the prefetch thread has ended when fit returns or throws, then set again.
  private static void close(DataLoader loader) {
    boolean interrupted = Thread.interrupted();
    try {
      loader.close();
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  // The epoch's loss and metrics over every rank: sums of loss and of sample-weighted metric values,
  // and of samples, all-reduced in float64.
  private Map<String, Double> combinedLogs(EpochLoss total) {
    double[] sums = new double[2 + metrics.size()];
    sums[0] = total.sum;
    sums[1] = total.samples;
    for (int i = 0; i < metrics.size(); i++) sums[2 + i] = metrics.get(i).value() * total.samples;
    try (Tensor t = Tensor.of(sums, sums.length)) {
      group.allReduce(t, ReduceOp.SUM);
      double[] all = t.toDoubleArray();
      Map<String, Double> logs = new LinkedHashMap<>();
      logs.put("loss", all[0] / all[1]);
      for (int i = 0; i < metrics.size(); i++) logs.put(metrics.get(i).name(), all[2 + i] / all[1]);
      return logs;
    }
  }

  private Map<String, Double> logs(double meanLoss) {
    Map<String, Double> logs = new LinkedHashMap<>();
    logs.put("loss", meanLoss);
    for (Metric m : metrics) logs.put(m.name(), m.value());
    return logs;
  }

  // Called inside a step's scope, so the device copy is freed with the step. The device is looked
  // up once per pass (Layer.device() walks every parameter), not per batch.
  private Tensor input(Tensor x, Device device) {
    Tensor moved = x.to(device);
    return normalizer == null ? moved : normalizer.apply(moved);
  }

  /**
   * Mean loss and metrics over {@code data} in eval mode, without gradients; the model's mode is
   * put back afterwards.
   *
   * @param data the samples to evaluate, in order, in batches of {@link #batchSize(int)}
   * @return a new map: "loss" (the per-sample mean) and each metric's value, by name
   * @throws IllegalArgumentException when a batch does not fit the model or the loss
   * @throws IndexOutOfBoundsException when a class label is outside the model's classes
   */
  public Map<String, Double> evaluate(ArrayDataset data) {

    return evaluate(data, null);
  }

  // Within a fit ({@code at} not null) an interrupt stops the pass between batches.
  private Map<String, Double> evaluate(ArrayDataset data, Position at) {
    boolean wasTraining = model.isTraining();
    model.eval();
    for (Metric m : metrics) m.reset();
    Device device = model.device();
    // The loss is summed on the model's device and read once, at the end.
    boolean done = false;
    try (GradMode.Guard g = GradMode.disable(); LossMeter meter = new LossMeter(device);
        DataLoader loader = new DataLoader(data, batchSize, false, 0, 0, null, 0)) {
      for (int index = 0;; index++) {
        if (at != null) stopIfInterrupted(at);
        if (!loader.hasNext()) break;
        Batch b = loader.next();
        try (TensorScope s = new TensorScope(); b) {
          Tensor targets = b.targets().to(device);
          Tensor out;
          try (Autocast.Scope mixed = Autocast.scope(precision)) {
            out = widened(model.call(input(b.inputs(), device)));
          }
          meter.add(loss.compute(out, targets), b.size(), index);
          for (Metric m : metrics) m.update(out, targets);
        }
      }
      LossMeter.Window w = meter.isEmpty() ? null : meter.read();
      Map<String, Double> logs = logs(w == null ? Double.NaN : w.weightedSum() / w.weight());
      done = true;
      return logs;
    } finally {
      model.train(wasTraining);
      if (!done) releaseMetrics();
    }
  }

  /**
   * The model's outputs for raw inputs {@code x} (normalized if a normalizer is set), in eval mode,
   * without gradients; the model's mode is put back afterwards.
   *
   * @param x a batch of inputs, on any device (copied to the model's); not closed
   * @return a new tensor on the model's device, in the innermost open scope of the caller (else
   *     owned by the caller)
   */
  public Tensor predict(Tensor x) {

    boolean wasTraining = model.isTraining();
    model.eval();
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope();
        Autocast.Scope mixed = Autocast.scope(precision)) {
      return s.escape(widened(model.call(input(x, model.device()))));
    } finally {
      model.train(wasTraining);
    }
  }
}
