package org.jdnn.nn;

import java.util.Arrays;
import org.jdnn.tensor.Tensor;

/** Runs every branch on the same input and sums their outputs (shapes must match). */
public final class Add extends Layer {
  /** Saved as {"type": "Add", "children": {"0": ..., "1": ...}}. */
  public static final LayerType<Add> TYPE = LayerType.container("Add", Add.class,
      (children, init) -> new Add(children.toArray(new Layer[0])));

  private final Layer[] branches;

  /**
   * Sums the outputs of {@code branches}, which this layer then owns (children "0", "1", ...).
   *
   * @param branches two or more layers mapping the same input to outputs of one shape
   * @throws IllegalArgumentException when fewer than two branches are given
   */
  public Add(Layer... branches) {
    if (branches.length < 2) throw new IllegalArgumentException("Add: needs at least two branches, got " + branches.length);
    this.branches = branches.clone();
    for (int i = 0; i < branches.length; i++) registerModule(Integer.toString(i), branches[i]);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when the branches' outputs differ in shape
   */
  @Override
  public Tensor forward(Tensor x) {

    Tensor sum = branches[0].call(x);
    for (int i = 1; i < branches.length; i++) {
      Tensor b = branches[i].call(x);
      if (!Arrays.equals(sum.shape(), b.shape())) {
        throw new IllegalArgumentException("Add: branch " + i + " output " + b.describe() + " does not match branch 0 output "
            + sum.describe());
      }
      sum = sum.add(b);
    }
    return sum;
  }

  /**
   * {@inheritDoc}
   *
   * @param name the branch to replace, "0" to one less than the branch count
   */
  @Override
  public Layer replaceChild(String name, Layer module) {
    Layer old = replaceModule(name, module);
    branches[Integer.parseInt(name)] = module;
    return old;
  }

  @Override
  public long flops(long[] in, long[] out) {
    long n = (long) (branches.length - 1) * Shapes.numel(out);
    for (Layer b : branches) n += Summary.flopsOf(b, in);
    return n;
  }

  @Override
  public String describe() {
    return "Add(" + branches.length + " branches)";
  }
}
