package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.jdnn.nn.ActivityL1;
import org.jdnn.nn.AdaptiveAvgPool1d;
import org.jdnn.nn.AdaptiveAvgPool2d;
import org.jdnn.nn.Add;
import org.jdnn.nn.AddInputs;
import org.jdnn.nn.AvgPool1d;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.ConcatInputs;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Embedding;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.GELU;
import org.jdnn.nn.GlobalAvgPool2d;
import org.jdnn.nn.Graph;
import org.jdnn.nn.GroupNorm;
import org.jdnn.nn.Identity;
import org.jdnn.nn.Layer;
import org.jdnn.nn.LayerNorm;
import org.jdnn.nn.LayerType;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.MaxPool1d;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.MultiheadAttention;
import org.jdnn.nn.PReLU;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.SettingsReader;
import org.jdnn.nn.SiLU;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.nn.TransformerEncoder;
import org.jdnn.nn.TransformerEncoderLayer;
import org.jdnn.tensor.Generator;

/**
 * The layer types an architecture JSON may name: a list of {@link LayerType}s, each declared by its layer
 * class beside its constructor. A layer is {"type": T, ...its settings, "children": {name: layer, ...}}
 * (children only for containers). Loading looks a type up here and nowhere else: no class names from the
 * file, no reflection. A new jdnn layer adds its {@code TYPE} to {@link #STANDARD}; a user's own layer
 * declares one the same way and calls {@link #register}.
 */
public final class LayerRegistry {
  /** Largest layer width a file may declare; a guard against corrupt sizes before anything is allocated. */
  public static final int MAX_FEATURES = SettingsReader.MAX_FEATURES;
  static final int MAX_LAYERS = 10_000;

  /** jdnn's own layer types. */
  private static final List<LayerType<?>> STANDARD = List.of(
      Sequential.TYPE, Residual.TYPE, Add.TYPE, Concat.TYPE, ActivityL1.TYPE, Graph.TYPE, AddInputs.TYPE, ConcatInputs.TYPE,
      Linear.TYPE, Conv1d.TYPE, Conv2d.TYPE, MaxPool2d.TYPE, AvgPool2d.TYPE, GlobalAvgPool2d.TYPE,
      BatchNorm1d.TYPE, BatchNorm2d.TYPE, Dropout.TYPE, Dropout2d.TYPE, Reshape.TYPE, Flatten.TYPE, Identity.TYPE,
      ReLU.TYPE, Sigmoid.TYPE, Tanh.TYPE, LeakyReLU.TYPE, ELU.TYPE, Softplus.TYPE, Step.TYPE,
      Softmax.TYPE, LogSoftmax.TYPE,
      LayerNorm.TYPE, GroupNorm.TYPE, SiLU.TYPE, PReLU.TYPE, MaxPool1d.TYPE, AvgPool1d.TYPE, AdaptiveAvgPool1d.TYPE,
      AdaptiveAvgPool2d.TYPE, GELU.TYPE, Embedding.TYPE, MultiheadAttention.TYPE, TransformerEncoderLayer.TYPE,
      TransformerEncoder.TYPE);

  /** Every known type: the standard ones, then those registered at run time. */
  private static final List<LayerType<?>> TYPES = new CopyOnWriteArrayList<>();

  static {
    for (LayerType<?> t : STANDARD) register(t);
  }

  private LayerRegistry() {}

  /**
   * Adds a layer type (a user's own layer) so that models holding it can be saved and loaded.
   *
   * @param type the type
   * @throws IllegalArgumentException when its name or class is already registered
   */
  public static synchronized void register(LayerType<?> type) {
    for (LayerType<?> t : TYPES) {
      if (t.name().equals(type.name()) || t.layerClass() == type.layerClass()) {
        throw new IllegalArgumentException("layer type " + type + " clashes with the registered " + t
            + ": type names and classes must be unique");
      }
    }
    TYPES.add(type);
  }

  /** @return every registered layer type, jdnn's own first */
  public static List<LayerType<?>> types() {
    return Collections.unmodifiableList(TYPES);
  }

  /**
   * @param cls a layer class
   * @return its registered type, or null
   */
  public static LayerType<?> typeOf(Class<? extends Layer> cls) {
    for (LayerType<?> t : TYPES) if (t.layerClass() == cls) return t;
    return null;
  }

  private static LayerType<?> named(String name) {
    for (LayerType<?> t : TYPES) if (t.name().equals(name)) return t;
    return null;
  }

  /**
   * Whether a model's architecture can be saved.
   *
   * @param m the model
   * @return true when {@code m} and all its descendants have registered types
   */
  public static boolean canDescribe(Layer m) {
    if (typeOf(m.getClass()) == null) return false;
    for (Layer c : m.children().values()) if (!canDescribe(c)) return false;
    return true;
  }

  /**
   * The architecture JSON of {@code m}: its type, settings and children, recursively.
   *
   * @param m the model
   * @return a new JSON object
   * @throws IllegalArgumentException when a layer in the tree has no registered type
   */
  public static ObjectNode describe(Layer m) {
    LayerType<?> t = typeOf(m.getClass());
    if (t == null) {
      throw new IllegalArgumentException("layer class " + m.getClass().getName() + " (" + m.describe()
          + ") has no layer type; declare a LayerType for it and add it with LayerRegistry.register");
    }
    ObjectNode n = Json.object();
    n.put("type", t.name());
    t.write(m, new LayerConfig(n, t.name()));
    if (!m.children().isEmpty()) {
      ObjectNode ch = n.putObject("children");
      for (Map.Entry<String, Layer> c : m.children().entrySet()) ch.set(c.getKey(), describe(c.getValue()));
    }
    return n;
  }

  /**
   * Rebuilds a model from its architecture JSON. Before each layer is constructed,
   * {@code checkShapes} receives the full names and shapes it will allocate, so a caller can refuse
   * sizes its weights file does not hold.
   *
   * @param spec the architecture, as {@link #describe} writes it
   * @param checkShapes receives each parameter's and buffer's dotted name and shape before the
   *     layer that owns it is built; it throws IllegalArgumentException to refuse
   * @return the new model, on the thread's default device, initialized from a fixed seed (weights
   *     are meant to be loaded next); the caller owns it
   * @throws IllegalArgumentException when the JSON names an unknown type, has bad settings or more
   *     than 10,000 layers, or {@code checkShapes} refuses a shape; layers built so far are closed
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
    JsonNode typeName = spec.get("type");
    LayerType<?> type = typeName != null && typeName.isTextual() ? named(typeName.textValue()) : null;
    if (type == null) {
      TreeSet<String> known = new TreeSet<>();
      for (LayerType<?> t : TYPES) known.add(t.name());
      throw new IllegalArgumentException("architecture: layer at " + at + " has unknown type " + typeName + "; known: " + known);
    }
    LayerConfig config = new LayerConfig(spec, type.name() + " at " + at);
    LayerType.Plan plan = type.read(config);
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
    for (Map.Entry<String, long[]> s : plan.shapes().entrySet()) checkShapes.accept(prefix + s.getKey(), s.getValue());
    Layer m;
    try {
      m = plan.build(Collections.unmodifiableList(children), init);
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
}
