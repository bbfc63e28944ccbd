package org.jdnn.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper jdnn's files use. Jackson's tree model only: nothing in a file selects a
 * Java type (no polymorphic typing, no bean binding), so reading a file never runs its code. The
 * parser is strict: duplicate keys, trailing tokens and deep nesting are errors, so a corrupt header
 * fails loudly instead of being half-read.
 */
public final class Json {
  private static final ObjectMapper MAPPER = create();

  private Json() {}

  private static ObjectMapper create() {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
        .build();
    ObjectMapper m = new ObjectMapper(factory);
    m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    return m;
  }

  /**
   * An empty JSON object to fill.
   *
   * @return a new, mutable object node
   */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * Parses {@code text} strictly.
   *
   * @param text one JSON value
   * @param what names the text in errors, e.g. the metadata key it came from
   * @return the value's tree
   * @throws IllegalArgumentException when the text is empty or not valid JSON (including duplicate
   *     keys, trailing tokens, nesting deeper than 64 and numbers longer than 64 characters),
   *     naming {@code what}
   */
  public static JsonNode parse(String text, String what) {
    try {
      JsonNode n = MAPPER.readTree(text);
      if (n == null) throw new IllegalArgumentException(what + ": empty JSON");
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + ": invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The compact JSON text of a tree.
   *
   * @param node the tree
   * @return its JSON text, without whitespace
   * @throws IllegalStateException when Jackson cannot serialize it (not expected for trees)
   */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON serialization failed", e);
    }
  }

  /**
   * A plain Java value as a tree.
   *
   * @param value numbers, booleans, strings, null, and lists and maps of them
   * @return a new tree
   * @throws IllegalArgumentException when the value holds something Jackson cannot map
   */
  public static JsonNode valueToTree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /**
   * A tree as plain Java values.
   *
   * @param node the tree
   * @return LinkedHashMap, ArrayList, Integer/Long/BigInteger, Double, Boolean, String or null, nested
   * @throws IllegalArgumentException when the tree cannot be converted
   */
  public static Object treeToValue(JsonNode node) {

    try {
      return MAPPER.treeToValue(node, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("JSON value cannot be converted: " + e.getOriginalMessage(), e);
    }
  }
}
