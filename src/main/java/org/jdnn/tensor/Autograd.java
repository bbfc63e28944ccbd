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
 *
 * <p>As in PyTorch, a backward frees the graph it ran through (each node drops its backward
 * function and closes the tensors its op kept only for it) unless asked to retain it
 * ({@link Tensor#backward(boolean)}); a later backward that reaches a freed node throws instead of
 * adding the same gradients again.
 */
public final class Autograd {
  private Autograd() {}

  /** One recorded op: its inputs and the function computing their gradients, until a backward frees them. */
  static final class Node {
    final String op;
    Tensor[] inputs;
    BackwardFn backward;
    /** Tensors the op made only for its backward (saved statistics, masks, indices), closed when freed. */
    Tensor[] saved;
    /**
     * Whether the backward takes a null gradient as ones: as the root of backward() without a
     * gradient it is then given null, so no tensor of ones is made (on a GPU a fill kernel per step).
     */
    boolean takesNullAsOnes;

    Node(String op, Tensor[] inputs, BackwardFn backward) {
      this.op = op;
      this.inputs = inputs;
      this.backward = backward;
    }

    boolean isFreed() {
      return backward == null;
    }

    void free() {
      inputs = null;
      backward = null;
      if (saved != null) for (Tensor t : saved) t.close();
      saved = null;
    }
  }

  /**
   * Records {@code out = op(inputs)} so that backward reaches the inputs through {@code backward}.
   * Public so users can add ops of their own; a no-op when recording is off or no input needs a
   * gradient.
   *
   * <pre>{@code
   * Tensor y = x.mul(2.0).detach();                              // computed without a graph
   * Autograd.record("double", y, g -> new Tensor[] {g.mul(2.0)}, x);
   * }</pre>
   *
   * @param op the op's name, used in errors raised during backward
   * @param out the op's freshly computed output (not yet part of any graph)
   * @param backward maps the gradient of {@code out} to one gradient per input (null where an
   *     input needs none); it may read the inputs, which must then stay open until backward
   * @param inputs the op's inputs, null allowed for an absent optional input
   * @return {@code out}, now requiring a gradient when something was recorded
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

  /**
   * As {@link #record}, and hands the node {@code saved}: tensors only {@code backward} reads, closed as soon as
   * no backward can come (at once when nothing is recorded, else when a backward frees the graph).
   */
  static Tensor recordSaving(String op, Tensor out, Tensor[] saved, BackwardFn backward, Tensor... inputs) {
    record(op, out, backward, inputs);
    if (out.gradFn == null) {
      for (Tensor t : saved) t.close();
    } else {
      out.gradFn.saved = saved;
    }
    return out;
  }

  // Callbacks queued during the backward pass running on this thread (null when none runs).
  private static final ThreadLocal<List<Runnable>> PASS_CALLBACKS = new ThreadLocal<>();

  /**
   * Runs {@code callback} once the backward pass running on this thread has computed every
   * gradient, before {@code backward()} returns (PyTorch's engine {@code queue_callback}). For
   * gradient hooks that must act after the whole pass, such as DistributedDataParallel waiting for
   * its gradient reductions. Callbacks run in the order queued, with recording off.
   *
   * @param callback the action
   * @throws IllegalStateException when no backward pass is running on this thread
   */
  public static void queueCallback(Runnable callback) {
    List<Runnable> callbacks = PASS_CALLBACKS.get();
    if (callbacks == null) {
      throw new IllegalStateException("Autograd.queueCallback: no backward pass is running on this thread; call it"
          + " from a gradient hook");
    }
    callbacks.add(callback);
  }

  static void backward(Tensor root, Tensor seed, boolean retainGraph) {
    List<Runnable> outer = PASS_CALLBACKS.get();
    PASS_CALLBACKS.set(new ArrayList<>());
    try {
      backwardPass(root, seed, retainGraph);
    } finally {
      PASS_CALLBACKS.set(outer);
    }
  }

  // backward() of a leaf: its gradient is the seed; hooks and callbacks run as for any pass.
  static void backwardLeaf(Tensor leaf, Tensor seed) {
    List<Runnable> outer = PASS_CALLBACKS.get();
    PASS_CALLBACKS.set(new ArrayList<>());
    try {
      leaf.accumulateGrad(seed);
      leaf.runGradHooks();
      List<Runnable> callbacks = PASS_CALLBACKS.get();
      for (int i = 0; i < callbacks.size(); i++) callbacks.get(i).run();
    } finally {
      PASS_CALLBACKS.set(outer);
    }
  }

  private static void backwardPass(Tensor root, Tensor seed, boolean retainGraph) {
    List<Tensor> order = topologicalOrder(root);
    Map<Tensor, int[]> hooked = hookedLeafEdges(order);
    // Gradients of intermediates live in this scope and die with it; leaf
    // gradients are allocated outside any scope and owned by their leaf.
    // The backward ops are the ones each forward recorded: an autocast scope around backward() must not cast them again.
    try (TensorScope scope = new TensorScope(); Autocast.Scope off = Autocast.disable()) {
      Map<Tensor, Tensor> grads = new IdentityHashMap<>();
      boolean nullSeed = seed == null && root.gradFn != null && root.gradFn.takesNullAsOnes;
      if (!nullSeed) grads.put(root, seed != null ? seed : Tensor.onesLike(root));
      for (int i = order.size() - 1; i >= 0; i--) {
        Tensor t = order.get(i);
        Tensor g = grads.remove(t);
        if (g == null && !(nullSeed && t == root)) continue;
        Node node = t.gradFn;
        Tensor[] inputGrads = node.backward.apply(g);
        Tensor[] inputs = node.inputs;
        if (!retainGraph) node.free();  // what the backward kept goes now, not at the end of the pass
        if (inputGrads.length != inputs.length) {
          throw new IllegalStateException("backward of " + node.op + " returned " + inputGrads.length
              + " gradients for " + inputs.length + " inputs");
        }
        for (int k = 0; k < inputGrads.length; k++) {
          Tensor in = inputs[k];
          Tensor gi = inputGrads[k];
          if (in == null || gi == null || !in.requiresGrad()) continue;
          if (!Arrays.equals(gi.shape(), in.shape())) {
            throw new IllegalStateException("backward of " + node.op + ": gradient for input " + k
                + " has shape " + Arrays.toString(gi.shape()) + ", input has " + Arrays.toString(in.shape()));
          }
          // a gradient in another float type is cast to its input's, as PyTorch's engine does (validate_outputs):
          // otherwise sums of gradients would promote, and a leaf's gradient could change type
          if (gi.dtype() != in.dtype()) gi = gi.to(in.dtype());
          if (in.gradFn == null) in.accumulateGrad(gi);
          else grads.merge(in, gi, Tensor::add);
        }
        if (hooked != null) edgesDone(hooked, inputs);
      }
      if (!retainGraph) for (Tensor t : order) t.gradFn.free();  // nodes no gradient reached
      if (hooked != null) {
        // Leaves some of whose edges came from nodes no gradient reached: their gradient is final now.
        for (Map.Entry<Tensor, int[]> e : hooked.entrySet()) if (e.getValue()[1] > 0) e.getKey().runGradHooks();
      }
      List<Runnable> callbacks = PASS_CALLBACKS.get();
      for (int i = 0; i < callbacks.size(); i++) callbacks.get(i).run();  // a callback may queue another
    }
  }

  // For each leaf with gradient hooks, {edges from the graph's nodes still to run, edges run}: its
  // hooks run when the last op that can add to its gradient has had its backward.
  private static Map<Tensor, int[]> hookedLeafEdges(List<Tensor> order) {
    Map<Tensor, int[]> hooked = null;
    for (Tensor t : order) {
      for (Tensor in : t.gradFn.inputs) {
        if (in == null || in.gradFn != null || in.gradHooks == null || in.gradHooks.isEmpty()) continue;
        if (hooked == null) hooked = new IdentityHashMap<>();
        hooked.computeIfAbsent(in, k -> new int[2])[0]++;
      }
    }
    return hooked;
  }

  private static void edgesDone(Map<Tensor, int[]> hooked, Tensor[] inputs) {
    for (Tensor in : inputs) {
      int[] count = in == null ? null : hooked.get(in);
      if (count == null) continue;
      count[1]++;
      if (--count[0] == 0) {
        hooked.remove(in);
        in.runGradHooks();
      }
    }
  }

  // Iterative DFS (a deep network must not overflow the Java stack); returns
  // nodes so that every tensor comes after all tensors it depends on. Throws, before
  // any gradient is computed, if an earlier backward freed a node of the graph.
  private static List<Tensor> topologicalOrder(Tensor root) {
    List<Tensor> order = new ArrayList<>();
    if (root.gradFn == null) return order;
    Map<Tensor, Boolean> visited = new IdentityHashMap<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    requireNotFreed(root);
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
          requireNotFreed(in);
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        order.add(t);
      }
    }
    return order;
  }

  private static void requireNotFreed(Tensor t) {
    if (t.gradFn.isFreed()) {
      throw new IllegalStateException("backward: trying to backward through the graph a second time: the "
          + t.gradFn.op + " that made " + t.describe() + " was freed by an earlier backward; pass retainGraph = true "
          + "to the first call (backward(true) or backward(gradient, true)) to backpropagate through it again");
    }
  }
}
