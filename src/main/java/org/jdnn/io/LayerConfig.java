package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;

/** One layer's JSON object from an architecture description, with typed, validated accessors. */
public final class LayerConfig {
  private final JsonNode node;
  private final String where;

  LayerConfig(JsonNode node, String where) {
    this.node = node;
    this.where = where;
  }

  /** "Linear at '0.inner'": used in every error about this layer. */
  public String where() {
    return where;
  }

  private JsonNode field(String key) {
    JsonNode v = node.get(key);
    if (v == null) throw new IllegalArgumentException("architecture: " + where + " lacks field '" + key + "'");
    return v;
  }

  /** A positive int no larger than {@code max} (bounds keep a corrupt file from asking for huge layers). */
  public int positiveInt(String key, int max) {
    return intIn(key, 1, max);
  }

  /** An integer in [{@code min}, {@code max}]. */
  public int intIn(String key, int min, int max) {
    return checkedInt(field(key), "'" + key + "'", min, max);
  }

  /** An array of exactly two integers in [{@code min}, {@code max}] (a {height, width} setting). */
  public int[] intPair(String key, int min, int max) {
    JsonNode v = field(key);
    if (!v.isArray() || v.size() != 2) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an array of 2 integers, got " + v);
    }
    return new int[] {checkedInt(v.get(0), "'" + key + "' entry 0", min, max), checkedInt(v.get(1), "'" + key + "' entry 1", min, max)};
  }

  /** True when the field is present and is exactly the string {@code text}. */
  public boolean isText(String key, String text) {
    JsonNode v = node.get(key);
    return v != null && v.isTextual() && v.textValue().equals(text);
  }

  private int checkedInt(JsonNode v, String what, int min, int max) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
      throw new IllegalArgumentException("architecture: " + where + ": " + what + " must be an integer in [" + min + ", " + max
          + "], got " + v);
    }
    return v.intValue();
  }

  public double finite(String key) {
    return finite(key, field(key));
  }

  /** A finite number, or {@code absent} when the field is missing (a setting older files do not hold). */
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

  public boolean bool(String key) {
    JsonNode v = field(key);
    if (!v.isBoolean()) throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be true or false, got " + v);
    return v.booleanValue();
  }

  /** An array of at most 8 integers, each -1 or positive (a reshape target). */
  public long[] shape(String key) {
    JsonNode v = field(key);
    if (!v.isArray() || v.size() > 8) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an array of at most 8 sizes, got " + v);
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
}
