package org.jdnn.nn;

import java.util.List;
import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.Tensor;

/**
 * The concatenation of its inputs along one dimension ({@code torch.cat}, Keras's
 * {@code Concatenate}): the merge of a {@link Graph} node fed by several nodes. Unlike
 * {@link Concat}, whose branches all read the same input, it joins tensors that different nodes
 * computed.
 */
public final class ConcatInputs extends Merge {
  /** Saved as {"type": "ConcatInputs", "dim": d}. */
  public static final LayerType<ConcatInputs> TYPE = LayerType.of("ConcatInputs", ConcatInputs.class,
      (l, out) -> out.put("dim", l.dim), in -> {
        int dim = in.intIn("dim", -SettingsReader.MAX_RANK, SettingsReader.MAX_RANK - 1);
        return LayerType.plan((children, init) -> new ConcatInputs(dim));
      });

  private final int dim;

  /**
   * Concatenates along {@code dim}.
   *
   * @param dim the dimension to join along (1 = channels or features; negative counts from the end)
   */
  public ConcatInputs(int dim) {
    this.dim = dim;
  }

  /**
   * The concatenation dimension.
   *
   * @return dim as given
   */
  public int dim() {
    return dim;
  }

  /**
   * {@inheritDoc}
   *
   * @return a new tensor (a copy also for one input)
   * @throws IllegalArgumentException when the inputs differ in rank, dtype, device or a dimension
   *     other than {@code dim}, or {@code dim} is out of range
   */
  @Override
  public Tensor forward(List<Tensor> inputs) {
    checkInputs(describe(), inputs);
    return ConcatOps.concat(dim, describe(), inputs.toArray(new Tensor[0]));
  }

  @Override
  public String describe() {
    return "ConcatInputs(dim=" + dim + ")";
  }
}
