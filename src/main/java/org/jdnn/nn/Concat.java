package org.jdnn.nn;

import org.jdnn.tensor.ConcatOps;
import org.jdnn.tensor.Tensor;

/** Runs every branch on the same input and concatenates their outputs along {@code dim} (1 = channels/features). */
public final class Concat extends Layer {
  /** Saved as {"type": "Concat", "dim": d, "children": {"0": ..., ...}}. */
  public static final LayerType<Concat> TYPE = LayerType.of("Concat", Concat.class, (l, out) -> out.put("dim", l.dim), in -> {
    int dim = in.intIn("dim", -SettingsReader.MAX_RANK, SettingsReader.MAX_RANK - 1);
    return LayerType.plan((children, init) -> new Concat(dim, children.toArray(new Layer[0])));
  });

  private final int dim;
  private final Layer[] branches;

  /**
   * Concatenates the outputs of {@code branches}, which this layer then owns.
   *
   * @param dim the dimension to join along (1 = channels or features; negative counts from the
   *     end)
   * @param branches one or more layers whose outputs agree in every other dimension
   * @throws IllegalArgumentException when no branch is given
   */
  public Concat(int dim, Layer... branches) {
    if (branches.length == 0) throw new IllegalArgumentException("Concat: needs at least one branch");
    this.dim = dim;
    this.branches = branches.clone();
    for (int i = 0; i < branches.length; i++) registerModule(Integer.toString(i), branches[i]);
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
   * @throws IllegalArgumentException when the branches' outputs differ outside {@code dim}
   */
  @Override
  public Tensor forward(Tensor x) {

    Tensor[] outs = new Tensor[branches.length];
    for (int i = 0; i < branches.length; i++) outs[i] = branches[i].call(x);
    return ConcatOps.concat(dim, describe(), outs);
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
    long n = 0;
    for (Layer b : branches) n += Summary.flopsOf(b, in);
    return n;
  }

  @Override
  public String describe() {
    return "Concat(dim=" + dim + ", " + branches.length + " branches)";
  }
}
