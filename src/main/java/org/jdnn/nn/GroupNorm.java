package org.jdnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Tensor;

/**
 * Group normalization as PyTorch's nn.GroupNorm: the C channels of an (N, C, *) input are split into
 * {@code numGroups} groups of consecutive channels, and each sample's group is normalized over its
 * channels and spatial positions with the biased variance, y = (x - mean) / sqrt(var + eps); with
 * {@code affine}, per-channel "weight" (ones) and "bias" (zeros) of shape (C) follow. Same in
 * training and eval (no running statistics). Composed of autograd tensor ops.
 */
public final class GroupNorm extends Layer {
  /** Saved as {"type": "GroupNorm", "num_groups": g, "num_channels": c, "eps": e, "affine": a}. */
  public static final LayerType<GroupNorm> TYPE = LayerType.of("GroupNorm", GroupNorm.class, (l, out) -> {
    out.put("num_groups", l.groups).put("num_channels", l.channels).put("eps", l.eps).put("affine", l.affine);
  }, in -> {
    int groups = in.positiveInt("num_groups", SettingsReader.MAX_FEATURES);
    int channels = in.positiveInt("num_channels", SettingsReader.MAX_FEATURES);
    double eps = in.finite("eps");
    boolean affine = in.bool("affine");
    return LayerType.plan(parameterShapes(channels, affine), (children, init) -> new GroupNorm(groups, channels, eps, affine));
  });

  private final int groups;
  private final int channels;
  private final double eps;
  private final boolean affine;
  private final String name;

  /**
   * A group norm with PyTorch's defaults: eps 1e-5, affine.
   *
   * @param numGroups the number of groups, dividing {@code numChannels}
   * @param numChannels C, the size of input dimension 1
   * @throws IllegalArgumentException when a count is not positive or the groups do not divide C
   */
  public GroupNorm(int numGroups, int numChannels) {
    this(numGroups, numChannels, 1e-5, true);
  }

  /**
   * A group norm.
   *
   * @param numGroups the number of groups, dividing {@code numChannels}
   * @param numChannels C, the size of input dimension 1
   * @param eps added to the variance, &gt; 0
   * @param affine whether to learn a per-channel scale and shift
   * @throws IllegalArgumentException when a count is not positive, the groups do not divide C, or
   *     eps is not positive and finite
   */
  public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
    this.name = "GroupNorm(" + numGroups + ", " + numChannels + (affine ? "" : ", no affine") + ")";
    if (numGroups < 1 || numChannels < 1) {
      throw new IllegalArgumentException(name + ": num_groups and num_channels must be positive, got " + numGroups + " and "
          + numChannels);
    }
    if (numChannels % numGroups != 0) {
      throw new IllegalArgumentException(name + ": num_channels (" + numChannels + ") must be divisible by num_groups ("
          + numGroups + "); choose a number of groups that divides the channels");
    }
    if (!(eps > 0) || Double.isInfinite(eps)) throw new IllegalArgumentException(name + ": eps must be positive and finite, got " + eps);
    this.groups = numGroups;
    this.channels = numChannels;
    this.eps = eps;
    this.affine = affine;
    Map<String, long[]> shapes = parameterShapes(numChannels, affine);
    if (affine) {
      registerParameter("weight", Tensor.ones(shapes.get("weight")));
      registerParameter("bias", Tensor.zeros(shapes.get("bias")));
    }
  }

  /** What a GroupNorm allocates: with affine, weight and bias of shape (C). */
  static Map<String, long[]> parameterShapes(int channels, boolean affine) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (affine) {
      shapes.put("weight", new long[] {channels});
      shapes.put("bias", new long[] {channels});
    }
    return shapes;
  }

  /**
   * {@inheritDoc}
   *
   * @param x (N, C, *) input, float32 or float64 (16-bit under autocast: normalized in float32, as PyTorch)
   * @return a new tensor of x's shape
   * @throws IllegalArgumentException when x has rank below 2 or not C channels in dimension 1
   */
  @Override
  public Tensor forward(Tensor x) {
    if (x.rank() < 2 || x.dim(1) != channels) {
      throw new IllegalArgumentException(name + ": expected input of shape [N, " + channels + ", *], got " + x.describe());
    }
    if (affine) Composed.checkDType(name, x, parameter("weight"));
    long n = x.dim(0);
    long spatial = x.numel() / Math.max(1, n * channels);
    return Composed.run(() -> {
      // autocast: group_norm is on PyTorch's float32 list, so a 16-bit input is normalized (and returned) in float32
      Tensor y = LayerNorm.standardizeRows(Autocast.widenForFloat32(x).reshape(n * groups, -1), eps);
      if (affine) {
        y = y.reshape(n, channels, spatial).mul(parameter("weight").reshape(channels, 1))
            .add(parameter("bias").reshape(channels, 1));
      }
      return y.reshape(x.shape());
    });
  }

  /**
   * The number of groups.
   *
   * @return num_groups
   */
  public int numGroups() {
    return groups;
  }

  /**
   * The number of channels.
   *
   * @return num_channels
   */
  public int numChannels() {
    return channels;
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
   * Whether the layer learns a per-channel scale and shift.
   *
   * @return affine
   */
  public boolean isAffine() {
    return affine;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return 8 * Shapes.numel(out);
  }

  @Override
  public String describe() {
    return name;
  }
}
