package org.jdnn.train;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.NamedDataset;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Trains a {@link Graph} of several inputs and outputs with the {@link Trainer}: one loss per output,
 * each with a weight, the total being their weighted sum (as Keras's loss_weights), and metrics per
 * output. The trainer logs the total as "loss" and, beside it, each output's own loss
 * ("&lt;output&gt;_loss", before its weight) and metrics ("&lt;output&gt;_accuracy"), with "val_" in front
 * for validation data, in the progress line and the {@link History}.
 *
 * <pre>{@code
 * GraphTraining task = GraphTraining.of(graph)
 *     .loss("class", new CrossEntropyLoss()).loss("footwear", new BCEWithLogitsLoss(), 0.5)
 *     .metrics("class", Metric.accuracy()).metrics("footwear", Metric.accuracy());
 * try (ArrayDataset train = task.pack(namedTrain); ArrayDataset test = task.pack(namedTest)) {
 *   History h = task.trainer(new Adam(graph.parameters(), 1e-3)).epochs(5).fit(train, test);
 *   h.get("val_footwear_accuracy");
 * }
 * }</pre>
 *
 * <p><b>How.</b> The trainer batches one input tensor and one target tensor, so {@link #pack} lays a
 * {@link NamedDataset}'s inputs side by side as float32 columns of one tensor, and its targets in
 * another (int32/int64 labels travel as floats, exact up to 2^24, and become integers again before
 * the loss). The trainer's model ({@link #model()}) unpacks each batch into the graph's named
 * inputs and packs the graph's outputs, flattened, in output order, which the losses and metrics
 * unpack again. So the trainer's own machinery applies unchanged: devices, checkpoints (whose weights
 * carry the graph's parameter names: load them with {@code ModelFile.loadWeights(path, graph)}),
 * resume, CUDA graphs and mixed precision are tested with graphs; distributed training wraps the
 * model as any other but is not tested with one yet. A {@code Trainer.normalizer} then normalizes each input
 * column; augmentations, which expect images, do not apply to packed inputs. {@code Trainer.predict}
 * returns packed outputs: {@link #unpackOutputs} names them, or call {@link Graph#forward(Map)}.
 *
 * <p>Configure losses and metrics first: the first call of {@link #model()}, {@link #loss()},
 * {@link #metrics()}, {@link #trainer} or {@link #pack} fixes them. The instance owns no native
 * memory; one serves one trainer.
 */
public final class GraphTraining {
  private final Graph graph;
  private final Map<String, Loss> losses = new LinkedHashMap<>();
  private final Map<String, Double> weights = new LinkedHashMap<>();
  private final List<Metric> outputMetrics = new ArrayList<>();
  private boolean fixed;
  private PackedGraph model;
  private Columns inputColumns;
  private Columns targetColumns;
  private Columns outputColumns;

  private GraphTraining(Graph graph) {
    this.graph = graph;
  }

  /**
   * The training of {@code graph}; add a loss for each of its outputs.
   *
   * @param graph the model, on its training device
   * @return a new, unconfigured instance
   * @throws IllegalArgumentException when {@code graph} is null
   */
  public static GraphTraining of(Graph graph) {
    if (graph == null) throw new IllegalArgumentException("GraphTraining: the graph is null");
    return new GraphTraining(graph);
  }

  /**
   * Sets the loss of {@code output} with weight 1.
   *
   * @param output one of the graph's outputs
   * @param loss its loss, reducing to one value per batch
   * @return this instance
   * @throws IllegalArgumentException as {@link #loss(String, Loss, double)}
   */
  public GraphTraining loss(String output, Loss loss) {
    return loss(output, loss, 1.0);
  }

  /**
   * Sets the loss of {@code output}; the trained total is the sum of weight x loss over the outputs.
   *
   * @param output one of the graph's outputs, without a loss yet
   * @param loss its loss (of the output against its targets), reducing to one value per batch
   * @param weight its weight in the total, finite and at least 0
   * @return this instance
   * @throws IllegalArgumentException when the output is unknown or has a loss, the loss is null or
   *     the weight negative or not finite
   * @throws IllegalStateException when the configuration is already fixed
   */
  public GraphTraining loss(String output, Loss loss, double weight) {
    checkOpen();
    checkOutput("loss", output);
    if (losses.containsKey(output)) {
      throw new IllegalArgumentException("GraphTraining.loss: output '" + output + "' already has a loss");
    }
    if (loss == null) throw new IllegalArgumentException("GraphTraining.loss: the loss of output '" + output + "' is null");
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("GraphTraining.loss: the weight of output '" + output + "' must be finite and >= 0, got "
          + weight);
    }
    losses.put(output, loss);
    weights.put(output, weight);
    return this;
  }

  /**
   * Adds metrics of {@code output}, logged as "&lt;output&gt;_&lt;metric name&gt;".
   *
   * @param output one of the graph's outputs
   * @param metrics the metrics, given that output and its targets each batch
   * @return this instance
   * @throws IllegalArgumentException when the output is unknown, a metric is null or its logged name
   *     is taken
   * @throws IllegalStateException when the configuration is already fixed
   */
  public GraphTraining metrics(String output, Metric... metrics) {
    checkOpen();
    checkOutput("metrics", output);
    for (Metric m : metrics) {
      if (m == null) throw new IllegalArgumentException("GraphTraining.metrics: a metric of output '" + output + "' is null");
      OutputMetric om = new OutputMetric(this, output, m);
      for (Metric other : outputMetrics) {
        if (other.name().equals(om.name())) {
          throw new IllegalArgumentException("GraphTraining.metrics: two metrics would be logged as '" + om.name()
              + "'; give an output each metric once");
        }
      }
      outputMetrics.add(om);
    }
    return this;
  }

  /**
   * The layer the trainer drives: packed inputs in, packed outputs out (see the class comment). Its
   * parameters are the graph's, under the same names; closing it does nothing (close the graph).
   *
   * @return the same layer at every call
   * @throws IllegalStateException when an output has no loss
   */
  public Layer model() {
    fix();
    if (model == null) model = new PackedGraph(graph, this);
    return model;
  }

  /**
   * The trained total: the weighted sum of the outputs' losses, over packed outputs and targets.
   *
   * @return the loss to give the trainer
   * @throws IllegalStateException when an output has no loss
   */
  public Loss loss() {
    fix();
    return this::total;
  }

  /**
   * The metrics to give the trainer: each output's own loss ("&lt;output&gt;_loss"), then the
   * metrics added with {@link #metrics(String, Metric...)}.
   *
   * @return a new list; its metrics serve one trainer
   * @throws IllegalStateException when an output has no loss
   */
  public List<Metric> metrics() {
    fix();
    List<Metric> out = new ArrayList<>();
    for (Map.Entry<String, Loss> e : losses.entrySet()) out.add(new OutputLoss(this, e.getKey(), e.getValue()));
    out.addAll(outputMetrics);
    return out;
  }

  /**
   * A trainer of the graph: {@code new Trainer(model(), optimizer, loss()).metrics(metrics())}, to be
   * configured further (epochs, batch size, callbacks).
   *
   * @param optimizer an optimizer over the graph's parameters
   * @return a new trainer
   * @throws IllegalStateException when an output has no loss
   */
  public Trainer trainer(Optimizer optimizer) {
    return new Trainer(model(), optimizer, loss()).metrics(metrics().toArray(new Metric[0]));
  }

  /**
   * The trainer's form of {@code data}: its inputs packed as float32 columns in the graph's input
   * order, its targets in the order of the losses. The first call fixes each input's and target's
   * per-sample shape and dtype; later calls (validation, test data) must match.
   *
   * @param data inputs named as the graph's inputs, targets named as the outputs with losses; not
   *     closed
   * @return a new dataset on {@code data}'s device, which the caller closes
   * @throws IllegalArgumentException when names, per-sample shapes or dtypes do not fit, a tensor
   *     is neither float32 nor int32/int64, or an integer exceeds 2^24 in size
   * @throws IllegalStateException when an output has no loss
   */
  public ArrayDataset pack(NamedDataset data) {
    fix();
    if (data == null) throw new IllegalArgumentException("GraphTraining.pack: the dataset is null");
    checkNames("inputs", data.inputs().keySet(), graph.inputNames());
    checkNames("targets", data.targets().keySet(), List.copyOf(losses.keySet()));
    Columns in = Columns.of("inputs", graph.inputNames(), data.inputs());
    Columns out = Columns.of("targets", List.copyOf(losses.keySet()), data.targets());
    inputColumns = agreed(inputColumns, in);
    targetColumns = agreed(targetColumns, out);
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      return ArrayDataset.of(in.pack(data.inputs()), out.pack(data.targets()));
    }
  }

  /**
   * Names the outputs of a packed batch ({@code Trainer.predict}'s result).
   *
   * @param packed the model's packed outputs (B, F)
   * @return each output in its own shape, by name, in output order
   * @throws IllegalArgumentException when {@code packed} is not this graph's packed output
   * @throws IllegalStateException before the model's first forward pass
   */
  public Map<String, Tensor> unpackOutputs(Tensor packed) {
    return outputColumns().unpack(packed);
  }

  /**
   * The graph being trained.
   *
   * @return the graph given to {@link #of}
   */
  public Graph graph() {
    return graph;
  }

  private Tensor total(Tensor packedOutputs, Tensor packedTargets) {
    Tensor total = null;
    for (Map.Entry<String, Loss> e : losses.entrySet()) {
      Tensor weighted = outputLoss(e.getKey(), e.getValue(), packedOutputs, packedTargets).mul(weights.get(e.getKey()));
      total = total == null ? weighted : total.add(weighted);
    }
    return total;
  }

  /** One output's loss on a packed batch, the message naming the output when the loss refuses it. */
  Tensor outputLoss(String output, Loss loss, Tensor packedOutputs, Tensor packedTargets) {
    Tensor out = outputColumns().unpack(packedOutputs, output);
    Tensor target = targetColumns().unpack(packedTargets, output);
    Tensor l;
    try {
      l = loss.compute(out, target);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GraphTraining: output '" + output + "' " + out.describe() + " with targets "
          + target.describe() + ": " + e.getMessage(), e);
    }
    if (l.numel() != 1) {
      throw new IllegalArgumentException("GraphTraining: the loss of output '" + output + "' gave " + l.describe()
          + "; a loss per output must reduce to one value (Reduction.MEAN or SUM)");
    }
    return l;
  }

  Columns inputColumns() {
    if (inputColumns == null) {
      throw new IllegalStateException("GraphTraining: no dataset packed yet; give the trainer datasets made by GraphTraining.pack");
    }
    return inputColumns;
  }

  Columns targetColumns() {
    if (targetColumns == null) {
      throw new IllegalStateException("GraphTraining: no dataset packed yet; give the trainer datasets made by GraphTraining.pack");
    }
    return targetColumns;
  }

  Columns outputColumns() {
    if (outputColumns == null) {
      throw new IllegalStateException("GraphTraining: the graph has not run yet, so its outputs' shapes are unknown");
    }
    return outputColumns;
  }

  /** Each forward pass records its outputs' layout (the same every pass unless the graph changed). */
  void sawOutputs(Map<String, Tensor> outputs) {
    Columns seen = Columns.of("outputs", graph.outputNames(), outputs);
    if (outputColumns == null || !outputColumns.sameAs(seen)) outputColumns = seen;
  }

  private static Columns agreed(Columns fixed, Columns seen) {
    if (fixed != null && !fixed.sameAs(seen)) {
      throw new IllegalArgumentException("GraphTraining.pack: this dataset's " + seen + " differ from the first packed dataset's "
          + fixed + "; every dataset of one training needs the same per-sample shapes and dtypes");
    }
    return fixed == null ? seen : fixed;
  }

  private static void checkNames(String what, Set<String> got, List<String> expected) {
    if (!got.equals(new HashSet<>(expected))) {
      throw new IllegalArgumentException("GraphTraining.pack: the dataset's " + what + " are " + got + " but the graph needs "
          + expected + (what.equals("targets") ? " (one per output with a loss)" : ""));
    }
  }

  private void checkOutput(String call, String output) {
    if (!graph.outputNames().contains(output)) {
      throw new IllegalArgumentException("GraphTraining." + call + ": the graph has no output '" + output + "'; outputs: "
          + graph.outputNames());
    }
  }

  private void checkOpen() {
    if (fixed) {
      throw new IllegalStateException("GraphTraining: losses and metrics are fixed once the model, loss, metrics, a trainer or a"
          + " packed dataset was taken; configure them first");
    }
  }

  private void fix() {
    for (String out : graph.outputNames()) {
      if (!losses.containsKey(out)) {
        throw new IllegalStateException("GraphTraining: output '" + out + "' has no loss; give it one with loss(\"" + out
            + "\", ...) (a weight of 0 if it should not train)");
      }
    }
    boolean any = false;
    for (double w : weights.values()) any |= w > 0;
    if (!any) throw new IllegalStateException("GraphTraining: every loss weight is 0, so nothing would train");
    fixed = true;
  }
}
