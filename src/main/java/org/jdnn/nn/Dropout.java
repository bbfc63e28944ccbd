package org.jdnn.nn;

import org.jdnn.tensor.DropoutOps;
import org.jdnn.tensor.CudaGraph;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * Inverted dropout: in training, each element is zeroed with probability p and survivors are
 * scaled by 1/(1-p), so eval mode is the identity. Masks come from the counter-based generator:
 * one seed gives one sequence of masks, on every run and device.
 */
public class Dropout extends Layer {
  /** Saved as {"type": "Dropout", "p": p}; loaded layers draw their masks from the global generator. */
  public static final LayerType<Dropout> TYPE = LayerType.of("Dropout", Dropout.class, (l, out) -> out.put("p", l.p), in -> {
    double p = in.finite("p");
    return LayerType.plan((children, init) -> new Dropout(p));
  });

  private final double p;
  private final Generator generator;
  private final boolean perChannel;

  /**
   * Dropout drawing its masks from the global {@link Generator}.
   *
   * @param p the probability of zeroing an element, in [0, 1)
   * @throws IllegalArgumentException when {@code p} is outside [0, 1) or NaN
   */
  public Dropout(double p) {
    this(p, Generator.global());
  }

  /**
   * Dropout drawing its masks from {@code generator}.
   *
   * @param p the probability of zeroing an element, in [0, 1)
   * @param generator the source of the masks; each training forward reserves its draws from it
   * @throws IllegalArgumentException when {@code p} is outside [0, 1) or NaN
   */
  public Dropout(double p, Generator generator) {
    this(p, generator, false);
  }

  Dropout(double p, Generator generator, boolean perChannel) {
    this.p = p;
    this.generator = generator;
    this.perChannel = perChannel;
    if (!(p >= 0 && p < 1)) throw new IllegalArgumentException(describe() + ": p must be in [0, 1), got " + p);
  }

  /**
   * The drop probability.
   *
   * @return p, in [0, 1)
   */
  public double p() {
    return p;
  }

  /**
   * {@inheritDoc}
   *
   * @return {@code x} itself in eval mode or when p is 0; else a new tensor with dropped elements
   *     zeroed and the others scaled by 1/(1-p)
   * @throws IllegalArgumentException when channel dropout gets an input of rank below 3
   */
  @Override
  public Tensor forward(Tensor x) {
    if (!isTraining() || p == 0) return x;
    if (perChannel && x.rank() < 3) {
      throw new IllegalArgumentException(describe() + ": expected input of shape [N, C, ...], got " + x.describe());
    }
    CudaGraph.drawnByReplays(x.device(), generator);  // a captured mask is drawn at each replay's offset
    long draws = perChannel ? x.dim(0) * x.dim(1) : x.numel();
    long seed = generator.seed();
    long offset = generator.reserve(draws);
    return DropoutOps.dropout(x, p, perChannel, seed, offset, describe());
  }

  @Override
  public String describe() {
    return (perChannel ? "Dropout2d(p=" : "Dropout(p=") + p + ")";
  }
}
