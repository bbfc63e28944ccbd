package org.jdnn.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Defines a {@link Graph}: named inputs, then nodes, each a layer applied to inputs or nodes defined
 * before it (so a graph cannot have a cycle), then named outputs. Every call checks what it can at
 * once and names the node; {@link #build()} checks the whole (every input used, every node feeding
 * an output).
 *
 * <p><b>Ownership.</b> The builder owns each layer it accepts, and the graph owns them after
 * {@link #build()}. A call that throws closes the layer it was given (unless the builder already
 * held it) and every layer the builder held, and the builder cannot be used again: a failed
 * definition leaves no parameters behind.
 */
public final class GraphBuilder {
  private static final int MAX_NAME = 100;

  private final List<String> inputs = new ArrayList<>();
  private final List<String> nodes = new ArrayList<>();
  private final List<Layer> layers = new ArrayList<>();
  private final List<List<String>> sources = new ArrayList<>();
  private final Map<String, String> outputs = new LinkedHashMap<>();
  private final Map<Layer, String> owner = new IdentityHashMap<>();
  private boolean spent;

  GraphBuilder() {}

  /**
   * Declares an input, fed under {@code name} in {@link Graph#forward(Map)}.
   *
   * @param name letters, digits, '_' and '-'; not yet the name of an input or node
   * @return this builder
   * @throws IllegalArgumentException when the name is invalid or taken
   */
  public GraphBuilder input(String name) {
    usable();
    try {
      checkNewName("Graph.input", name);
      if (!nodes.isEmpty()) {
        throw new IllegalArgumentException("Graph.input '" + name + "': declare the inputs before the nodes (node '"
            + nodes.get(0) + "' is already defined)");
      }
      inputs.add(name);
      return this;
    } catch (RuntimeException e) {
      throw discard(e, null);
    }
  }

  /**
   * Adds a node: {@code layer} applied to the tensors of {@code sources}. A plain layer takes one
   * source; a {@link Merge} takes one or more, in the order given. The node's name is also its
   * layer's name in parameter names ("head.weight").
   *
   * @param name letters, digits, '_' and '-'; not yet the name of an input or node
   * @param layer the node's layer, not used by another node; the builder owns it from now on
   * @param sources inputs or nodes defined before this one (a source may repeat for a merge)
   * @return this builder
   * @throws IllegalArgumentException when the name is invalid or taken, the layer is null or already
   *     a node's, a source is unknown, or a plain layer gets other than one source
   */
  public GraphBuilder node(String name, Layer layer, String... sources) {
    usable();
    try {
      String who = "Graph.node '" + name + "'";
      if (layer == null) throw new IllegalArgumentException(who + ": the layer is null");
      if (owner.containsKey(layer)) {
        throw new IllegalArgumentException(who + ": " + layer.describe() + " is already the layer of node '" + owner.get(layer)
            + "'; give each node its own layer (nodes sharing weights are not supported)");
      }
      checkNewName("Graph.node", name);
      if (sources == null || sources.length == 0) {
        throw new IllegalArgumentException(who + ": no sources; name the inputs or nodes it reads");
      }
      for (String s : sources) {
        if (!inputs.contains(s) && !nodes.contains(s)) {
          List<String> known = new ArrayList<>(inputs);
          known.addAll(nodes);
          throw new IllegalArgumentException(who + ": unknown source '" + s + "'; known so far: " + known
              + " (a node reads only inputs and nodes defined before it, so a graph has no cycles)");
        }
      }
      if (!(layer instanceof Merge) && sources.length != 1) {
        throw new IllegalArgumentException(who + ": " + layer.describe() + " takes one tensor, got " + sources.length
            + " sources " + Arrays.toString(sources) + "; combine them with add(...), concat(...) or a Merge layer");
      }
      owner.put(layer, name);
      nodes.add(name);
      layers.add(layer);
      this.sources.add(List.of(sources));
      return this;
    } catch (RuntimeException e) {
      throw discard(e, layer);
    }
  }

  /**
   * Adds a node that sums its sources element-wise ({@link AddInputs}); their shapes must agree.
   *
   * @param name the node's name, as for {@link #node}
   * @param sources the inputs or nodes to add
   * @return this builder
   * @throws IllegalArgumentException as {@link #node}
   */
  public GraphBuilder add(String name, String... sources) {
    return node(name, new AddInputs(), sources);
  }

  /**
   * Adds a node that concatenates its sources along {@code dim} ({@link ConcatInputs}).
   *
   * @param name the node's name, as for {@link #node}
   * @param dim the dimension to join along (1 = features or channels; negative counts from the end)
   * @param sources the inputs or nodes to join, in order
   * @return this builder
   * @throws IllegalArgumentException as {@link #node}
   */
  public GraphBuilder concat(String name, int dim, String... sources) {
    return node(name, new ConcatInputs(dim), sources);
  }

  /**
   * Makes node {@code node} an output under its own name.
   *
   * @param node a node defined before
   * @return this builder
   * @throws IllegalArgumentException as {@link #output(String, String)}
   */
  public GraphBuilder output(String node) {
    return output(node, node);
  }

  /**
   * Makes node {@code node} an output, returned under {@code name} by {@link Graph#forward(Map)}.
   *
   * @param name letters, digits, '_' and '-'; not yet an output's name (it may equal a node's)
   * @param node a node defined before (not an input)
   * @return this builder
   * @throws IllegalArgumentException when the name is invalid or taken, or {@code node} is not a node
   */
  public GraphBuilder output(String name, String node) {
    usable();
    try {
      checkSyntax("Graph.output", name);
      if (outputs.containsKey(name)) throw new IllegalArgumentException("Graph.output: '" + name + "' is already an output");
      if (!nodes.contains(node)) {
        String why = inputs.contains(node) ? "it is an input; an output is a node (add an Identity node to pass an input through)"
            : "there is no such node; nodes: " + nodes;
        throw new IllegalArgumentException("Graph.output '" + name + "': cannot output '" + node + "': " + why);
      }
      outputs.put(name, node);
      return this;
    } catch (RuntimeException e) {
      throw discard(e, null);
    }
  }

  /**
   * The graph, which owns the layers from now on; the builder cannot be used again.
   *
   * @return a new graph in training mode
   * @throws IllegalArgumentException when there is no input or output, an input feeds no node, or a
   *     node feeds no output (its parameters would never get a gradient)
   */
  public Graph build() {
    usable();
    try {
      if (inputs.isEmpty()) throw new IllegalArgumentException("Graph.build: no inputs; declare them with input(name)");
      if (outputs.isEmpty()) throw new IllegalArgumentException("Graph.build: no outputs; name them with output(node)");
      Set<String> read = new HashSet<>();
      for (List<String> s : sources) read.addAll(s);
      for (String in : inputs) {
        if (!read.contains(in)) {
          throw new IllegalArgumentException("Graph.build: input '" + in + "' feeds no node; remove it or give it to a node");
        }
      }
      Set<String> live = new HashSet<>(outputs.values());
      for (int i = nodes.size() - 1; i >= 0; i--) if (live.contains(nodes.get(i))) live.addAll(sources.get(i));
      for (String n : nodes) {
        if (!live.contains(n)) {
          throw new IllegalArgumentException("Graph.build: node '" + n + "' feeds no output; make it one with output(\"" + n
              + "\") or remove it (its parameters would never get a gradient)");
        }
      }
      spent = true;
      return new Graph(inputs, nodes, layers, sources, outputs);
    } catch (RuntimeException e) {
      throw discard(e, null);
    }
  }

  private void usable() {
    if (spent) {
      throw new IllegalStateException("Graph builder: already built or failed (its layers then belong to the graph or"
          + " were closed); start a new one with Graph.builder()");
    }
  }

  private void checkNewName(String who, String name) {
    checkSyntax(who, name);
    if (inputs.contains(name) || nodes.contains(name)) {
      throw new IllegalArgumentException(who + ": the name '" + name + "' is already used by "
          + (inputs.contains(name) ? "an input" : "a node") + "; inputs and nodes need distinct names");
    }
  }

  private static void checkSyntax(String who, String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME || !name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException(who + ": invalid name " + (name == null ? "null" : "'" + name + "'")
          + "; use 1 to " + MAX_NAME + " letters, digits, '_' or '-'");
    }
  }

  // A failed definition: nothing can own the layers any more, so free them now.
  private RuntimeException discard(RuntimeException e, Layer given) {
    spent = true;
    if (given != null && !owner.containsKey(given)) given.close();
    for (Layer l : layers) l.close();
    return e;
  }
}
