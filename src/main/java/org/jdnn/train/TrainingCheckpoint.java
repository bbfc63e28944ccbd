package org.jdnn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.io.FileFormats;
import org.jdnn.io.SafeTensors;
import org.jdnn.io.SafeTensorsFile;
import org.jdnn.io.StateDicts;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Everything a resumed run needs to continue bit for bit: model tensors ("model.*"), optimizer
 * state ("optimizer.*", scalars in JSON), callback state ("callback.&lt;i&gt;.*" and JSON), completed
 * epochs, history, the shuffling seed and the global {@link Generator}'s seed and counter, and the
 * loss scaler's state when the trainer has one ({@link TrainingState}; a checkpoint without it, from a run without
 * loss scaling, leaves the trainer's scaler as it is). One safetensors file with jdnn's checksum, written atomically.
 *
 * <p>Restoring is all or nothing: the whole file is read and every part checked against the
 * trainer (tensor names, dtypes and shapes, the optimizer's and callbacks' state, the JSON fields'
 * types and ranges) before anything changes, so a failed resume leaves the model, optimizer,
 * callbacks, trainer and generator exactly as they were. It holds a copy of the file's tensors on
 * the CPU meanwhile.
 */
public final class TrainingCheckpoint {
  private TrainingCheckpoint() {}

  /**
   * Saves the trainer's state after {@link Trainer#startEpoch()} completed epochs, atomically
   * (readers see the previous file or the whole new one). {@link ModelCheckpoint} calls this after
   * every epoch; {@link Trainer#resume} reads it.
   *
   * @param t the trainer, between epochs
   * @param path the file to write (replaced if it exists; its directory is created if missing)
   * @throws IOException when the file cannot be written
   * @throws IllegalStateException when the optimizer or a tensor to save is closed
   */
  public static void save(Trainer t, Path path) throws IOException {

    Map<String, Tensor> tensors = new LinkedHashMap<>(StateDicts.prefixed("model.", StateDicts.of(t.model())));
    tensors.putAll(StateDicts.prefixed("optimizer.", t.optimizer().stateTensors()));
    List<Callback> cbs = t.callbacks();
    for (int i = 0; i < cbs.size(); i++) tensors.putAll(StateDicts.prefixed("callback." + i + ".", cbs.get(i).stateTensors()));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(FileFormats.KEY, FileFormats.CHECKPOINT);
    meta.put(TrainingState.KEY, TrainingState.json(t));
    SafeTensors.write(path, tensors, meta);
  }

  static void restore(Trainer t, Path path) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.open(path); TensorScope scope = new TensorScope()) {
      String wrongKind = FileFormats.mismatch(f.metadata().get(FileFormats.KEY), FileFormats.CHECKPOINT);
      if (wrongKind != null) throw new IOException(path + ": " + wrongKind);
      TrainingState state = TrainingState.parse(path, f.metadata().get(TrainingState.KEY));
      List<Callback> cbs = t.callbacks();
      if (state.callbackTypes.size() != cbs.size()) {
        throw new IOException(path + ": checkpoint has " + state.callbackTypes.size() + " callbacks, trainer has " + cbs.size()
            + " (configure the same callbacks before resuming)");
      }
      for (int i = 0; i < cbs.size(); i++) {
        String type = cbs.get(i).getClass().getSimpleName();
        if (!type.equals(state.callbackTypes.get(i))) {
          throw new IOException(path + ": callback " + i + " is " + state.callbackTypes.get(i) + " in the checkpoint, " + type
              + " in the trainer (configure the same callbacks, in the same order, before resuming)");
        }
      }
      Map<String, Tensor> model = StateDicts.of(t.model());
      StateDicts.check(f, "model.", model);
      Parts parts = Parts.read(f, cbs.size());
      check(t, path, state, parts, cbs);
      apply(t, path, state, parts, cbs, model);
    }
  }

  /** The file's tensors, read into the caller's scope, by part: model, optimizer and each callback (keyed without prefix). */
  private record Parts(Map<String, Tensor> model, Map<String, Tensor> optimizer, List<Map<String, Tensor>> callbacks) {
    static Parts read(SafeTensorsFile f, int callbackCount) throws IOException {
      Parts p = new Parts(new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>());
      for (int i = 0; i < callbackCount; i++) p.callbacks.add(new LinkedHashMap<>());
      for (String name : f.entries().keySet()) {
        Map<String, Tensor> into;
        String key;
        if (name.startsWith("model.")) {
          into = p.model;
          key = name.substring("model.".length());
        } else if (name.startsWith("optimizer.")) {
          into = p.optimizer;
          key = name.substring("optimizer.".length());
        } else {
          int i = callbackIndex(name, callbackCount);
          if (i < 0) {
            throw new IOException(f.path() + ": unexpected tensor '" + name + "' (a checkpoint holds model.*, optimizer.* and"
                + " callback.<0.." + (callbackCount - 1) + ">.* tensors)");
          }
          into = p.callbacks.get(i);
          key = name.substring(("callback." + i + ".").length());
        }
        into.put(key, f.read(name));
      }
      return p;
    }

    // i for "callback.<i>.<rest>" with 0 <= i < count, else -1
    private static int callbackIndex(String name, int count) {
      String[] parts = name.split("\\.", 3);
      if (parts.length < 3 || !parts[0].equals("callback") || !parts[1].matches("[0-9]{1,9}")) return -1;
      int i = Integer.parseInt(parts[1]);
      return i < count && parts[1].equals(String.valueOf(i)) ? i : -1;
    }
  }

  private static void check(Trainer t, Path path, TrainingState state, Parts parts, List<Callback> cbs) throws IOException {
    try {
      t.optimizer().checkState(parts.optimizer(), state.optimizer);
    } catch (IllegalArgumentException e) {
      throw new IOException(path + ": optimizer state does not fit this trainer's optimizer: " + e.getMessage()
          + " (create the same optimizer, with the same parameter groups, before resuming)", e);
    }
    if (state.gradScaler != null) {
      if (t.gradScaler() == null) {
        throw new IOException(path + ": the checkpoint was trained with loss scaling (a GradScaler); set"
            + " mixedPrecision(DType.FLOAT16, new GradScaler(device)) before resuming");
      }
      try {
        t.gradScaler().checkState(state.gradScaler);
      } catch (IllegalArgumentException e) {
        throw new IOException(path + ": loss scaler state does not fit this trainer's GradScaler: " + e.getMessage(), e);
      }
    }
    for (int i = 0; i < cbs.size(); i++) {
      try {
        cbs.get(i).checkState(t, state.callbackStates.get(i), parts.callbacks().get(i));
      } catch (IllegalArgumentException | ClassCastException e) {
        throw new IOException(path + ": state of callback " + i + " (" + state.callbackTypes.get(i) + ") does not fit: "
            + e.getMessage(), e);
      }
    }
  }

  // Everything has been checked; a callback without its own checks may still throw in loadState, so
  // every callback's state is kept first and put back if one does.
  private static void apply(Trainer t, Path path, TrainingState state, Parts parts, List<Callback> cbs,
      Map<String, Tensor> model) throws IOException {
    CallbackStates previous = CallbackStates.of(cbs, t.optimizer());
    for (int i = 0; i < cbs.size(); i++) {
      try {
        cbs.get(i).loadState(state.callbackStates.get(i));
        cbs.get(i).loadStateTensors(parts.callbacks().get(i));
      } catch (RuntimeException e) {
        previous.restore(e);
        throw new IOException(path + ": state of callback " + i + " (" + state.callbackTypes.get(i) + ") was refused: "
            + e.getMessage() + "; nothing was restored", e);
      }
    }
    t.optimizer().loadState(parts.optimizer(), state.optimizer);
    if (state.gradScaler != null) t.gradScaler().loadState(state.gradScaler);
    for (Map.Entry<String, Tensor> e : model.entrySet()) MemoryOps.copy(parts.model().get(e.getKey()), e.getValue());
    Generator.global().reset(state.generatorSeed);
    Generator.global().setOffset(state.generatorOffset);
    t.restored(state.epoch, state.shuffleSeed, state.history);
  }
}
