package org.jdnn.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * A model's layers with their output shapes, parameter counts and forward FLOPs per sample,
 * found by running one zero sample through the model in eval mode without gradients. Sequential
 * containers are expanded into their children and graphs into their nodes (named by node); other
 * layers are one row each.
 *
 * <p>FLOP convention (per sample, forward only): a multiply-add counts 2. Linear: 2 in out + out
 * (bias). Convolution: (2 (C/groups) kh kw + 1 if biased) per output element. Batch norm: 2 per
 * element (the folded scale and shift). Pooling: kh kw per output element. Element-wise
 * activations: 1 per element; softmax and log-softmax: 3 per element. Additions of branches: 1
 * per element each. Reshapes, flatten and dropout (identity at inference): 0.
 */
public final class Summary {
  /** One row of the table. */
  public static final class Row {
    /** The layer's dotted name in the model ("-" for a model that is not a Sequential). */
    public final String name;
    /** The layer's {@link Layer#describe()}. */
    public final String layer;
    /** One sample's output shape (the array itself: do not change it). */
    public final long[] outputShape;
    /** The layer's parameter elements, its descendants' included. */
    public final long parameters;
    /** The layer's forward FLOPs for one sample. */
    public final long flops;

    Row(String name, String layer, long[] outputShape, long parameters, long flops) {
      this.name = name;
      this.layer = layer;
      this.outputShape = outputShape;
      this.parameters = parameters;
      this.flops = flops;
    }
  }

  private final String input;
  private final List<Row> rows;
  private final long totalParameters;

  private Summary(String input, List<Row> rows, long totalParameters) {
    this.input = input;
    this.rows = rows;
    this.totalParameters = totalParameters;
  }

  /**
   * Builds the summary of {@code model} for per-sample inputs of {@code inputShape}, running one
   * zero sample through it (the model's mode is put back afterwards).
   *
   * @param model the model, on any device
   * @param inputShape one sample's shape, without the batch dimension, each entry positive
   * @return the summary (not printed)
   * @throws IllegalArgumentException when an entry is not positive or the sample does not fit the
   *     model
   */
  public static Summary of(Layer model, long... inputShape) {
    for (long d : inputShape) {
      if (d <= 0) throw new IllegalArgumentException("summary: input shape must be positive, got " + Arrays.toString(inputShape));
    }
    List<Row> rows = new ArrayList<>();
    boolean wasTraining = model.isTraining();
    model.eval();
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Tensor probe = Tensor.empty(dtypeOf(model), model.device(), withBatch(inputShape));
      org.jdnn.tensor.MemoryOps.fill(probe, 0);
      if (model instanceof Graph && ((Graph) model).inputNames().size() == 1) {
        walkGraph("", (Graph) model, Map.of(((Graph) model).inputNames().get(0), probe), rows);  // any number of outputs
      } else {
        walk("", model, probe, rows);
      }
    } finally {
      model.train(wasTraining);
    }
    return new Summary(Arrays.toString(inputShape), Collections.unmodifiableList(rows), model.parameterCount());
  }

  /**
   * Builds the summary of {@code graph}, one row per node (Sequential nodes expanded), running one
   * zero sample of each input through it (the graph's mode is put back afterwards).
   *
   * @param graph the graph, on any device
   * @param inputShapes one sample's shape (no batch dimension, entries positive) for each input name
   * @return the summary (not printed)
   * @throws IllegalArgumentException when a shape is missing, not positive, or does not fit the graph
   */
  public static Summary of(Graph graph, Map<String, long[]> inputShapes) {
    if (inputShapes == null) throw new IllegalArgumentException("summary: the map of input shapes is null");
    Map<String, String> text = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
      long[] shape = e.getValue();
      boolean ok = shape != null;
      for (int i = 0; ok && i < shape.length; i++) ok = shape[i] > 0;
      if (!ok) {
        throw new IllegalArgumentException("summary: input '" + e.getKey() + "' shape must be positive, got "
            + Arrays.toString(shape));
      }
      text.put(e.getKey(), Arrays.toString(shape));
    }
    List<Row> rows = new ArrayList<>();
    boolean wasTraining = graph.isTraining();
    graph.eval();
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      Map<String, Tensor> probes = new HashMap<>();
      for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
        Tensor probe = Tensor.empty(dtypeOf(graph), graph.device(), withBatch(e.getValue()));
        org.jdnn.tensor.MemoryOps.fill(probe, 0);
        probes.put(e.getKey(), probe);
      }
      walkGraph("", graph, probes, rows);
    } finally {
      graph.train(wasTraining);
    }
    return new Summary(text.toString(), Collections.unmodifiableList(rows), graph.parameterCount());
  }

  /**
   * Total forward FLOPs per sample of {@code m} for per-sample input shape {@code inputShape}
   * (containers use it to count their children).
   *
   * @param m the layer
   * @param inputShape one sample's shape, without the batch dimension
   * @return the sum of the rows' FLOPs
   * @throws IllegalArgumentException as {@link #of}
   */
  public static long flopsOf(Layer m, long[] inputShape) {
    return of(m, inputShape).totalFlops();
  }

  private static Tensor walk(String name, Layer m, Tensor x, List<Row> rows) {
    if (m instanceof Sequential) {
      for (Map.Entry<String, Layer> e : m.children().entrySet()) {
        x = walk(name.isEmpty() ? e.getKey() : name + "." + e.getKey(), e.getValue(), x, rows);
      }
      return x;
    }
    if (m instanceof Graph) {
      Graph g = (Graph) m;
      if (g.inputNames().size() != 1 || g.outputNames().size() != 1) {
        throw new IllegalArgumentException("summary: " + g.describe() + " has several inputs or outputs; use"
            + " Graph.summary(Map) with a shape for each input, or summarize the graph on its own");
      }
      return walkGraph(name, g, Map.of(g.inputNames().get(0), x), rows).values().iterator().next();
    }
    Tensor y = m.call(x);
    long[] in = perSample(x.shape()), out = perSample(y.shape());
    rows.add(new Row(name.isEmpty() ? "-" : name, m.describe(), out, m.parameterCount(), m.flops(in, out)));
    return y;
  }

  // One row per node, named "node" (or "outer.node" inside a container); merges count their own FLOPs.
  private static Map<String, Tensor> walkGraph(String name, Graph g, Map<String, Tensor> inputs, List<Row> rows) {
    return g.run(inputs, (node, layer, args) -> {
      String rowName = name.isEmpty() ? node : name + "." + node;
      if (!(layer instanceof Merge)) return walk(rowName, layer, args.get(0), rows);
      Tensor y = ((Merge) layer).forward(args);
      List<long[]> in = new ArrayList<>();
      for (Tensor a : args) in.add(perSample(a.shape()));
      long[] out = perSample(y.shape());
      rows.add(new Row(rowName, layer.describe(), out, layer.parameterCount(), ((Merge) layer).flops(in, out)));
      return y;
    });
  }

  private static DType dtypeOf(Layer m) {
    for (Tensor p : m.parameters()) return p.dtype();
    return DType.FLOAT32;
  }

  private static long[] withBatch(long[] shape) {
    long[] s = new long[shape.length + 1];
    s[0] = 1;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }

  private static long[] perSample(long[] shape) {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  /**
   * The table's rows, in forward order.
   *
   * @return an unmodifiable list
   */
  public List<Row> rows() {
    return rows;
  }

  /**
   * The model's parameter elements.
   *
   * @return the count
   */
  public long totalParameters() {
    return totalParameters;
  }

  /**
   * The model's forward FLOPs for one sample.
   *
   * @return the sum over the rows
   */
  public long totalFlops() {
    long n = 0;
    for (Row r : rows) n += r.flops;
    return n;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    int nameWidth = 6;
    for (Row r : rows) nameWidth = Math.max(nameWidth, r.name.length());  // graph nodes have long names
    String fmt = "%-" + nameWidth + "s %-42s %-18s %12s %15s%n";
    sb.append(String.format(Locale.ROOT, "Input shape per sample: %s%n", input));
    sb.append(String.format(Locale.ROOT, fmt, "name", "layer", "output shape", "parameters", "FLOPs/sample"));
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, fmt, r.name, r.layer, Arrays.toString(r.outputShape),
          String.format(Locale.ROOT, "%,d", r.parameters), String.format(Locale.ROOT, "%,d", r.flops)));
    }
    sb.append(String.format(Locale.ROOT, "Total parameters: %,d   forward FLOPs per sample: %,d", totalParameters, totalFlops()));
    return sb.toString();
  }
}
