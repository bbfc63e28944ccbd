package org.jdnn.distributed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.BatchNorm;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.Autograd;
import org.jdnn.tensor.BatchNormOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Batch normalization whose training statistics cover the batches of every rank of a
 * {@link ProcessGroup}, as PyTorch's {@code torch.nn.SyncBatchNorm}: in training, each channel is
 * normalized with the mean and biased variance of all ranks' values together, and the running
 * statistics are updated with that mean and the unbiased variance of the whole (so they stay equal
 * on every rank). The gradient is that of the whole: each rank's input gradient includes what its
 * values contribute, through the shared statistics, to every other rank's outputs. In eval mode it
 * normalizes with the running statistics and communicates nothing.
 *
 * <p><b>When.</b> With {@link DistributedDataParallel} each rank sees only its share of a batch;
 * a plain {@link BatchNorm} then normalizes with per-rank statistics, which gets noisy when that
 * share is small (a few images per rank in detection or segmentation). SyncBatchNorm normalizes as
 * one process would on the whole batch; ranks may hold different batch sizes, or none.
 *
 * <pre>{@code
 * Layer model = SyncBatchNorm.convert(buildModel(), group);      // every BatchNorm1d/2d replaced
 * DistributedDataParallel ddp = new DistributedDataParallel(model, group);
 * }</pre>
 *
 * <p><b>Cost.</b> Per layer and training step: one all-reduce (sum) of 2C + 1 float64 values in the
 * forward (each channel's sum and sum of squares, and the value count) and, when the input needs a
 * gradient, one of 2C in the backward (each channel's sums of dy and dy (x - mean)); both block the
 * calling thread, so they do not overlap computation. The elementwise work is a few passes over the
 * input where BatchNorm makes one.
 *
 * <p><b>Rules.</b> Every rank must run each training forward, and each backward through the
 * layer, at the same point as the others: they are collectives (a rank that skips one leaves the
 * others waiting until the group's timeout). World size 1 runs exactly BatchNorm's code, and so
 * does eval mode. Parameters and buffers carry BatchNorm's names (weight, bias, running_mean,
 * running_var, num_batches_tracked), so a state dict moves between the two; a model file
 * ({@code ModelFile.save}) cannot hold this layer, since loading could not know the group: save the
 * weights ({@code ModelFile.saveWeights}) and load them into the model built with BatchNorm. Inputs
 * are float32 or float64 of the layer's dtype (float16/bfloat16 under autocast normalize in
 * float32, as BatchNorm does); the statistics travel through the group on the CPU.
 */
public final class SyncBatchNorm extends Layer {
  private final int channels;
  private final double eps;
  private final double momentum;
  private final boolean affine;
  private final int[] ranks;
  private final ProcessGroup group;

  /**
   * A synchronized batch norm with PyTorch's defaults: eps 1e-5, momentum 0.1, affine, for inputs
   * (N, C), (N, C, L) or (N, C, H, W).
   *
   * @param channels C, at least 1
   * @param group the ranks whose batches share the statistics
   * @throws IllegalArgumentException when {@code channels} is not positive or {@code group} is null
   */
  public SyncBatchNorm(int channels, ProcessGroup group) {
    this(channels, 1e-5, 0.1, true, group);
  }

  /**
   * A synchronized batch norm with the given settings, for inputs (N, C), (N, C, L) or (N, C, H, W).
   *
   * @param channels C, at least 1
   * @param eps the term added to the variance, &gt; 0
   * @param momentum the weight of each batch in the running statistics, in [0, 1]
   * @param affine whether to learn a scale ("weight", ones) and a shift ("bias", zeros)
   * @param group the ranks whose batches share the statistics
   * @throws IllegalArgumentException when a setting is out of range or {@code group} is null
   */
  public SyncBatchNorm(int channels, double eps, double momentum, boolean affine, ProcessGroup group) {
    this(channels, eps, momentum, affine, group, new int[] {2, 3, 4});
    if (affine) {
      registerParameter("weight", Tensor.ones(channels));
      registerParameter("bias", Tensor.zeros(channels));
    }
    registerBuffer("running_mean", Tensor.zeros(channels));
    registerBuffer("running_var", Tensor.ones(channels));
    registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64, new long[0]));
  }

  // Takes over bn's tensors (the same objects, as PyTorch's convert_sync_batchnorm shares them), its
  // settings, its mode and the input ranks it accepts.
  private SyncBatchNorm(BatchNorm bn, ProcessGroup group) {
    this(bn.channels(), bn.eps(), bn.momentum(), bn.isAffine(), group, bn instanceof BatchNorm2d ? new int[] {4} : new int[] {2, 3});
    for (Map.Entry<String, Tensor> e : bn.namedParameters().entrySet()) {
      boolean trainable = e.getValue().requiresGrad();  // a frozen weight stays frozen
      registerParameter(e.getKey(), e.getValue()).requiresGrad(trainable);
    }
    for (Map.Entry<String, Tensor> e : bn.namedBuffers().entrySet()) registerBuffer(e.getKey(), e.getValue());
    train(bn.isTraining());
  }

  private SyncBatchNorm(int channels, double eps, double momentum, boolean affine, ProcessGroup group, int[] ranks) {
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.group = group;
    this.ranks = ranks;
    if (channels <= 0) throw new IllegalArgumentException(describe() + ": channels must be positive, got " + channels);
    if (!(eps > 0)) throw new IllegalArgumentException(describe() + ": eps must be > 0, got " + eps);
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(describe() + ": momentum must be in [0, 1], got " + momentum);
    }
    if (group == null) throw new IllegalArgumentException(describe() + ": the process group must not be null");
  }

  /**
   * Replaces every {@link org.jdnn.nn.BatchNorm1d} and {@link BatchNorm2d} in {@code model} by a
   * SyncBatchNorm over {@code group} with the same settings, mode and tensors (the very weight,
   * bias and buffer objects, so an optimizer made before still holds the right parameters), under
   * the same names (PyTorch's {@code convert_sync_batchnorm}). Containers are changed in place
   * through {@link Layer#replaceChild}; the replaced BatchNorms gave their tensors away: do not use
   * or close them. Convert before wrapping the model in a {@link DistributedDataParallel}.
   *
   * @param model a model, or a single BatchNorm
   * @param group the ranks whose batches share the statistics
   * @return {@code model} itself, changed; a new SyncBatchNorm when {@code model} is a BatchNorm
   * @throws IllegalArgumentException when an argument is null, {@code model} is a
   *     DistributedDataParallel, or a BatchNorm's parent cannot replace its children (its type is
   *     named; nothing is changed then)
   */
  public static Layer convert(Layer model, ProcessGroup group) {
    if (model == null || group == null) throw new IllegalArgumentException("SyncBatchNorm.convert: null model or group");
    if (model instanceof DistributedDataParallel) {
      throw new IllegalArgumentException("SyncBatchNorm.convert: got a DistributedDataParallel; convert the model"
          + " before wrapping it: new DistributedDataParallel(SyncBatchNorm.convert(model, group), group)");
    }
    if (model instanceof BatchNorm) return new SyncBatchNorm((BatchNorm) model, group);
    List<Site> sites = new ArrayList<>();
    findBatchNorms(model, "", sites);
    Map<BatchNorm, SyncBatchNorm> made = new IdentityHashMap<>();  // a layer used twice stays one layer
    List<Site> done = new ArrayList<>();
    for (Site s : sites) {
      try {
        s.parent.replaceChild(s.name, made.computeIfAbsent(s.bn, bn -> new SyncBatchNorm(bn, group)));
        done.add(s);
      } catch (UnsupportedOperationException e) {
        for (int i = done.size() - 1; i >= 0; i--) done.get(i).parent.replaceChild(done.get(i).name, done.get(i).bn);
        throw new IllegalArgumentException("SyncBatchNorm.convert: cannot replace '" + s.path + "' (" + s.bn.describe()
            + "): its parent " + s.parent.getClass().getName() + " does not support Layer.replaceChild; override"
            + " replaceChild there (call replaceModule and update the field holding the child), or build that layer"
            + " with SyncBatchNorm directly. The model was left unchanged.", e);
      }
    }
    return model;
  }

  /** A BatchNorm found in the tree: its parent, its name there and its dotted path. */
  private record Site(Layer parent, String name, String path, BatchNorm bn) {}

  private static void findBatchNorms(Layer layer, String prefix, List<Site> out) {
    for (Map.Entry<String, Layer> e : layer.children().entrySet()) {
      String path = prefix + e.getKey();
      if (e.getValue() instanceof BatchNorm) {
        out.add(new Site(layer, e.getKey(), path, (BatchNorm) e.getValue()));
      } else {
        findBatchNorms(e.getValue(), path + ".", out);
      }
    }
  }

  /**
   * {@inheritDoc} In training mode with more than one rank, a collective: see the class comment.
   * In training mode it also updates the running statistics and counts the batch in
   * num_batches_tracked, in place.
   *
   * @throws IllegalArgumentException when the input's rank, channel count (dimension 1), dtype or
   *     device does not fit, or when, in training, all ranks' batches together hold a single value
   *     per channel (or none)
   * @throws DistributedException when a rank died or did not arrive in time
   */
  @Override
  public Tensor forward(Tensor input) {
    // float16/bfloat16 under autocast: statistics and output in float32, as BatchNorm
    Tensor x = input.dtype().isHalf() && Autocast.current() != null ? input.to(DType.FLOAT32) : input;
    checkInput(x);
    if (!isTraining() || group.worldSize() == 1) {
      Tensor y = BatchNormOps.batchNorm(x, parameter("weight"), parameter("bias"), buffer("running_mean"),
          buffer("running_var"), isTraining(), momentum, eps, describe());
      if (isTraining()) buffer("num_batches_tracked").addInPlace(1);
      return y;
    }
    return synchronizedForward(x);
  }

  private void checkInput(Tensor x) {
    boolean rankOk = false;
    for (int r : ranks) rankOk |= x.rank() == r;
    if (!rankOk) throw new IllegalArgumentException(describe() + ": expected input of shape " + expectedShape() + ", got " + x.describe());
    if (x.dim(1) != channels) {
      throw new IllegalArgumentException(describe() + ": expected " + channels + " channels in dimension 1, got " + x.dim(1)
          + " (input " + x.describe() + "); feed it a layer of " + channels + " output channels, or build it with "
          + x.dim(1) + " channels");
    }
    Tensor like = buffer("running_mean");
    if (x.dtype() != like.dtype() || x.device() != like.device()) {
      throw new IllegalArgumentException(describe() + ": expected a " + like.dtype() + " input on " + like.device()
          + " (the layer's dtype and device), got " + x.describe() + "; convert the input, or the layer with Layer.to");
    }
  }

  private String expectedShape() {
    String c = Integer.toString(channels);
    List<String> shapes = new ArrayList<>();
    for (int r : ranks) shapes.add(r == 2 ? "[N, " + c + "]" : r == 3 ? "[N, " + c + ", L]" : "[N, " + c + ", H, W]");
    return shapes.size() == 1 ? shapes.get(0)
        : String.join(", ", shapes.subList(0, shapes.size() - 1)) + " or " + shapes.get(shapes.size() - 1);
  }

  // Training with several ranks. The statistics come from plain per-channel sums of x and x^2,
  // accumulated in float64 (a float32 input is widened first) and all-reduced with the count:
  // var = E[x^2] - mean^2 then loses about mean^2 / var units of float64's 1e-16, which stays below
  // the rounding already in a float32 input's deviations (6e-8 |mean| / std relative) until
  // |mean| / std passes ~1e8, far beyond activations that batch norm keeps near zero. One
  // all-reduce of sums needs no second round trip for a shift every rank agrees on.
  private Tensor synchronizedForward(Tensor x) {
    int c = channels;
    long[] perChannel = perChannelShape(x);
    double[] mean = new double[c];
    double[] var = new double[c];
    double[] invstd = new double[c];
    double count;
    Tensor y;
    try (GradMode.Guard off = GradMode.disable(); TensorScope scope = new TensorScope()) {
      double[] sums = new double[2 * c + 1];
      long local = x.numel() / c;
      if (local > 0) {
        Tensor x64 = x.dtype() == DType.FLOAT64 ? x : x.to(DType.FLOAT64);
        System.arraycopy(toHost(x64.sumTo(perChannel)), 0, sums, 0, c);
        System.arraycopy(toHost(x64.square().sumTo(perChannel)), 0, sums, c, c);
      }
      sums[2 * c] = local;
      Tensor packed = Tensor.of(sums, sums.length);
      group.allReduce(packed, ReduceOp.SUM);
      sums = packed.toDoubleArray();
      count = sums[2 * c];
      if (count <= 1) {
        throw new IllegalArgumentException(describe() + ": expected more than 1 value per channel when training, got "
            + (long) count + " over the " + group.worldSize() + " ranks' batches together (this rank's input "
            + x.describe() + "); use larger batches");
      }
      for (int i = 0; i < c; i++) {
        mean[i] = sums[i] / count;
        var[i] = Math.max(0, sums[c + i] / count - mean[i] * mean[i]);  // biased: what normalizes the batch
        invstd[i] = 1 / Math.sqrt(var[i] + eps);
      }
      // BatchNorm's own kernel, handed the global statistics as if they were running ones
      y = scope.escape(BatchNormOps.batchNorm(x, parameter("weight"), parameter("bias"), channelTensor(mean, x, c),
          channelTensor(var, x, c), false, momentum, eps, describe()));
      double[] unbiased = new double[c];
      for (int i = 0; i < c; i++) unbiased[i] = var[i] * count / (count - 1);
      updateRunning(buffer("running_mean"), mean);
      updateRunning(buffer("running_var"), unbiased);
    }
    buffer("num_batches_tracked").addInPlace(1);
    Tensor weight = parameter("weight");
    Tensor bias = parameter("bias");
    double total = count;
    return Autograd.record(describe(), y, g -> backward(g, x, weight, bias, mean, invstd, total), x, weight, bias);
  }

  // xmu = x - mean, sums over this rank's values: sdy = sum dy, sdyx = sum dy xmu.
  // dweight = invstd sdyx and dbias = sdy (this rank's share; DistributedDataParallel averages them).
  // dx = k (dy - SDY / n - xmu invstd^2 SDYX / n), k = weight invstd, with SDY, SDYX the sums over all
  // ranks and n the count over all ranks: the terms through the shared mean and variance.
  private Tensor[] backward(Tensor g, Tensor x, Tensor weight, Tensor bias, double[] mean, double[] invstd, double count) {
    int c = channels;
    long[] perChannel = perChannelShape(x);
    boolean needX = x.requiresGrad();
    try (GradMode.Guard off = GradMode.disable(); TensorScope scope = new TensorScope()) {
      Tensor xmu = x.sub(channelTensor(mean, x, perChannel));
      double[] sums = new double[2 * c];
      System.arraycopy(toHost(g.sumTo(perChannel)), 0, sums, 0, c);
      System.arraycopy(toHost(g.mul(xmu).sumTo(perChannel)), 0, sums, c, c);
      Tensor dweight = null;
      Tensor dbias = null;
      if (weight != null && weight.requiresGrad()) {
        double[] dw = new double[c];
        for (int i = 0; i < c; i++) dw[i] = sums[c + i] * invstd[i];
        dweight = scope.escape(channelTensor(dw, x, c));
      }
      if (bias != null && bias.requiresGrad()) dbias = scope.escape(channelTensor(Arrays.copyOf(sums, c), x, c));
      Tensor dx = null;
      if (needX) {
        Tensor packed = Tensor.of(sums, sums.length);
        group.allReduce(packed, ReduceOp.SUM);
        double[] all = packed.toDoubleArray();
        double[] gain = new double[c];
        double[] shift = new double[c];
        double[] slope = new double[c];
        double[] w = weight == null ? null : toHost(weight);
        for (int i = 0; i < c; i++) {
          double k = (w == null ? 1 : w[i]) * invstd[i];
          gain[i] = k;
          shift[i] = -k * all[i] / count;
          slope[i] = -k * invstd[i] * invstd[i] * all[c + i] / count;
        }
        dx = scope.escape(g.mul(channelTensor(gain, x, perChannel)).add(xmu.mul(channelTensor(slope, x, perChannel)))
            .add(channelTensor(shift, x, perChannel)));
      }
      return weight == null ? new Tensor[] {dx, null, null} : new Tensor[] {dx, dweight, dbias};
    }
  }

  // running = (1 - momentum) running + momentum batch, in float64 as BatchNorm's kernel, one rounding
  private void updateRunning(Tensor running, double[] batch) {
    double[] r = toHost(running);
    for (int i = 0; i < r.length; i++) r[i] = (1 - momentum) * r[i] + momentum * batch[i];
    running.copyFrom(Tensor.of(r, r.length).to(running.dtype()));
  }

  // [1, C, 1, ...]: a per-channel value that broadcasts against x
  private static long[] perChannelShape(Tensor x) {
    long[] s = new long[x.rank()];
    Arrays.fill(s, 1);
    s[1] = x.dim(1);
    return s;
  }

  private static Tensor channelTensor(double[] values, Tensor like, long... shape) {
    Tensor t = Tensor.of(values, shape);
    if (like.dtype() != DType.FLOAT64) t = t.to(like.dtype());
    return t.to(like.device());
  }

  private static double[] toHost(Tensor t) {
    Tensor cpu = t.to(Device.cpu());
    return cpu.dtype() == DType.FLOAT64 ? cpu.toDoubleArray() : cpu.to(DType.FLOAT64).toDoubleArray();
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

  /**
   * The ranks whose batches share the statistics.
   *
   * @return the group given at construction
   */
  public ProcessGroup group() {
    return group;
  }

  @Override
  public long flops(long[] in, long[] out) {
    long n = 1;
    for (long d : out) n *= d;
    return 2 * n;
  }

  @Override
  public String describe() {
    return "SyncBatchNorm(" + channels + ")";
  }
}
