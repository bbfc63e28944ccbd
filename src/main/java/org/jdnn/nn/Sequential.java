package org.jdnn.nn;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.Tensor;

/** Layers applied in order; children are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Layer {
  /** Saved as {"type": "Sequential", "children": {"0": ..., "1": ...}}. */
  public static final LayerType<Sequential> TYPE = LayerType.container("Sequential", Sequential.class,
      (children, init) -> new Sequential(children.toArray(new Layer[0])));

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
    for (Layer m : layers) x = m.forward(x);
    return x;
  }

  /**
   * Makes each Linear directly followed by a ReLU carry it (one native call when no gradient is
   * recorded) and puts an {@link Identity} in the ReLU's place, then fuses nested layers; see
   * {@link Layer#fuseForInference()}.
   */
  @Override
  public Sequential fuseForInference() {
    for (int i = 0; i + 1 < layers.size(); i++) {
      if (layers.get(i) instanceof Linear && layers.get(i + 1) instanceof ReLU && !((Linear) layers.get(i)).isReluFused()) {
        ((Linear) layers.get(i)).fuseRelu();
        Identity placeholder = new Identity();
        replaceModule(Integer.toString(i + 1), placeholder).close();
        layers.set(i + 1, placeholder);
      }
    }
    super.fuseForInference();
    return this;
  }
}
