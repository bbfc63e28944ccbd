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
    JsonNode v = field(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0 || v.intValue() > max) {
      throw new IllegalArgumentException("architecture: " + where + ": '" + key + "' must be an integer in [1, " + max
          + "], got " + v);
    }
    return v.intValue();
  }

  public double finite(String key) {
    JsonNode v = field(key);
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
