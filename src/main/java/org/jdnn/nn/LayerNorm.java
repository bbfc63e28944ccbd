package org.jdnn.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;

/**
 * Layer normalization as PyTorch's nn.LayerNorm: each sample is normalized over its trailing
 * dimensions {@code normalizedShape}, y = (x - mean) / sqrt(var + eps) * weight + bias, with the
 * biased variance (divided by the element count, not count - 1) and no running statistics, so
 * training and eval compute the same. Parameters "weight" (ones) and "bias" (zeros), each of shape
 * {@code normalizedShape}, exist when {@code elementwiseAffine} (bias can be left out, as PyTorch's
 * {@code bias=False}), so state dicts transfer. Composed of autograd tensor ops (mean, sub, square,
 * sqrt, div, mul, add), so its gradient is theirs.
 */
public final class LayerNorm extends Layer {
  /**
   * Saved as {"type": "LayerNorm", "normalized_shape": [..], "eps": e, "elementwise_affine": a, "bias": b}.
   */
  public static final LayerType<LayerNorm> TYPE = LayerType.of("LayerNorm", LayerNorm.class, (l, out) -> {
    out.putArray("normalized_shape", l.normalizedShape).put("eps", l.eps).put("elementwise_affine", l.affine)
        .put("bias", l.hasBias);
  }, in -> {
    long[] shape = in.shape("normalized_shape");
    for (long d : shape) {
      if (d < 1 || d > SettingsReader.MAX_FEATURES) {
        throw new IllegalArgumentException("architecture: " + in.where() + ": 'normalized_shape' entries must be in [1, "
            + SettingsReader.MAX_FEATURES + "], got " + Arrays.toString(shape));
      }
    }
    double eps = in.finite("eps");
    boolean affine = in.bool("elementwise_affine");
    boolean bias = in.bool("bias");
    return LayerType.plan(parameterShapes(shape, affine, bias), (children, init) -> new LayerNorm(shape, eps, affine, bias));
  });

  private final long[] normalizedShape;
  private final long features;
  private final double eps;
  private final boolean affine;
  private final boolean hasBias;
  private final String name;

  /**
   * Normalizes over the last dimension, of size {@code normalizedShape}, with PyTorch's defaults: eps
   * 1e-5, learned weight and bias.
   *
   * @param normalizedShape the size of the last dimension, at least 1
   * @throws IllegalArgumentException when it is not positive
   */
  public LayerNorm(long normalizedShape) {
    this(new long[] {normalizedShape}, 1e-5, true, true);
  }

  /**
   * Normalizes over the trailing dimensions {@code normalizedShape}.
   *
   * @param normalizedShape the trailing dimensions' sizes, one to 8 of them, each at least 1
   * @param eps added to the variance before the square root, &gt; 0
   * @param elementwiseAffine whether to learn a per-element scale ("weight") and shift ("bias")
   * @param bias whether the affine part has the shift (ignored without {@code elementwiseAffine})
   * @throws IllegalArgumentException when the shape is empty or has a size below 1, or eps is not
   *     positive and finite
   */
  public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
    if (normalizedShape == null || normalizedShape.length == 0 || normalizedShape.length > SettingsReader.MAX_RANK) {
      throw new IllegalArgumentException("LayerNorm: normalized_shape must have 1 to " + SettingsReader.MAX_RANK
          + " dimensions, got " + (normalizedShape == null ? "null" : Arrays.toString(normalizedShape)));
    }
    for (long d : normalizedShape) {
      if (d < 1) {
        throw new IllegalArgumentException("LayerNorm: normalized_shape sizes must be at least 1, got "
            + Arrays.toString(normalizedShape));
      }
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("LayerNorm: eps must be positive and finite, got " + eps);
    }
    this.normalizedShape = normalizedShape.clone();
    this.features = Shapes.numel(normalizedShape);
    this.eps = eps;
    this.affine = elementwiseAffine;
    this.hasBias = elementwiseAffine && bias;
    this.name = "LayerNorm(" + Arrays.toString(normalizedShape) + ", eps=" + eps + (affine ? "" : ", no affine")
        + (affine && !hasBias ? ", no bias" : "") + ")";
    Map<String, long[]> shapes = parameterShapes(normalizedShape, elementwiseAffine, bias);
    if (shapes.containsKey("weight")) registerParameter("weight", Tensor.ones(shapes.get("weight")));
    if (shapes.containsKey("bias")) registerParameter("bias", Tensor.zeros(shapes.get("bias")));
  }

  /** What a LayerNorm allocates: with affine, weight and (with bias) bias, each of the normalized shape. */
  static Map<String, long[]> parameterShapes(long[] normalizedShape, boolean affine, boolean bias) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (affine) {
      shapes.put("weight", normalizedShape.clone());
      if (bias) shapes.put("bias", normalizedShape.clone());
    }
    return shapes;
  }

  /**
   * {@inheritDoc}
   *
   * @param x (*, normalizedShape...) input, float32 or float64, of the parameters' dtype (16-bit under autocast: normalized in float32, as PyTorch)
   * @return a new tensor of x's shape
   * @throws IllegalArgumentException when x's trailing dimensions are not the normalized shape
   */
  @Override
  public Tensor forward(Tensor x) {
    int k = normalizedShape.length;
    boolean ok = x.rank() >= k;
    for (int i = 0; ok && i < k; i++) ok = x.dim(x.rank() - k + i) == normalizedShape[i];
    if (!ok) {
      throw new IllegalArgumentException(name + ": expected input of shape [*, " + Arrays.toString(normalizedShape)
          .replaceAll("[\\[\\]]", "") + "] (its last " + k + " dimensions normalized), got " + x.describe()
          + "; build the layer with the trailing dimensions of the input");
    }
    if (affine) Composed.checkDType(name, x, parameter("weight"));
    return Composed.run(() -> {
      // autocast: layer_norm is on PyTorch's float32 list, so a 16-bit input is normalized (and returned) in float32
      Tensor y = standardizeRows(Autocast.widenForFloat32(x).reshape(-1, features), eps);
      if (affine) {
        y = y.mul(parameter("weight").reshape(features));
        if (hasBias) y = y.add(parameter("bias").reshape(features));
      }
      return y.reshape(x.shape());
    });
  }

  /**
   * (x - mean) / sqrt(var + eps) along each row of the (M, K) matrix {@code rows}, with the biased
   * variance; what LayerNorm and GroupNorm share.
   */
  static Tensor standardizeRows(Tensor rows, double eps) {
    Tensor centered = rows.sub(rows.mean(1, true));
    Tensor var = centered.square().mean(1, true);
    return centered.div(var.add(eps).sqrt());
  }

  /**
   * The normalized trailing dimensions.
   *
   * @return a copy of normalized_shape
   */
  public long[] normalizedShape() {
    return normalizedShape.clone();
  }

  /**
   * The term added to the variance.
   *
   * @return eps
   */
  public double eps() {
    return eps;
  }

  /**
   * Whether the layer learns a scale (and, unless built without, a shift).
   *
   * @return elementwise_affine
   */
  public boolean isElementwiseAffine() {
    return affine;
  }

  /** About 8 operations per element: mean, centring, square, variance, division, scale and shift. */
  @Override
  public long flops(long[] in, long[] out) {
    return 8 * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }
}
