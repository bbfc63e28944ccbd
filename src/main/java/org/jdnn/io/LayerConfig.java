package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.jdnn.nn.SettingsReader;
import org.jdnn.nn.SettingsWriter;

/**
 * One layer's JSON object in an architecture description: read back with typed, validated accessors
 * ({@link SettingsReader}), or written when a layer is saved ({@link SettingsWriter}).
 */
public final class LayerConfig implements SettingsReader, SettingsWriter {
  private final JsonNode node;
  private final String where;

  LayerConfig(JsonNode node, String where) {
    this.node = node;
    this.where = where;
  }

  /** "Linear at '0.inner'": used in every error about this layer. */
  @Override
  public String where() {
    return where;
  }

  private JsonNode field(String key) {
    JsonNode v = node.get(key);
    if (v == null) throw new IllegalArgumentException("architecture: " + where + " lacks field '" + key + "'");
    return v;
  }

  @Override
  public int intIn(String key, int min, int max) {
    return checkedInt(field(key), "'" + key + "'", min, max);
  }

  @Override
  public int intOr(String key, int min, int max, int absent) {
    JsonNode v = node.get(key);
    return v == null ? absent : checkedInt(v, "'" + key + "'", min, max);
  }

  @Override
  public int[] intPair(String key, int min, int max) {
    JsonNode v = field(key);
    if (!v.isArray() || v.size() != 2) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an array of 2 integers, got " + v);
    }
    return new int[] {checkedInt(v.get(0), "'" + key + "' entry 0", min, max), checkedInt(v.get(1), "'" + key + "' entry 1", min, max)};
  }

  @Override
  public boolean isText(String key, String text) {
    JsonNode v = node.get(key);
    return v != null && v.isTextual() && v.textValue().equals(text);
  }

  @Override
  public String textOr(String key, String absent, String... allowed) {
    JsonNode v = node.get(key);
    if (v == null) return absent;
    if (v.isTextual()) for (String a : allowed) if (a.equals(v.textValue())) return a;
    throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be one of " + Arrays.toString(allowed)
        + ", got " + v);
  }

  private int checkedInt(JsonNode v, String what, int min, int max) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
      throw new IllegalArgumentException("architecture: " + where + ": " + what + " must be an integer in [" + min + ", " + max
          + "], got " + v);
    }
    return v.intValue();
  }

  @Override
  public double finite(String key) {
    return finite(key, field(key));
  }

  @Override
  public double finiteOr(String key, double absent) {
    JsonNode v = node.get(key);
    return v == null ? absent : finite(key, v);
  }

  private double finite(String key, JsonNode v) {
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be a finite number, got " + v);
    }
    return v.doubleValue();
  }

  @Override
  public boolean bool(String key) {
    JsonNode v = field(key);
    if (!v.isBoolean()) throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be true or false, got " + v);
    return v.booleanValue();
  }

  @Override
  public boolean boolOr(String key, boolean absent) {
    return node.get(key) == null ? absent : bool(key);
  }

  @Override
  public long[] shape(String key) {
    JsonNode v = field(key);
    if (!v.isArray() || v.size() > MAX_RANK) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an array of at most " + MAX_RANK
          + " sizes, got " + v);
    }
    long[] out = new long[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode d = v.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || (d.longValue() < 1 && d.longValue() != -1)) {
        throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' entry " + i + " must be -1 or positive, got " + d);
      }
      out[i] = d.longValue();
    }
    return out;
  }

  @Override
  public String[] texts(String key, int maxLength) {
    return texts(field(key), "'" + key + "'", 0, maxLength);
  }

  @Override
  public String[][] textRows(String key, int maxRows, int maxRowLength) {
    JsonNode v = field(key);
    if (!v.isArray() || v.size() > maxRows) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an array of at most " + maxRows
          + " arrays of names, got " + v);
    }
    String[][] out = new String[v.size()][];
    for (int i = 0; i < out.length; i++) out[i] = texts(v.get(i), "'" + key + "' entry " + i, 1, maxRowLength);
    return out;
  }

  private String[] texts(JsonNode v, String what, int minLength, int maxLength) {
    if (!v.isArray() || v.size() < minLength || v.size() > maxLength) {
      throw new IllegalArgumentException("architecture: " + where + ": " + what + " must be an array of " + minLength + " to "
          + maxLength + " names, got " + v);
    }
    String[] out = new String[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode t = v.get(i);
      if (!t.isTextual() || t.textValue().isEmpty()) {
        throw new IllegalArgumentException("architecture: " + where + ": " + what + " entry " + i
            + " must be a non-empty string, got " + t);
      }
      out[i] = t.textValue();
    }
    return out;
  }

  // ---- writing (the node is the ObjectNode the registry is filling) ----

  private ObjectNode object() {
    return (ObjectNode) node;
  }

  // one line each: they differ only in the value's type, which picks the JSON type written
  @Override public SettingsWriter put(String key, int value) { object().put(key, value); return this; }

  @Override public SettingsWriter put(String key, double value) { object().put(key, value); return this; }

  @Override public SettingsWriter put(String key, boolean value) { object().put(key, value); return this; }

  @Override public SettingsWriter put(String key, String value) { object().put(key, value); return this; }

  @Override
  public SettingsWriter putArray(String key, int[] values) {
    ArrayNode a = object().putArray(key);
    for (int v : values) a.add(v);
    return this;
  }

  @Override
  public SettingsWriter putArray(String key, long[] values) {
    ArrayNode a = object().putArray(key);
    for (long v : values) a.add(v);
    return this;
  }

  @Override
  public SettingsWriter putArray(String key, String[] values) {
    ArrayNode a = object().putArray(key);
    for (String v : values) a.add(v);
    return this;
  }

  @Override
  public SettingsWriter putArray(String key, String[][] rows) {
    ArrayNode a = object().putArray(key);
    for (String[] row : rows) {
      ArrayNode r = a.addArray();
      for (String v : row) r.add(v);
    }
    return this;
  }
}
