package org.jdnn.nn;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.Tensor;

/** Modules applied in order; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Module {
  private final List<Module> layers = new ArrayList<>();

  public Sequential(Module... modules) {
    for (Module m : modules) add(m);
  }

  public Sequential add(Module m) {
    if (m == null) throw new IllegalArgumentException("Sequential: layer " + layers.size() + " is null");
    registerModule(Integer.toString(layers.size()), m);
    layers.add(m);
    return this;
  }

  public Module get(int index) {
    return layers.get(index);
  }

  public int size() {
    return layers.size();
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      Module m = layers.get(i);
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
