package org.jdnn.train;

import java.util.Map;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.Tensor;

/**
 * The layer the trainer drives for a {@link GraphTraining}: it unpacks a batch's packed inputs into
 * the graph's named inputs, runs the graph, and packs its outputs, flattened, side by side in
 * output order (the layout the losses and metrics unpack). The graph's node layers are its children
 * under the node names, so its parameter names (and so checkpoints' weights) are the graph's; it
 * owns nothing: closing it leaves the graph open.
 */
final class PackedGraph extends Layer {
  private final Graph graph;
  private final GraphTraining task;

  PackedGraph(Graph graph, GraphTraining task) {
    this.graph = graph;
    this.task = task;
    for (Map.Entry<String, Layer> e : graph.children().entrySet()) registerModule(e.getKey(), e.getValue());
  }

  @Override
  public Tensor forward(Tensor packedInputs) {
    Map<String, Tensor> outs = graph.forward(task.inputColumns().unpack(packedInputs));
    task.sawOutputs(outs);
    Tensor[] flat = new Tensor[outs.size()];
    int i = 0;
    for (Map.Entry<String, Tensor> e : outs.entrySet()) {
      Tensor t = e.getValue();
      if (t.rank() < 1 || t.dim(0) != packedInputs.dim(0)) {
        throw new IllegalArgumentException("GraphTraining: output '" + e.getKey() + "' is " + t.describe() + "; an output"
            + " needs one row per sample (" + packedInputs.dim(0) + ")");
      }
      flat[i++] = t.reshape(t.dim(0), -1);
    }
    return flat.length == 1 ? flat[0] : ConcatOps.concat(1, "GraphTraining", flat);
  }

  @Override
  public Layer train(boolean on) {
    graph.train(on);
    return super.train(on);
  }

  /** The graph owns the layers. */
  @Override
  public void close() {}

  @Override
  public String describe() {
    return "GraphTraining(" + graph.describe() + ")";
  }
}
