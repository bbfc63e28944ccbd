package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jdnn.data.CategoryEncoding;
import org.jdnn.data.FeatureEncoding;
import org.jdnn.data.UnknownCategory;

/**
 * The model file's "jdnn.feature_encoding" entry: a CSV {@link FeatureEncoding} as JSON,
 * {@code {"columns": [{"name": "age", "type": "numeric"}, {"name": "color", "type": "one_hot",
 * "categories": ["blue", "red"], "unknown": "error"}]}}, columns in feature order and categories
 * in index order. Reading validates every field and bounds the sizes, naming the key.
 */
final class FeatureEncodingJson {
  static final String KEY = "jdnn.feature_encoding";
  private static final int MAX_COLUMNS = 1 << 20;
  private static final int MAX_CATEGORIES = 1 << 24;

  private FeatureEncodingJson() {}

  static ObjectNode toJson(FeatureEncoding e) {
    ObjectNode o = Json.object();
    ArrayNode cols = o.putArray("columns");
    for (FeatureEncoding.Column c : e.columns()) {
      ObjectNode col = cols.addObject();
      col.put("name", c.name());
      if (!c.isCategorical()) {
        col.put("type", "numeric");
        continue;
      }
      col.put("type", c.encoding().name().toLowerCase(Locale.ROOT));
      ArrayNode cats = col.putArray("categories");
      for (String k : c.categories()) cats.add(k);
      col.put("unknown", c.unknown().name().toLowerCase(Locale.ROOT));
    }
    return o;
  }

  /**
   * Rebuilds an encoding.
   *
   * @throws IllegalArgumentException naming the key and the entry that is wrong
   */
  static FeatureEncoding fromJson(JsonNode o) {
    JsonNode cols = o.path("columns");
    if (!o.isObject() || !cols.isArray() || cols.size() == 0 || cols.size() > MAX_COLUMNS) {
      throw new IllegalArgumentException(KEY + " must be {\"columns\": [...]} with 1 to " + MAX_COLUMNS + " columns");
    }
    List<FeatureEncoding.Column> out = new ArrayList<>();
    long categories = 0;
    for (int i = 0; i < cols.size(); i++) {
      JsonNode c = cols.get(i);
      String where = KEY + ": column " + i;
      if (!c.path("name").isTextual() || !c.path("type").isTextual()) {
        throw new IllegalArgumentException(where + " needs a string \"name\" and \"type\", got " + c);
      }
      String name = c.get("name").textValue();
      String type = c.get("type").textValue();
      if (type.equals("numeric")) {
        out.add(FeatureEncoding.Column.numeric(name));
        continue;
      }
      CategoryEncoding encoding = type.equals("one_hot") ? CategoryEncoding.ONE_HOT : type.equals("index") ? CategoryEncoding.INDEX : null;
      if (encoding == null) throw new IllegalArgumentException(where + ": type must be numeric, one_hot or index, got '" + type + "'");
      String unknown = c.path("unknown").asText("");
      UnknownCategory policy = unknown.equals("error") ? UnknownCategory.ERROR : unknown.equals("bucket") ? UnknownCategory.BUCKET : null;
      if (policy == null) throw new IllegalArgumentException(where + ": unknown must be error or bucket, got " + c.path("unknown"));
      JsonNode cats = c.path("categories");
      if (!cats.isArray()) throw new IllegalArgumentException(where + ": categories must be an array of strings");
      categories += cats.size();
      if (categories > MAX_CATEGORIES) throw new IllegalArgumentException(KEY + ": more than " + MAX_CATEGORIES + " categories");
      List<String> names = new ArrayList<>(cats.size());
      for (int k = 0; k < cats.size(); k++) {
        if (!cats.get(k).isTextual()) throw new IllegalArgumentException(where + ": category " + k + " is not a string: " + cats.get(k));
        names.add(cats.get(k).textValue());
      }
      out.add(FeatureEncoding.Column.categorical(name, names, encoding, policy));
    }
    return new FeatureEncoding(out);
  }
}
