package org.jdnn.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode automatic differentiation. Ops record a {@link Node} on their output when
 * gradients are enabled on this thread ({@link GradMode}) and some input requires a gradient;
 * {@link Tensor#backward()} walks the recorded graph from the loss in reverse topological order.
 *
 * <p>A tensor read by several ops receives the sum of their gradients (the branch rule); an
 * addition hands its gradient to both operands (the plus rule), so residual connections work.
 * Leaf tensors that require gradients accumulate into {@link Tensor#grad()} until zeroed.
 */
public final class Autograd {
  private Autograd() {}

  /** One recorded op: its inputs and the function computing their gradients. */
  static final class Node {
    final String op;
    final Tensor[] inputs;
    final BackwardFn backward;

    Node(String op, Tensor[] inputs, BackwardFn backward) {
      this.op = op;
      this.inputs = inputs;
      this.backward = backward;
    }
  }

  /**
   * Records {@code out = op(inputs)} so that backward reaches the inputs through {@code backward}.
   * Public so users can add ops of their own; a no-op when recording is off or no input needs a
   * gradient.
   */
  public static Tensor record(String op, Tensor out, BackwardFn backward, Tensor... inputs) {
    if (!GradMode.isEnabled()) return out;
    boolean needed = false;
    for (Tensor t : inputs) needed |= t != null && t.requiresGrad();
    if (!needed) return out;
    out.gradFn = new Node(op, inputs.clone(), backward);
    out.requiresGradFlag = true;
    return out;
  }

  static void backward(Tensor root, Tensor seed) {
    List<Tensor> order = topologicalOrder(root);
    // Gradients of intermediates live in this scope and die with it; leaf
    // gradients are allocated outside any scope and owned by their leaf.
    try (TensorScope scope = new TensorScope()) {
      Map<Tensor, Tensor> grads = new IdentityHashMap<>();
      grads.put(root, seed != null ? seed : Tensor.onesLike(root));
      for (int i = order.size() - 1; i >= 0; i--) {
        Tensor t = order.get(i);
        Tensor g = grads.remove(t);
        if (g == null) continue;
        Node node = t.gradFn;
        Tensor[] inputGrads = node.backward.apply(g);
        if (inputGrads.length != node.inputs.length) {
          throw new IllegalStateException("backward of " + node.op + " returned " + inputGrads.length
              + " gradients for " + node.inputs.length + " inputs");
        }
        for (int k = 0; k < inputGrads.length; k++) {
          Tensor in = node.inputs[k];
          Tensor gi = inputGrads[k];
          if (in == null || gi == null || !in.requiresGrad()) continue;
          if (!Arrays.equals(gi.shape(), in.shape())) {
            throw new IllegalStateException("backward of " + node.op + ": gradient for input " + k
                + " has shape " + Arrays.toString(gi.shape()) + ", input has " + Arrays.toString(in.shape()));
          }
          if (in.gradFn == null) in.accumulateGrad(gi);
          else grads.merge(in, gi, Tensor::add);
        }
      }
    }
  }

  // Iterative DFS (a deep network must not overflow the Java stack); returns
  // nodes so that every tensor comes after all tensors it depends on.
  private static List<Tensor> topologicalOrder(Tensor root) {
    List<Tensor> order = new ArrayList<>();
    if (root.gradFn == null) return order;
    Map<Tensor, Boolean> visited = new IdentityHashMap<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    visited.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Tensor t = (Tensor) frame[0];
      int next = (Integer) frame[1];
      Tensor[] inputs = t.gradFn.inputs;
      if (next < inputs.length) {
        frame[1] = next + 1;
        Tensor in = inputs[next];
        if (in != null && in.gradFn != null && visited.put(in, Boolean.TRUE) == null) {
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        order.add(t);
      }
    }
    return order;
  }
}
