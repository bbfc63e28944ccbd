package org.jdnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.BatchNormOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * Batch normalization over channel dimension 1, as PyTorch: in training, normalize with the
 * batch mean and biased variance and update running = (1 - momentum) running + momentum batch
 * (unbiased variance for running_var); in eval, use the running statistics. Learnable scale
 * ("weight", ones) and shift ("bias", zeros) unless affine is off. Buffers running_mean,
 * running_var and num_batches_tracked carry PyTorch's names. Only this package can extend it:
 * use {@link BatchNorm1d} or {@link BatchNorm2d}.
 */
public abstract class BatchNorm extends Layer {
  private final int channels;
  private final double eps;
  private final double momentum;
  private final boolean affine;
  private final int[] ranks;

  BatchNorm(int channels, double eps, double momentum, boolean affine, int... ranks) {
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.ranks = ranks;
    if (channels <= 0) throw new IllegalArgumentException(describe() + ": channels must be positive, got " + channels);
    if (!(eps > 0)) throw new IllegalArgumentException(describe() + ": eps must be > 0, got " + eps);
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(describe() + ": momentum must be in [0, 1], got " + momentum);
    }
    Map<String, long[]> shapes = stateShapes(channels, affine);
    if (affine) {
      registerParameter("weight", Tensor.ones(shapes.get("weight")));
      registerParameter("bias", Tensor.zeros(shapes.get("bias")));
    }
    registerBuffer("running_mean", Tensor.zeros(shapes.get("running_mean")));
    registerBuffer("running_var", Tensor.ones(shapes.get("running_var")));
    registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64, shapes.get("num_batches_tracked")));
  }

  /**
   * What a batch norm over {@code channels} allocates, by name: with affine, weight and bias (C); always
   * running_mean and running_var (C) and the counter num_batches_tracked (a scalar).
   */
  static Map<String, long[]> stateShapes(int channels, boolean affine) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (affine) {
      shapes.put("weight", new long[] {channels});
      shapes.put("bias", new long[] {channels});
    }
    shapes.put("running_mean", new long[] {channels});
    shapes.put("running_var", new long[] {channels});
    shapes.put("num_batches_tracked", new long[0]);
    return shapes;
  }

  /** A BatchNorm subclass's constructor (channels, eps, momentum, affine). */
  interface Constructor<B extends BatchNorm> {
    B create(int channels, double eps, double momentum, boolean affine);
  }

  /** The layer type of {@code cls}, saved as {"channels", "eps", "momentum", "affine"}. */
  static <B extends BatchNorm> LayerType<B> type(String name, Class<B> cls, Constructor<B> create) {
    return LayerType.of(name, cls, (l, out) -> out.put("channels", l.channels()).put("eps", l.eps()).put("momentum", l.momentum())
        .put("affine", l.isAffine()), in -> {
          int channels = in.positiveInt("channels", SettingsReader.MAX_FEATURES);
          double eps = in.finite("eps");
          double momentum = in.finite("momentum");
          boolean affine = in.bool("affine");
          return LayerType.plan(stateShapes(channels, affine), (children, init) -> create.create(channels, eps, momentum, affine));
        });
  }

  /**
   * {@inheritDoc} In training mode it also updates the running statistics and counts the batch in
   * num_batches_tracked, in place.
   *
   * @throws IllegalArgumentException when x's rank or channel count (dimension 1) does not fit
   */
  @Override
  public Tensor forward(Tensor x) {
    boolean rankOk = false;
    for (int r : ranks) rankOk |= x.rank() == r;
    if (!rankOk) throw new IllegalArgumentException(describe() + ": expected input of shape " + expectedShape() + ", got " + x.describe());
    if (x.dim(1) != channels) {
      throw new IllegalArgumentException(describe() + ": expected " + channels + " channels, got " + x.dim(1) + " (input "
          + x.describe() + ")");
    }
    Tensor y = BatchNormOps.batchNorm(x, parameter("weight"), parameter("bias"), buffer("running_mean"), buffer("running_var"),
        isTraining(), momentum, eps, describe());
    if (isTraining()) {
      // the buffer is the counter (no Java copy), so loaded or copied-in state carries on from its value;
      // it advances on its own device, so a GPU-resident layer does not wait for the GPU here
      buffer("num_batches_tracked").addInPlace(1);
    }
    return y;
  }

  /**
   * The running mean.
   *
   * @return the (C) buffer, owned by this layer
   */
  public Tensor runningMean() {
    return buffer("running_mean");
  }

  /**
   * The running (unbiased) variance.
   *
   * @return the (C) buffer, owned by this layer
   */
  public Tensor runningVar() {
    return buffer("running_var");
  }

  /**
   * The number of channels.
   *
   * @return C
   */
  public int channels() {
    return channels;
  }

  /**
   * The term added to the variance before the square root.
   *
   * @return eps, &gt; 0
   */
  public double eps() {
    return eps;
  }

  /**
   * The weight of each batch in the running statistics.
   *
   * @return momentum, in [0, 1]
   */
  public double momentum() {
    return momentum;
  }

  /**
   * Whether the layer has the learnable scale and shift.
   *
   * @return true when "weight" and "bias" exist
   */
  public boolean isAffine() {

    return affine;
  }

  @Override
  public long flops(long[] in, long[] out) {
    return 2 * Shapes.numel(out);
  }

  abstract String expectedShape();
}
