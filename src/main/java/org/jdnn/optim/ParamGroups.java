package org.jdnn.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.jdnn.tensor.Tensor;

/**
 * The parameter groups of one optimizer, in order. A type of its own (rather than a
 * List&lt;ParamGroup&gt;) so optimizers can take either a plain parameter list or groups.
 */
public final class ParamGroups implements Iterable<ParamGroup> {
  private final List<ParamGroup> groups;

  private ParamGroups(List<ParamGroup> groups) {
    if (groups == null || groups.isEmpty()) {
      throw new IllegalArgumentException("ParamGroups: expected at least one group, got none");
    }
    this.groups = List.copyOf(groups);
  }

  /**
   * The given groups, in order.
   *
   * @param groups at least one group
   * @return a new, immutable sequence of groups
   * @throws IllegalArgumentException when no group is given
   */
  public static ParamGroups of(ParamGroup... groups) {
    return new ParamGroups(Arrays.asList(groups));
  }

  /**
   * The given groups, in order.
   *
   * @param groups at least one group; the list is copied
   * @return a new, immutable sequence of groups
   * @throws IllegalArgumentException when {@code groups} is null or empty
   */
  public static ParamGroups of(List<ParamGroup> groups) {
    return new ParamGroups(groups);
  }

  /**
   * The usual split for decoupled weight decay: tensors of rank 2 and more (weight matrices and
   * kernels) decay by {@code weightDecay}; rank 0 and 1 tensors (biases, normalization scales and
   * shifts) get weight decay 0, since shrinking them toward zero only hurts. Empty groups are
   * left out, so the decay group, when present, comes first. Pass {@code model.parameters()}.
   *
   * @param params the parameters to split, at least one
   * @param weightDecay the decay of the rank &gt;= 2 group, finite and at least 0
   * @return one or two groups; both set their weight decay, neither their learning rate
   * @throws IllegalArgumentException when {@code params} is empty or {@code weightDecay} is
   *     negative, infinite or NaN
   * @throws NullPointerException when {@code params} is null
   */
  public static ParamGroups decayAndNoDecay(List<Tensor> params, double weightDecay) {
    Optimizer.checkNonNegative("ParamGroups", "weight_decay", weightDecay);
    List<Tensor> decay = new ArrayList<>();
    List<Tensor> noDecay = new ArrayList<>();
    for (Tensor p : params) (p.rank() >= 2 ? decay : noDecay).add(p);
    List<ParamGroup> groups = new ArrayList<>();
    if (!decay.isEmpty()) groups.add(ParamGroup.of(decay).weightDecay(weightDecay));
    if (!noDecay.isEmpty()) groups.add(ParamGroup.of(noDecay).weightDecay(0));
    return new ParamGroups(groups);
  }

  /**
   * The number of groups.
   *
   * @return at least 1
   */
  public int size() {
    return groups.size();
  }

  /**
   * One group.
   *
   * @param index the group's position, in [0, {@link #size()})
   * @return the group
   * @throws IndexOutOfBoundsException when {@code index} is out of range
   */
  public ParamGroup get(int index) {
    return groups.get(index);
  }

  /**
   * The groups in order.
   *
   * @return an iterator that cannot remove
   */
  @Override
  public Iterator<ParamGroup> iterator() {

    return groups.iterator();
  }
}
