package org.jdnn.nn;

import java.util.Arrays;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;

/**
 * The parametric ReLU of PyTorch's nn.PReLU: y = x for x &gt; 0 and a x otherwise, with the slope a
 * learned. One slope shared by every element ({@code numParameters} 1), or one per channel
 * ({@code numParameters} C) applied along dimension 1 of an (N, C, *) input. The parameter "weight"
 * (numParameters) starts at {@code init} (PyTorch's 0.25). The gradient at x = 0 is a, as PyTorch's;
 * the slope's gradient is the sum of x g over x &lt;= 0.
 */
public final class PReLU extends Layer {
  /** Saved as {"type": "PReLU", "num_parameters": n, "init": a}. */
  public static final LayerType<PReLU> TYPE = LayerType.of("PReLU", PReLU.class, (l, out) -> {
    out.put("num_parameters", l.count).put("init", l.init);
  }, in -> {
    int n = in.positiveInt("num_parameters", SettingsReader.MAX_FEATURES);
    double init = in.finite("init");
    return LayerType.plan(Map.of("weight", new long[] {n}), (children, g) -> new PReLU(n, init));
  });

  private final int count;
  private final double init;
  private final String name;

  /** One shared slope starting at 0.25, as PyTorch's default. */
  public PReLU() {
    this(1, 0.25);
  }

  /**
   * A PReLU.
   *
   * @param numParameters 1 (one shared slope) or the input's channel count C (a slope per channel)
   * @param init the slopes' initial value, finite
   * @throws IllegalArgumentException when {@code numParameters} is not positive or init is not finite
   */
  public PReLU(int numParameters, double init) {
    this.name = "PReLU(num_parameters=" + numParameters + ")";
    if (numParameters < 1) throw new IllegalArgumentException(name + ": num_parameters must be at least 1, got " + numParameters);
    if (!Double.isFinite(init)) throw new IllegalArgumentException(name + ": init must be finite, got " + init);
    this.count = numParameters;
    this.init = init;
    registerParameter("weight", Tensor.full(init, DType.FLOAT32, numParameters));
  }

  /**
   * {@inheritDoc}
   *
   * @param x any shape with one shared slope; (N, C, *) with C slopes
   * @return a new tensor of x's shape
   * @throws IllegalArgumentException when there are C slopes and x's dimension 1 is not C
   */
  @Override
  public Tensor forward(Tensor x) {
    Tensor w = parameter("weight");
    if (count > 1 && (x.rank() < 2 || x.dim(1) != count)) {
      throw new IllegalArgumentException(name + ": expected input of shape [N, " + count + ", *] (one slope per channel of"
          + " dimension 1), got " + x.describe() + "; use num_parameters=1 for one shared slope");
    }
    Composed.checkDType(name, x, w);
    return Composed.run(() -> {
      // relu(x) + a min(0, x), min(0, x) = x - relu(x): the slope's gradient is min(0, x) g, and at
      // x = 0 relu's derivative 0 leaves x's gradient a, as PyTorch's kernel gives
      long[] slopeShape = new long[Math.max(1, x.rank() - 1)];
      Arrays.fill(slopeShape, 1);
      slopeShape[0] = count;
      Tensor a = count == 1 ? w : w.reshape(slopeShape);
      Tensor in = x;
      DType low = Autocast.current();
      if (low != null && Autocast.takesMixed(x, w)) {  // prelu is on autocast's 16-bit list: input and slopes cast
        if (in.dtype() != low) in = in.to(low);
        a = a.to(low);
      }
      Tensor pos = in.relu();
      return pos.add(a.mul(in.sub(pos)));
    });
  }

  /**
   * The number of slopes.
   *
   * @return num_parameters
   */
  public int numParameters() {
    return count;
  }

  /**
   * The slopes.
   *
   * @return the (num_parameters) parameter, owned by this layer
   */
  public Tensor weight() {
    return parameter("weight");
  }

  @Override
  public long flops(long[] in, long[] out) {
    return 4 * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }
}
