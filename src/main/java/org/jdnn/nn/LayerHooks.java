package org.jdnn.nn;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.jdnn.tensor.Autograd;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;

/**
 * The hooks registered on one layer and the run of {@link Layer#call} when there are any. A layer
 * holds one only while a hook is registered, so a layer without hooks allocates nothing per call.
 * The lists are copy-on-write: a layer in eval mode may be called from several threads while a
 * hook is added or removed.
 */
final class LayerHooks {
  final List<ForwardPreHook> pre = new CopyOnWriteArrayList<>();
  final List<ForwardHook> forward = new CopyOnWriteArrayList<>();
  final List<BackwardHook> backward = new CopyOnWriteArrayList<>();

  boolean isEmpty() {
    return pre.isEmpty() && forward.isEmpty() && backward.isEmpty();
  }

  // Pre-hooks, forward, forward hooks, then the backward hooks' node on the final output, as
  // PyTorch's Module.__call__ orders them.
  Tensor run(Layer layer, Tensor input, UnaryOperator<Tensor> body) {
    Tensor x = input;
    for (ForwardPreHook h : pre) {
      Tensor replaced = h.apply(layer, x);
      if (replaced != null) x = replaced;
    }
    Tensor out = body.apply(x);
    for (ForwardHook h : forward) {
      Tensor replaced = h.apply(layer, x, out);
      if (replaced != null) out = replaced;
    }
    if (backward.isEmpty() || !GradMode.isEnabled() || !out.requiresGrad()) return out;
    // A view of the output whose recorded backward hands the incoming gradient to the hooks first.
    Tensor seen = out.detach();
    // The hooks registered when backward reaches the layer run: one removed in between does not.
    return Autograd.record("backward hooks of " + layer.describe(), seen, g -> new Tensor[] {runBackward(layer, backward, g)}, out);
  }

  private static Tensor runBackward(Layer layer, List<BackwardHook> hooks, Tensor grad) {
    Tensor g = grad;
    for (BackwardHook h : hooks) {
      Tensor replaced = h.apply(layer, g);
      if (replaced == null) continue;
      if (!Arrays.equals(replaced.shape(), g.shape()) || replaced.dtype() != g.dtype() || replaced.device() != g.device()) {
        throw new IllegalStateException("backward hook of " + layer.describe() + ": the replacement gradient must match the "
            + "gradient it replaces, " + g.describe() + ", got " + replaced.describe() + "; return null to keep the gradient");
      }
      g = replaced;
    }
    return g;
  }
}
