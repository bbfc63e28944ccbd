package org.jdnn.nn;

import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * A layer that combines several tensors into one: the node of a {@link Graph} that several nodes
 * feed, as a PyTorch module whose forward takes several arguments. {@link AddInputs} and
 * {@link ConcatInputs} are jdnn's; a user's own merge extends this class, implements
 * {@link #forward(List)} and, to be saved in model files, declares a {@link LayerType}.
 *
 * <pre>{@code
 * final class Product extends Merge {          // element-wise product of its inputs
 *   public Tensor forward(List<Tensor> inputs) {
 *     Tensor y = inputs.get(0);
 *     for (int i = 1; i < inputs.size(); i++) y = y.mul(inputs.get(i));
 *     return y;
 *   }
 * }
 * }</pre>
 */
public abstract class Merge extends Layer {
  /**
   * Combines {@code inputs}, recording the graph when gradients are on.
   *
   * @param inputs one or more tensors, in the order the graph node lists its sources; not closed
   * @return a new tensor in the caller's innermost open scope (else owned by the caller); a merge of
   *     one input may return it itself
   * @throws IllegalArgumentException when the inputs do not fit together, naming the layer, what it
   *     expected and what it got
   */
  public abstract Tensor forward(List<Tensor> inputs);

  /**
   * The merge of one input (so a merge can also stand where a layer of one input does).
   *
   * @param input the only input
   * @return {@code forward(List.of(input))}
   */
  @Override
  public Tensor forward(Tensor input) {
    return forward(List.of(input));
  }

  /**
   * Forward FLOPs for one sample (see {@link Summary} for the convention); default 0 for merges that
   * only move data.
   *
   * @param inputShapes each input's per-sample shape (batch dimension excluded), in order
   * @param outputShape one sample's output shape
   * @return the floating-point operations of one sample's merge, at least 0
   */
  public long flops(List<long[]> inputShapes, long[] outputShape) {
    return 0;
  }

  /** The same checks for every merge: at least one input, none null. */
  static void checkInputs(String who, List<Tensor> inputs) {
    if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException(who + ": expected at least one input, got none");
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i) == null) throw new IllegalArgumentException(who + ": input " + i + " is null");
    }
  }
}
