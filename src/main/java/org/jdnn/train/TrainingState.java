package org.jdnn.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdnn.io.Json;
import org.jdnn.tensor.Generator;

/**
 * The JSON part of a training checkpoint (metadata entry "jdnn.training"): completed epochs, the
 * shuffling seed, the global {@link Generator}'s seed and counter, the optimizer's scalars, each
 * callback's type and state, and the history. {@link #parse} checks the type and range of every
 * field before a resume changes anything; each error names the file, the field, what it must be and
 * what it is.
 */
final class TrainingState {
  static final String KEY = "jdnn.training";
  private static final Set<String> FIELDS =
      Set.of("epoch", "shuffle_seed", "generator_seed", "generator_offset", "optimizer", "callbacks", "history",
          "grad_scaler");
  /** How JSON writes the non-finite history values (NaN for a metric an epoch did not log, or a diverged loss). */
  private static final Map<String, Double> NON_FINITE =
      Map.of("NaN", Double.NaN, "Infinity", Double.POSITIVE_INFINITY, "-Infinity", Double.NEGATIVE_INFINITY);

  final int epoch;
  final long shuffleSeed;
  final long generatorSeed;
  final long generatorOffset;
  final Map<String, Object> optimizer;
  /** The loss scaler's state (GradScaler.state), or null when the run had none. */
  final Map<String, Object> gradScaler;
  final List<String> callbackTypes = new ArrayList<>();
  final List<Map<String, Object>> callbackStates = new ArrayList<>();
  final History history;

  private final Path path;

  /** The state of {@code t} and the global generator, as JSON text. */
  static String json(Trainer t) {
    List<Object> callbacks = new ArrayList<>();
    for (Callback c : t.callbacks()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("type", c.getClass().getSimpleName());
      s.put("state", c.state());
      callbacks.add(s);
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("epoch", t.startEpoch());
    state.put("shuffle_seed", t.seed());
    state.put("generator_seed", Generator.global().seed());
    state.put("generator_offset", Generator.global().offset());
    state.put("optimizer", t.optimizer().stateScalars());
    state.put("callbacks", callbacks);
    state.put("history", t.history().toMap());
    if (t.gradScaler() != null) state.put("grad_scaler", t.gradScaler().state());
    return Json.write(Json.valueToTree(state));
  }

  /** Parses and checks {@code text} read from {@code path} (null when the file has no such entry). */
  static TrainingState parse(Path path, String text) throws IOException {
    return new TrainingState(path, text);
  }

  private TrainingState(Path path, String text) throws IOException {
    this.path = path;
    if (text == null) throw bad("no " + KEY + " entry in the metadata");
    JsonNode root;
    try {
      root = Json.parse(text, KEY);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    if (!root.isObject()) throw mustBe(KEY, "a JSON object", root);
    for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
      String f = it.next();
      if (!FIELDS.contains(f)) throw bad("unknown field '" + f + "' (expected " + FIELDS + ")");
    }
    epoch = (int) integer(root, "epoch", 0, Integer.MAX_VALUE, "an integer >= 0");
    shuffleSeed = integer(root, "shuffle_seed", Long.MIN_VALUE, Long.MAX_VALUE, "a 64-bit integer");
    generatorSeed = integer(root, "generator_seed", Long.MIN_VALUE, Long.MAX_VALUE, "a 64-bit integer");
    generatorOffset = integer(root, "generator_offset", 0, Long.MAX_VALUE, "an integer >= 0");
    optimizer = scalars(field(root, "optimizer"), "optimizer");
    gradScaler = root.has("grad_scaler") ? scalars(root.get("grad_scaler"), "grad_scaler") : null;
    JsonNode cbs = field(root, "callbacks");
    if (!cbs.isArray()) throw mustBe("callbacks", "an array", cbs);
    for (int i = 0; i < cbs.size(); i++) {
      JsonNode c = cbs.get(i);
      String where = "callbacks[" + i + "]";
      if (!c.isObject() || c.size() != 2 || !c.has("type") || !c.has("state")) {
        throw mustBe(where, "an object {\"type\": ..., \"state\": {...}}", c);
      }
      if (!c.get("type").isTextual()) throw mustBe(where + ".type", "a class name", c.get("type"));
      if (!c.get("state").isObject()) throw mustBe(where + ".state", "an object", c.get("state"));
      callbackTypes.add(c.get("type").textValue());
      callbackStates.add(plainMap(c.get("state")));
    }
    history = history(field(root, "history"));
  }

  private IOException bad(String problem) {
    return new IOException(path + ": training state (" + KEY + ") " + problem
        + "; the checkpoint is damaged or was not written by jdnn: resume from an intact checkpoint");
  }

  private IOException mustBe(String field, String expected, JsonNode actual) {
    return bad("field '" + field + "' must be " + expected + ", got " + actual);
  }

  private JsonNode field(JsonNode root, String name) throws IOException {
    JsonNode v = root.get(name);
    if (v == null) throw bad("lacks field '" + name + "'");
    return v;
  }

  private long integer(JsonNode root, String name, long min, long max, String expected) throws IOException {
    JsonNode v = field(root, name);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
      throw mustBe(name, expected, v);
    }
    return v.longValue();
  }

  /** An object of numbers and booleans, as plain Java values (their meaning is checked by the optimizer). */
  private Map<String, Object> scalars(JsonNode node, String name) throws IOException {
    if (!node.isObject()) throw mustBe(name, "an object of numbers and booleans", node);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isNumber() && !e.getValue().isBoolean()) {
        throw mustBe(name + "." + e.getKey(), "a number or boolean", e.getValue());
      }
    }
    return plainMap(node);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> plainMap(JsonNode object) {
    return (Map<String, Object>) Json.treeToValue(object);
  }

  /** One value per completed epoch and metric: numbers, or the strings JSON uses for NaN and infinities. */
  private History history(JsonNode node) throws IOException {
    if (!node.isObject()) throw mustBe("history", "an object of per-epoch value lists", node);
    Map<String, List<Double>> values = new LinkedHashMap<>();
    int longest = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      String where = "history." + e.getKey();
      JsonNode list = e.getValue();
      if (!list.isArray()) throw mustBe(where, "an array of per-epoch values", list);
      if (list.size() > epoch) throw bad("field '" + where + "' holds " + list.size() + " values, more than 'epoch' = " + epoch);
      List<Double> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        JsonNode v = list.get(i);
        if (v.isNumber()) out.add(v.doubleValue());
        else if (v.isTextual() && NON_FINITE.containsKey(v.textValue())) out.add(NON_FINITE.get(v.textValue()));
        else throw mustBe(where + "[" + i + "]", "a number, \"NaN\", \"Infinity\" or \"-Infinity\"", v);
      }
      longest = Math.max(longest, out.size());
      values.put(e.getKey(), out);
    }
    int losses = values.containsKey("loss") ? values.get("loss").size() : 0;
    if (longest != epoch || losses != epoch) {
      throw bad("field 'epoch' is " + epoch + ", but 'history' holds values for " + longest + " epochs and 'history.loss' "
          + losses + " (every completed epoch logs its loss)");
    }
    return History.restored(values, epoch);
  }
}
