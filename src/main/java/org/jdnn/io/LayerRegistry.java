package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Generator;

/**
 * The fixed set of layer types an architecture JSON may name. A layer is {"type": T, ...its
 * settings, "children": {name: layer, ...}} (children only for containers). Loading looks a type up here and
 * nowhere else: no class names from the file, no reflection. Adding a layer type is one
 * {@link #register} call in {@link StandardLayers} (or in user code for custom layers).
 */
public final class LayerRegistry {
  /** Largest layer width a file may declare; a guard against corrupt sizes before anything is allocated. */
  public static final int MAX_FEATURES = 1 << 24;
  static final int MAX_LAYERS = 10_000;

  /** Builds a layer from its settings and its already built children. */
  public interface Factory {
    Layer build(LayerConfig config, List<Layer> children, Generator init);
  }

  /** Parameter and buffer shapes a layer will allocate, checked against the weights file before building it. */
  public interface Shapes {
    Map<String, long[]> of(LayerConfig config);
  }

  static final class Entry {
    final String type;
    final Class<? extends Layer> cls;
    final BiConsumer<Layer, ObjectNode> settings;
    final Shapes shapes;
    final Factory factory;

    Entry(String type, Class<? extends Layer> cls, BiConsumer<Layer, ObjectNode> settings, Shapes shapes, Factory factory) {
      this.type = type;
      this.cls = cls;
      this.settings = settings;
      this.shapes = shapes;
      this.factory = factory;
    }
  }

  private static final Map<String, Entry> BY_TYPE = new ConcurrentHashMap<>();
  private static final Map<Class<?>, Entry> BY_CLASS = new ConcurrentHashMap<>();

  static {
    StandardLayers.registerAll();
  }

  private LayerRegistry() {}

  /**
   * Registers layer class {@code cls} under {@code type}: {@code settings} writes its constructor
   * settings into a JSON object, {@code shapes} predicts its own parameters' shapes from them, and
   * {@code factory} rebuilds it.
   */
  @SuppressWarnings("unchecked")
  public static <M extends Layer> void register(String type, Class<M> cls, BiConsumer<M, ObjectNode> settings,
      Shapes shapes, Factory factory) {
    Entry e = new Entry(type, cls, (m, n) -> settings.accept((M) m, n), shapes, factory);
    if (BY_TYPE.putIfAbsent(type, e) != null) throw new IllegalArgumentException("layer type '" + type + "' is already registered");
    BY_CLASS.put(cls, e);
  }

  /** Parameterless layer with no settings, rebuilt by {@code create}. */
  public static <M extends Layer> void registerSimple(String type, Class<M> cls, java.util.function.Supplier<M> create) {
    register(type, cls, (m, n) -> {}, c -> Map.of(), (c, ch, g) -> create.get());
  }

  /** True when {@code m} and all its descendants have registered types (so its architecture can be saved). */
  public static boolean canDescribe(Layer m) {
    if (!BY_CLASS.containsKey(m.getClass())) return false;
    for (Layer c : m.children().values()) if (!canDescribe(c)) return false;
    return true;
  }

  /** The architecture JSON of {@code m}. */
  public static ObjectNode describe(Layer m) {
    Entry e = BY_CLASS.get(m.getClass());
    if (e == null) {
      throw new IllegalArgumentException("layer class " + m.getClass().getName() + " (" + m.describe()
          + ") has no architecture entry; register one with LayerRegistry.register");
    }
    ObjectNode n = Json.object();
    n.put("type", e.type);
    e.settings.accept(m, n);
    if (!m.children().isEmpty()) {
      ObjectNode ch = n.putObject("children");
      for (Map.Entry<String, Layer> c : m.children().entrySet()) ch.set(c.getKey(), describe(c.getValue()));
    }
    return n;
  }

  /**
   * Rebuilds a module from its architecture JSON. Before each layer is constructed,
   * {@code checkShapes} receives the full names and shapes it will allocate, so a caller can refuse
   * sizes its weights file does not hold.
   */
  public static Layer build(JsonNode spec, BiConsumer<String, long[]> checkShapes) {
    int[] count = {0};
    List<Layer> built = new ArrayList<>();
    try {
      return build(spec, "", checkShapes, new Generator(0), count, built);
    } catch (RuntimeException ex) {
      for (Layer m : built) m.close();
      throw ex;
    }
  }

  private static Layer build(JsonNode spec, String prefix, BiConsumer<String, long[]> checkShapes, Generator init,
      int[] count, List<Layer> built) {
    String at = prefix.isEmpty() ? "the root" : "'" + prefix.substring(0, prefix.length() - 1) + "'";
    if (++count[0] > MAX_LAYERS) throw new IllegalArgumentException("architecture: more than " + MAX_LAYERS + " layers");
    if (spec == null || !spec.isObject()) throw new IllegalArgumentException("architecture: layer at " + at + " must be an object");
    JsonNode type = spec.get("type");
    Entry e = type != null && type.isTextual() ? BY_TYPE.get(type.textValue()) : null;
    if (e == null) {
      throw new IllegalArgumentException("architecture: layer at " + at + " has unknown type " + type + "; known: "
          + new java.util.TreeSet<>(BY_TYPE.keySet()));
    }
    LayerConfig config = new LayerConfig(spec, e.type + " at " + at);
    JsonNode ch = spec.get("children");
    List<Layer> children = new ArrayList<>();
    List<String> childNames = new ArrayList<>();
    if (ch != null) {
      if (!ch.isObject()) throw new IllegalArgumentException("architecture: " + config.where() + ": children must be an object");
      for (Map.Entry<String, JsonNode> c : (Iterable<Map.Entry<String, JsonNode>>) ch::fields) {
        childNames.add(c.getKey());
        children.add(build(c.getValue(), prefix + c.getKey() + ".", checkShapes, init, count, built));
      }
    }
    for (Map.Entry<String, long[]> s : e.shapes.of(config).entrySet()) checkShapes.accept(prefix + s.getKey(), s.getValue());
    Layer m;
    try {
      m = e.factory.build(config, Collections.unmodifiableList(children), init);
    } catch (IllegalArgumentException ex) {
      String msg = String.valueOf(ex.getMessage());
      throw msg.startsWith("architecture: ") ? ex : new IllegalArgumentException("architecture: " + config.where() + ": " + msg, ex);
    }
    built.add(m);
    // the container names its children itself; they must be the names the weights are stored under
    if (!new ArrayList<>(m.children().keySet()).equals(childNames)) {
      throw new IllegalArgumentException("architecture: " + config.where() + ": children named " + childNames
          + " but the layer names them " + m.children().keySet());
    }
    return m;
  }

  static Map<String, long[]> shapes(Object... nameShape) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (int i = 0; i < nameShape.length; i += 2) out.put((String) nameShape[i], (long[]) nameShape[i + 1]);
    return out;
  }
}
