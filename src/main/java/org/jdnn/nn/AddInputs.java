package org.jdnn.nn;

import java.util.Arrays;
import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * The element-wise sum of its inputs, which must have one shape: the merge of a {@link Graph} node
 * fed by several nodes ({@code torch.add}, Keras's {@code Add}). Unlike {@link Add}, whose branches
 * all read the same input, it adds tensors that different nodes computed.
 */
public final class AddInputs extends Merge {
  /** Saved as {"type": "AddInputs"}. */
  public static final LayerType<AddInputs> TYPE = LayerType.simple("AddInputs", AddInputs.class, AddInputs::new);

  /** A sum of inputs; it has no settings or parameters. */
  public AddInputs() {}

  /**
   * {@inheritDoc}
   *
   * @return the sum; the input itself when there is one
   * @throws IllegalArgumentException when an input's shape differs from the first input's (no
   *     broadcasting: a graph's shapes are meant to agree)
   */
  @Override
  public Tensor forward(List<Tensor> inputs) {
    checkInputs(describe(), inputs);
    Tensor sum = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      Tensor x = inputs.get(i);
      if (!Arrays.equals(sum.shape(), x.shape())) {
        throw new IllegalArgumentException(describe() + ": input " + i + " is " + x.describe() + " but input 0 is "
            + inputs.get(0).describe() + "; inputs of a sum need one shape");
      }
      sum = sum.add(x);
    }
    return sum;
  }

  @Override
  public long flops(List<long[]> inputShapes, long[] outputShape) {
    return (inputShapes.size() - 1L) * Shapes.numel(outputShape);
  }
}
