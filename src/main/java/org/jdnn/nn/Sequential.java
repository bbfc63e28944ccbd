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

  /**
   * A container of {@code modules}, applied in the order given; it owns them from now on.
   *
   * @param modules the layers, none null (none at all is allowed: the identity)
   * @throws IllegalArgumentException when a layer is null
   */
  public Sequential(Layer... modules) {
    for (Layer m : modules) add(m);
  }

  /**
   * Appends a layer, named by its position; this container owns it from now on.
   *
   * @param m the layer, not already a child of this container
   * @return this container
   * @throws IllegalArgumentException when {@code m} is null
   */
  public Sequential add(Layer m) {
    if (m == null) throw new IllegalArgumentException("Sequential: layer " + layers.size() + " is null");
    registerModule(Integer.toString(layers.size()), m);
    layers.add(m);
    return this;
  }

  /**
   * One of the layers.
   *
   * @param index its position, in [0, {@link #size()})
   * @return the layer, still owned by this container
   * @throws IndexOutOfBoundsException when {@code index} is out of range
   */
  public Layer get(int index) {
    return layers.get(index);
  }

  /**
   * {@inheritDoc}
   *
   * @param name the position of the layer to replace, "0" to "size() - 1"
   */
  @Override
  public Layer replaceChild(String name, Layer module) {
    Layer old = replaceModule(name, module);
    layers.set(Integer.parseInt(name), module);
    return old;
  }

  /**
   * The number of layers.
   *
   * @return the count, at least 0
   */
  public int size() {
    return layers.size();
  }

  /**
   * {@inheritDoc}
   *
   * @return each layer's output fed to the next; {@code input} itself when the container is empty
   */
  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Layer m : layers) x = m.call(x);
    return x;
  }

  /**
   * Makes each Linear or Conv2d directly followed by a ReLU carry it (one native call when no gradient is
   * recorded) and puts an {@link Identity} in the ReLU's place, then fuses nested layers; see
   * {@link Layer#fuseForInference()}.
   *
   * @return this container
   */
  @Override
  public Sequential fuseForInference() {
    for (int i = 0; i + 1 < layers.size(); i++) {
      if (!(layers.get(i + 1) instanceof ReLU)) continue;
      Layer carrier = layers.get(i);
      boolean fused = false;
      if (carrier instanceof Linear && !((Linear) carrier).isReluFused()) {
        ((Linear) carrier).fuseRelu();
        fused = true;
      } else if (carrier instanceof Conv2d && !((Conv2d) carrier).isReluFused()) {
        ((Conv2d) carrier).fuseRelu();
        fused = true;
      }
      if (fused) {
        Identity placeholder = new Identity();
        replaceModule(Integer.toString(i + 1), placeholder).close();
        layers.set(i + 1, placeholder);
      }
    }
    super.fuseForInference();
    return this;
  }
}
