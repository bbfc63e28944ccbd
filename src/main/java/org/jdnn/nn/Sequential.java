package org.jdnn.nn;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.Tensor;

/** Modules applied in order; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Layer {
  private final List<Layer> layers = new ArrayList<>();

  public Sequential(Layer... modules) {
    for (Layer m : modules) add(m);
  }

  public Sequential add(Layer m) {
    if (m == null) throw new IllegalArgumentException("Sequential: layer " + layers.size() + " is null");
    registerModule(Integer.toString(layers.size()), m);
    layers.add(m);
    return this;
  }

  public Layer get(int index) {
    return layers.get(index);
  }

  public int size() {
    return layers.size();
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      Layer m = layers.get(i);
      // Linear followed by ReLU runs as one fused op (Linalg.linearRelu; identical results).
      if (m instanceof Linear && i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU) {
        x = ((Linear) m).forwardRelu(x);
        i++;
      } else {
        x = m.forward(x);
      }
    }
    return x;
  }
}
