package org.jdnn.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdnn.tensor.Generator;

/**
 * A layer type as model files name it: the saved type name, the layer class, how a layer writes its
 * constructor settings, and how settings read back from a file become the layer again. Each layer class
 * declares its own as {@code public static final LayerType<X> TYPE} beside its constructor, and
 * {@link org.jdnn.io.LayerRegistry} lists them.
 *
 * <p>Reading is two steps so that a loader can refuse a file before anything is allocated: {@link
 * Reader#read} validates the settings and returns a {@link Plan} holding the shapes of every parameter
 * and buffer the layer will allocate (computed by the same function its constructor allocates with), and
 * only then does {@link Plan#build} construct the layer.
 *
 * <pre>{@code
 * public static final LayerType<Scale> TYPE = LayerType.of("Scale", Scale.class,
 *     (layer, out) -> out.put("features", layer.features),
 *     in -> {
 *       int n = in.positiveInt("features", SettingsReader.MAX_FEATURES);
 *       return LayerType.plan(Scale.shapes(n), (children, init) -> new Scale(n));
 *     });
 * }</pre>
 *
 * @param <L> the layer class
 */
public final class LayerType<L extends Layer> {
  /** Writes a layer's constructor settings (everything its reader needs besides the children). */
  @FunctionalInterface
  public interface Writer<L extends Layer> {
    /**
     * @param layer the layer to describe
     * @param out where its settings go
     */
    void write(L layer, SettingsWriter out);
  }

  /** Validates a layer's saved settings and plans its construction. */
  @FunctionalInterface
  public interface Reader {
    /**
     * @param in the layer's settings as read from a file
     * @return the tensors the layer will allocate and how to build it
     * @throws IllegalArgumentException when a setting is missing or out of range (the reader's accessors say which)
     */
    Plan read(SettingsReader in);
  }

  /** Constructs a layer from its already built children. */
  @FunctionalInterface
  public interface Builder {
    /**
     * @param children the layer's children in saved order (empty for a layer without any)
     * @param init the generator that draws initial values (the loaded weights replace them)
     * @return the new layer, which takes ownership of the children
     */
    Layer build(List<Layer> children, Generator init);
  }

  /** What a reader found: the parameter and buffer shapes the layer will allocate, and how to build it. */
  public static final class Plan {
    private final Map<String, long[]> shapes;
    private final Builder builder;

    private Plan(Map<String, long[]> shapes, Builder builder) {
      this.shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
      this.builder = builder;
    }

    /**
     * @return the layer's own parameters and buffers (not its children's) by name, in registration order
     */
    public Map<String, long[]> shapes() {
      return shapes;
    }

    /**
     * @param children the layer's children in saved order
     * @param init the generator for initial values
     * @return the layer
     */
    public Layer build(List<Layer> children, Generator init) {
      return builder.build(children, init);
    }
  }

  private final String name;
  private final Class<L> layerClass;
  private final Writer<? super L> writer;
  private final Reader reader;

  private LayerType(String name, Class<L> layerClass, Writer<? super L> writer, Reader reader) {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("LayerType: the type name must not be empty");
    if (layerClass == null || writer == null || reader == null) {
      throw new IllegalArgumentException("LayerType '" + name + "': class, writer and reader must not be null");
    }
    this.name = name;
    this.layerClass = layerClass;
    this.writer = writer;
    this.reader = reader;
  }

  /**
   * A layer type with settings.
   *
   * @param <L> the layer class
   * @param name the type name written to model files (never change it: saved files name it)
   * @param layerClass the exact class of the layers this type saves
   * @param writer writes a layer's settings
   * @param reader reads them back into a plan
   * @return the type
   */
  public static <L extends Layer> LayerType<L> of(String name, Class<L> layerClass, Writer<? super L> writer,
      Reader reader) {
    return new LayerType<>(name, layerClass, writer, reader);
  }

  /**
   * A container type: no settings or tensors of its own, rebuilt from its children.
   *
   * @param <L> the layer class
   * @param name the saved type name
   * @param layerClass the exact class of its layers
   * @param builder builds a layer from its children
   * @return the type
   */
  public static <L extends Layer> LayerType<L> container(String name, Class<L> layerClass, Builder builder) {
    return new LayerType<>(name, layerClass, (layer, out) -> {}, in -> plan(builder));
  }

  /**
   * A layer type without settings, children or tensors.
   *
   * @param <L> the layer class
   * @param name the saved type name
   * @param layerClass the exact class of its layers
   * @param create makes one
   * @return the type
   */
  public static <L extends Layer> LayerType<L> simple(String name, Class<L> layerClass, Supplier<L> create) {
    return container(name, layerClass, (children, init) -> create.get());
  }

  /**
   * @param shapes the parameters and buffers the layer will allocate, by name
   * @param builder builds it
   * @return a plan
   */
  public static Plan plan(Map<String, long[]> shapes, Builder builder) {
    return new Plan(shapes, builder);
  }

  /**
   * @param builder builds a layer that allocates no tensors of its own
   * @return a plan
   */
  public static Plan plan(Builder builder) {
    return new Plan(Map.of(), builder);
  }

  /** @return the type name model files use */
  public String name() {
    return name;
  }

  /** @return the exact class of this type's layers */
  public Class<L> layerClass() {
    return layerClass;
  }

  /**
   * Writes {@code layer}'s settings.
   *
   * @param layer a layer of exactly this type's class
   * @param out where the settings go
   * @throws IllegalArgumentException when the layer is of another class
   */
  public void write(Layer layer, SettingsWriter out) {
    if (layer.getClass() != layerClass) {
      throw new IllegalArgumentException("LayerType '" + name + "' saves " + layerClass.getName() + ", not "
          + layer.getClass().getName());
    }
    writer.write(layerClass.cast(layer), out);
  }

  /**
   * Reads saved settings into a plan.
   *
   * @param in the settings
   * @return the plan
   */
  public Plan read(SettingsReader in) {
    return reader.read(in);
  }

  @Override
  public String toString() {
    return "LayerType(" + name + ", " + layerClass.getName() + ")";
  }
}
