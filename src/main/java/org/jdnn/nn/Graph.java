package org.jdnn.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jdnn.tensor.Tensor;

/**
 * A model defined as a directed acyclic graph of layers with named inputs and outputs: Keras's
 * functional API, or a PyTorch module whose forward takes and returns several tensors. Each node
 * applies a layer to one input or node, or a {@link Merge} (a sum, a concatenation, a merge of
 * one's own) to several. A graph is a Layer: its nodes are its children, named by node, so
 * parameters, modes, {@link #to}, state dicts and model files work as for {@link Sequential}.
 *
 * <pre>{@code
 * Graph g = Graph.builder()
 *     .input("image").input("meta")
 *     .node("features", new Sequential(new Linear(784, 64), new ReLU()), "image")
 *     .concat("joined", 1, "features", "meta")
 *     .node("class", new Linear(64 + 3, 10), "joined")
 *     .node("footwear", new Linear(64 + 3, 1), "joined")
 *     .output("class").output("footwear")
 *     .build();
 * Map<String, Tensor> out = g.forward(Map.of("image", x, "meta", m));   // out.get("class"): (N, 10)
 * }</pre>
 *
 * <p>Nodes run in the order they were defined. Names are checked when the graph is defined (see
 * {@link GraphBuilder}); shapes when data first flows, where an error names the node, its layer and
 * the shapes it got. Intermediate tensors belong to the caller's scope, as a Sequential's do.
 */
public final class Graph extends Layer {
  /**
   * Saved as {"type": "Graph", "inputs": [names], "nodes": [[node, source, ...], ...], "outputs":
   * [[output, node], ...], "children": {node: layer, ...}}.
   */
  public static final LayerType<Graph> TYPE = LayerType.of("Graph", Graph.class, Graph::writeSettings, Graph::readSettings);

  private static final int MAX_ENTRIES = 10_000;

  private final List<String> inputs;
  private final List<String> nodes;
  private final List<List<String>> sources;
  private final Map<String, String> outputs;

  Graph(List<String> inputs, List<String> nodes, List<Layer> layers, List<List<String>> sources, Map<String, String> outputs) {
    this.inputs = List.copyOf(inputs);
    this.nodes = List.copyOf(nodes);
    this.sources = List.copyOf(sources);
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    for (int i = 0; i < nodes.size(); i++) registerModule(nodes.get(i), layers.get(i));
  }

  /**
   * A new, empty definition.
   *
   * @return a builder: declare inputs, add nodes, name outputs, then {@link GraphBuilder#build()}
   */
  public static GraphBuilder builder() {
    return new GraphBuilder();
  }

  /** Computes one node from its sources' tensors (the forward pass, or a summary's walk). */
  @FunctionalInterface
  interface NodeRunner {
    Tensor run(String node, Layer layer, List<Tensor> args);
  }

  /**
   * Runs the graph on named inputs.
   *
   * @param inputs one tensor per input name, exactly the graph's inputs, batch dimension first;
   *     not closed
   * @return a new map from output name to tensor, in the order the outputs were declared; the
   *     tensors belong to the caller's innermost open scope (else to the caller)
   * @throws IllegalArgumentException when an input is missing, unknown or null, or a node cannot
   *     take what it is given (the message names the node, its layer and the shapes)
   */
  public Map<String, Tensor> forward(Map<String, Tensor> inputs) {
    return run(inputs, Graph::apply);
  }

  /**
   * {@inheritDoc}
   *
   * <p>For a graph of one input and one output.
   *
   * @throws IllegalArgumentException when the graph has several inputs or outputs (call
   *     {@link #forward(Map)}), or as {@link #forward(Map)}
   */
  @Override
  public Tensor forward(Tensor input) {
    if (inputs.size() != 1 || outputs.size() != 1) {
      throw new IllegalArgumentException(describe() + ": forward(Tensor) needs a graph of one input and one output; call "
          + "forward(Map) with a tensor for each of " + inputs + " and read the outputs " + outputs.keySet());
    }
    if (input == null) throw new IllegalArgumentException(describe() + ": input '" + inputs.get(0) + "' is null");
    return run(Map.of(inputs.get(0), input), Graph::apply).get(outputs.keySet().iterator().next());
  }

  Map<String, Tensor> run(Map<String, Tensor> given, NodeRunner runner) {
    checkInputs(given);
    Map<String, Tensor> values = new HashMap<>(given);
    Map<String, Layer> layers = children();
    for (int i = 0; i < nodes.size(); i++) {
      List<Tensor> args = new ArrayList<>(sources.get(i).size());
      for (String s : sources.get(i)) args.add(values.get(s));
      values.put(nodes.get(i), runner.run(nodes.get(i), layers.get(nodes.get(i)), args));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : outputs.entrySet()) out.put(e.getKey(), values.get(e.getValue()));
    return out;
  }

  private void checkInputs(Map<String, Tensor> given) {
    if (given == null) throw new IllegalArgumentException(describe() + ": the input map is null; expected tensors for " + inputs);
    TreeSet<String> extra = new TreeSet<>(given.keySet());
    inputs.forEach(extra::remove);
    List<String> missing = new ArrayList<>();
    for (String in : inputs) if (!given.containsKey(in)) missing.add(in);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new IllegalArgumentException(describe() + ": expected tensors for the inputs " + inputs + ", got "
          + new TreeSet<>(given.keySet()) + (missing.isEmpty() ? "" : "; missing " + missing)
          + (extra.isEmpty() ? "" : "; unknown " + extra));
    }
    for (String in : inputs) {
      if (given.get(in) == null) throw new IllegalArgumentException(describe() + ": input '" + in + "' is null");
    }
  }

  // The forward of one node; a layer's complaint about its input is given the node's name.
  private static Tensor apply(String node, Layer layer, List<Tensor> args) {
    try {
      return layer instanceof Merge ? ((Merge) layer).forward(args) : layer.call(args.get(0));
    } catch (IllegalArgumentException e) {
      StringBuilder got = new StringBuilder();
      for (Tensor t : args) got.append(got.length() == 0 ? "" : ", ").append(t == null ? "null" : t.describe());
      throw new IllegalArgumentException("Graph node '" + node + "' (" + layer.describe() + ") given " + got + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The input names.
   *
   * @return an unmodifiable list, in declaration order
   */
  public List<String> inputNames() {
    return inputs;
  }

  /**
   * The output names.
   *
   * @return an unmodifiable list, in declaration order (the order of {@link #forward(Map)}'s map)
   */
  public List<String> outputNames() {
    return List.copyOf(outputs.keySet());
  }

  /**
   * The node names.
   *
   * @return an unmodifiable list, in the order the nodes run
   */
  public List<String> nodeNames() {
    return nodes;
  }

  /**
   * What a node reads.
   *
   * @param node a node's name
   * @return the names of its sources (inputs or nodes), in order
   * @throws IllegalArgumentException when there is no such node
   */
  public List<String> sources(String node) {
    return sources.get(indexOf(node));
  }

  /**
   * The node an output returns.
   *
   * @param output an output's name
   * @return the node's name
   * @throws IllegalArgumentException when there is no such output
   */
  public String outputNode(String output) {
    String n = outputs.get(output);
    if (n == null) throw new IllegalArgumentException(describe() + ": no output '" + output + "'; outputs: " + outputs.keySet());
    return n;
  }

  private int indexOf(String node) {
    int i = nodes.indexOf(node);
    if (i < 0) throw new IllegalArgumentException(describe() + ": no node '" + node + "'; nodes: " + nodes);
    return i;
  }

  /**
   * {@inheritDoc}
   *
   * @param name the node whose layer to replace; a node of several sources needs a {@link Merge}
   */
  @Override
  public Layer replaceChild(String name, Layer module) {
    int i = indexOf(name);
    if (sources.get(i).size() > 1 && !(module instanceof Merge)) {
      throw new IllegalArgumentException(describe() + ": node '" + name + "' reads " + sources.get(i).size()
          + " sources, so its layer must be a Merge, got " + (module == null ? "null" : module.describe()));
    }
    return replaceModule(name, module);
  }

  /** The forward FLOPs of one sample, for a graph of one input (see {@link Summary}). */
  @Override
  public long flops(long[] in, long[] out) {
    return Summary.flopsOf(this, in);
  }

  /**
   * Prints and returns the table of this graph's nodes for inputs of the given per-sample shapes.
   *
   * @param inputShapes one sample's shape (no batch dimension) for each input name
   * @return the table, also printed to System.out
   * @throws IllegalArgumentException when a shape is missing or does not fit the graph
   */
  public Summary summary(Map<String, long[]> inputShapes) {
    Summary s = Summary.of(this, inputShapes);
    System.out.println(s);
    return s;
  }

  @Override
  public String describe() {
    return "Graph(inputs " + inputs + ", " + nodes.size() + " nodes, outputs " + outputs.keySet() + ")";
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Graph(\n  inputs: ").append(String.join(", ", inputs)).append('\n');
    Map<String, Layer> layers = children();
    for (int i = 0; i < nodes.size(); i++) {
      String layer = layers.get(nodes.get(i)).toString().replace("\n", "\n  ");
      sb.append("  (").append(nodes.get(i)).append(" <- ").append(String.join(", ", sources.get(i))).append("): ")
          .append(layer).append('\n');
    }
    sb.append("  outputs: ");
    boolean first = true;
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      sb.append(first ? "" : ", ").append(e.getKey()).append(e.getKey().equals(e.getValue()) ? "" : " = " + e.getValue());
      first = false;
    }
    return sb.append("\n)").toString();
  }

  private static void writeSettings(Graph g, SettingsWriter out) {
    out.putArray("inputs", g.inputs.toArray(new String[0]));
    String[][] rows = new String[g.nodes.size()][];
    for (int i = 0; i < rows.length; i++) {
      List<String> row = new ArrayList<>();
      row.add(g.nodes.get(i));
      row.addAll(g.sources.get(i));
      rows[i] = row.toArray(new String[0]);
    }
    out.putArray("nodes", rows);
    String[][] outs = new String[g.outputs.size()][];
    int k = 0;
    for (Map.Entry<String, String> e : g.outputs.entrySet()) outs[k++] = new String[] {e.getKey(), e.getValue()};
    out.putArray("outputs", outs);
  }

  // The file's graph is rebuilt through the builder, so it passes the same checks as one built in code.
  private static LayerType.Plan readSettings(SettingsReader in) {
    String[] inputNames = in.texts("inputs", MAX_ENTRIES);
    String[][] nodeRows = in.textRows("nodes", MAX_ENTRIES, MAX_ENTRIES + 1);
    String[][] outputRows = in.textRows("outputs", MAX_ENTRIES, 2);
    for (int i = 0; i < outputRows.length; i++) {
      if (outputRows[i].length != 2) {
        throw new IllegalArgumentException("architecture: " + in.where() + ": 'outputs' entry " + i
            + " must be [output name, node name], got " + List.of(outputRows[i]));
      }
    }
    return LayerType.plan((children, init) -> {
      if (children.size() != nodeRows.length) {
        throw new IllegalArgumentException("'nodes' lists " + nodeRows.length + " nodes but there are " + children.size()
            + " children");
      }
      GraphBuilder b = builder();
      for (String name : inputNames) b.input(name);
      for (int i = 0; i < nodeRows.length; i++) {
        String[] row = nodeRows[i];
        b.node(row[0], children.get(i), Arrays.copyOfRange(row, 1, row.length));
      }
      for (String[] o : outputRows) b.output(o[0], o[1]);
      return b.build();
    });
  }
}
