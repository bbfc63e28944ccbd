package org.jdnn.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.io.FileFormats;
import org.jdnn.io.Json;
import org.jdnn.io.SafeTensors;
import org.jdnn.io.SafeTensorsFile;
import org.jdnn.io.StateDicts;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Everything a resumed run needs to continue bit for bit: model tensors ("model.*"), optimizer
 * state ("optimizer.*", scalars in JSON), callback state ("callback.&lt;i&gt;.*" and JSON), completed
 * epochs, history, the shuffling seed and the global {@link Generator}'s seed and counter. One
 * safetensors file with jdnn's checksum, written atomically.
 */
public final class TrainingCheckpoint {
  static final String STATE_KEY = "jdnn.training";

  private TrainingCheckpoint() {}

  /** Saves the trainer's state after {@link Trainer#startEpoch()} completed epochs. */
  public static void save(Trainer t, Path path) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>(StateDicts.prefixed("model.", StateDicts.of(t.model())));
    tensors.putAll(StateDicts.prefixed("optimizer.", t.optimizer().stateTensors()));
    List<Callback> cbs = t.callbacks();
    List<Object> cbState = new ArrayList<>();
    for (int i = 0; i < cbs.size(); i++) {
      tensors.putAll(StateDicts.prefixed("callback." + i + ".", cbs.get(i).stateTensors()));
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("type", cbs.get(i).getClass().getSimpleName());
      s.put("state", cbs.get(i).state());
      cbState.add(s);
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("epoch", t.startEpoch());
    state.put("shuffle_seed", t.seed());
    state.put("generator_seed", Generator.global().seed());
    state.put("generator_offset", Generator.global().offset());
    state.put("optimizer", t.optimizer().stateScalars());
    state.put("callbacks", cbState);
    state.put("history", t.history().toMap());
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(FileFormats.KEY, FileFormats.CHECKPOINT);
    meta.put(STATE_KEY, Json.write(Json.valueToTree(state)));
    SafeTensors.write(path, tensors, meta);
  }

  static void restore(Trainer t, Path path) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.open(path); TensorScope scope = new TensorScope()) {
      String wrongKind = FileFormats.mismatch(f.metadata().get(FileFormats.KEY), FileFormats.CHECKPOINT);
      if (wrongKind != null) throw new IOException(path + ": " + wrongKind);
      Map<?, ?> state;
      List<?> cbState;
      try {
        JsonNode json = Json.parse(f.metadata().getOrDefault(STATE_KEY, ""), STATE_KEY);
        state = (Map<?, ?>) Json.treeToValue(json);
        cbState = (List<?>) state.get("callbacks");
        number(state, "epoch");
      } catch (RuntimeException e) {
        throw new IOException(path + ": training state is malformed: " + e.getMessage(), e);
      }
      List<Callback> cbs = t.callbacks();
      if (cbState == null || cbState.size() != cbs.size()) {
        throw new IOException(path + ": checkpoint has " + (cbState == null ? 0 : cbState.size()) + " callbacks, trainer has "
            + cbs.size() + " (configure the same callbacks before resuming)");
      }
      StateDicts.copyInto(f, "model.", StateDicts.of(t.model()));
      try {
        restoreRest(t, f, state, cbState, cbs);
      } catch (ClassCastException | IllegalArgumentException | NullPointerException e) {
        throw new IOException(path + ": training state does not fit this trainer: " + e.getMessage(), e);
      }
    }
  }

  private static void restoreRest(Trainer t, SafeTensorsFile f, Map<?, ?> state, List<?> cbState, List<Callback> cbs)
      throws IOException {
    Path path = f.path();
    t.optimizer().loadState(read(f, "optimizer."), stringKeys((Map<?, ?>) state.get("optimizer")));
    for (int i = 0; i < cbs.size(); i++) {
      Map<?, ?> s = (Map<?, ?>) cbState.get(i);
      String type = cbs.get(i).getClass().getSimpleName();
      if (!type.equals(s.get("type"))) {
        throw new IOException(path + ": callback " + i + " is " + s.get("type") + " in the checkpoint, " + type + " in the trainer");
      }
      cbs.get(i).loadState(stringKeys((Map<?, ?>) s.get("state")));
      cbs.get(i).loadStateTensors(read(f, "callback." + i + "."));
    }
    Generator.global().reset(number(state, "generator_seed"));
    Generator.global().setOffset(number(state, "generator_offset"));
    int epoch = (int) number(state, "epoch");
    t.restored(epoch, number(state, "shuffle_seed"), History.fromMap((Map<?, ?>) state.get("history"), epoch));
  }

  private static long number(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number)) throw new IllegalArgumentException("'" + key + "' must be a number, got " + v);
    return ((Number) v).longValue();
  }

  // Tensors under prefix, read into the caller's scope, keyed without the prefix.
  private static Map<String, Tensor> read(SafeTensorsFile f, String prefix) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : f.entries().keySet()) if (name.startsWith(prefix)) out.put(name.substring(prefix.length()), f.read(name));
    return out;
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (m != null) for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
    return out;
  }
}
