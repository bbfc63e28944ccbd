package org.jdnn.nn;

import java.util.function.Function;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.UnaryOp;

/**
 * An element-wise activation: one {@link UnaryOp} of the tensor package with its scalar settings. The
 * familiar layers are its named forms ({@link ReLU}, {@link Sigmoid}, {@link Tanh}, {@link LeakyReLU},
 * {@link ELU}, {@link Softplus}, {@link Step}): each is a constructor, the getters of its settings and one
 * {@code Kind} naming its op, its saved type name and its settings, so {@code new ReLU()} and the type
 * names in saved model files stay as they were while the forward pass, FLOP count, description and the
 * saving and loading of settings live here once.
 */
public abstract class Activation extends Layer {
  /**
   * Which activation: the saved type name, the unary op, and the op's settings in the order the op takes
   * them, each with the value that model files written before the setting was saved meant (NaN when the
   * setting has always been saved, so a file without it is refused).
   */
  static final class Kind {
    final String name;
    final UnaryOp op;
    final String[] keys;
    final double[] absent;

    /** An op without settings. */
    Kind(String name, UnaryOp op) {
      this(name, op, new String[0], new double[0]);
    }

    /** An op with one setting {@code key}; {@code absent} is what a file without it meant (NaN: refuse it). */
    Kind(String name, UnaryOp op, String key, double absent) {
      this(name, op, new String[] {key}, new double[] {absent});
    }

    /** An op with two settings, in the order the op takes them. */
    Kind(String name, UnaryOp op, String key1, double absent1, String key2, double absent2) {
      this(name, op, new String[] {key1, key2}, new double[] {absent1, absent2});
    }

    private Kind(String name, UnaryOp op, String[] keys, double[] absent) {
      this.name = name;
      this.op = op;
      this.keys = keys;
      this.absent = absent;
    }

    /** The layer type of activation {@code cls} of this kind, rebuilt by {@code create} from the settings. */
    <A extends Activation> LayerType<A> type(Class<A> cls, Function<double[], A> create) {
      return LayerType.of(name, cls, (layer, out) -> {
        for (int i = 0; i < keys.length; i++) out.put(keys[i], layer.setting(i));
      }, in -> {
        double[] v = new double[keys.length];
        for (int i = 0; i < v.length; i++) v[i] = Double.isNaN(absent[i]) ? in.finite(keys[i]) : in.finiteOr(keys[i], absent[i]);
        return LayerType.plan((children, init) -> create.apply(v));
      });
    }
  }

  private final Kind kind;
  private final double[] settings;

  Activation(Kind kind, double... settings) {
    if (settings.length != kind.keys.length) {
      throw new IllegalArgumentException(kind.name + ": expected " + kind.keys.length + " settings, got " + settings.length);
    }
    for (int i = 0; i < settings.length; i++) {
      if (!Double.isFinite(settings[i])) {
        throw new IllegalArgumentException(kind.name + ": " + kind.keys[i] + " must be a finite number, got " + settings[i]);
      }
    }
    this.kind = kind;
    this.settings = settings.clone();
  }

  /**
   * The op this activation applies.
   *
   * @return its unary op
   */
  public UnaryOp op() {
    return kind.op;
  }

  /** The {@code i}-th setting, in the op's order. */
  double setting(int i) {
    return settings[i];
  }

  /**
   * {@inheritDoc}
   *
   * @param x any shape, float32 or float64
   * @return a new tensor of x's shape
   * @throws IllegalArgumentException when x is not a float tensor
   */
  @Override
  public Tensor forward(Tensor x) {

    return kind.op.apply(x, settings.length > 0 ? settings[0] : 0, settings.length > 1 ? settings[1] : 0);
  }

  /** One operation per element. */
  @Override
  public long flops(long[] in, long[] out) {
    return Shapes.numel(out);
  }

  /** "ReLU()", "LeakyReLU(0.2)", "Softplus(beta=2.0, threshold=5.0)". */
  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder(kind.name).append('(');
    for (int i = 0; i < settings.length; i++) {
      if (i > 0) sb.append(", ");
      if (settings.length > 1) sb.append(kind.keys[i]).append('=');
      sb.append(settings[i]);
    }
    return sb.append(')').toString();
  }
}
