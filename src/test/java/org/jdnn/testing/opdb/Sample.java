package org.jdnn.testing.opdb;

import java.util.List;

/**
 * One way to call a row's op: its tensor inputs (in call order), its non-tensor parameters
 * {@code P} (dimension, stride, reduction...) and a label naming the case in failure messages.
 * Samples with many elements are checked forward and for parity only: central differences cost two
 * calls per input element, so {@link #gradcheck} is off above {@link #GRADCHECK_ELEMENTS}.
 */
public final class Sample<P> {
  /** The most input elements a sample may have and still be gradient-checked by default. */
  public static final int GRADCHECK_ELEMENTS = 400;

  public final String label;
  public final List<Input> inputs;
  public final P params;
  final boolean gradcheck;

  Sample(String label, List<Input> inputs, P params, boolean gradcheck) {
    this.label = label;
    this.inputs = List.copyOf(inputs);
    this.params = params;
    this.gradcheck = gradcheck;
  }

  /** A sample that is gradient-checked when it is small enough. */
  public static <P> Sample<P> of(String label, P params, Input... inputs) {
    int n = 0;
    for (Input in : inputs) n += in.numel();
    return new Sample<>(label, List.of(inputs), params, n <= GRADCHECK_ELEMENTS);
  }

  /** The same sample, checked forward and for parity only (edge values such as NaN, kinks, huge sizes). */
  public Sample<P> forwardOnly() {
    return new Sample<>(label, inputs, params, false);
  }

  /** Input {@code i}'s shape. */
  public long[] shape(int i) {
    return inputs.get(i).shape();
  }

  @Override
  public String toString() {
    return label;
  }
}
