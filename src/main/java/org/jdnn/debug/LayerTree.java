package org.jdnn.debug;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.nn.Layer;

/** The layers of a model by dotted name, as namedParameters names their parameters. */
final class LayerTree {
  private LayerTree() {}

  /**
   * Every descendant of {@code model}, parents before children, each instance once (a layer
   * registered twice keeps its first name); {@code model} itself, named "", only when it has no
   * children, so a one-layer model still has an entry.
   */
  static Map<String, Layer> descendants(Layer model) {
    Map<String, Layer> out = new LinkedHashMap<>();
    if (model.children().isEmpty()) {
      out.put("", model);
      return out;
    }
    walk("", model, out, new IdentityHashMap<>());
    return out;
  }

  private static void walk(String prefix, Layer layer, Map<String, Layer> out, Map<Layer, Boolean> seen) {
    for (Map.Entry<String, Layer> c : layer.children().entrySet()) {
      if (seen.put(c.getValue(), Boolean.TRUE) != null) continue;
      String name = prefix + c.getKey();
      out.put(name, c.getValue());
      walk(name + ".", c.getValue(), out, seen);
    }
  }
}
