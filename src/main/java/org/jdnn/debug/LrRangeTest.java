package org.jdnn.debug;

import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Batch;
import org.jdnn.data.BatchIterator;
import org.jdnn.data.Normalizer;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * The learning-rate range test (L. Smith, "Cyclical Learning Rates for Training Neural Networks",
 * 2015): trains for a few hundred steps while the learning rate grows exponentially from a minimum
 * to a maximum, records the loss of each step, and stops when the loss diverges. The loss falls
 * once the rate is large enough to make progress and blows up once it is too large; a good rate
 * lies before the minimum. Afterwards the model (parameters, buffers, gradients, modes), the
 * optimizer (state and hyper-parameters) and the global generator are put back bit for bit, so
 * training can start as if the test had not run.
 *
 * <p>Step i uses rate min * (max / min)^(i / (steps - 1)) and records the loss of its batch before
 * updating. The curve is smoothed with an exponential moving average (weight {@link #smoothing}
 * on the past, debiased as Adam debiases its moments). The test stops after a step whose smoothed
 * loss exceeds {@link #divergence} times the lowest so far, or whose loss is NaN or infinite.
 * Batches are drawn shuffled from the data, starting over when it is used up.
 *
 * <pre>{@code
 * LrRangeResult r = new LrRangeTest(model, optimizer, new CrossEntropyLoss()).rates(1e-6, 1).steps(200).run(train);
 * r.savePng(Path.of("lr-range.png"), 800, 500);
 * optimizer.setLearningRate(r.suggestedRate());
 * }</pre>
 *
 * <p>One caveat of the restore: {@link Optimizer#loadState} makes every hyper-parameter each
 * group's own value, so a default changed on the optimizer afterwards no longer reaches the groups.
 */
public final class LrRangeTest {
  private final Layer model;
  private final Optimizer optimizer;
  private final Loss loss;
  private double minRate = 1e-7;
  private double maxRate = 10;
  private int steps = 200;
  private double smoothing = 0.9;
  private double divergence = 4;
  private int batchSize = 32;
  private long seed = 0;
  private Normalizer normalizer;

  /**
   * A test of {@code optimizer} training {@code model} on {@code loss}.
   *
   * @param model the model, on the device to test on
   * @param optimizer its optimizer, over the model's parameters
   * @param loss the loss
   * @throws IllegalArgumentException when any is null
   */
  public LrRangeTest(Layer model, Optimizer optimizer, Loss loss) {
    if (model == null || optimizer == null || loss == null) {
      throw new IllegalArgumentException("LrRangeTest: model, optimizer and loss must not be null");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.loss = loss;
  }

  /**
   * Sets the range of rates (default 1e-7 to 10).
   *
   * @param min the first step's rate, above 0
   * @param max the last step's rate, above {@code min}
   * @return this test
   * @throws IllegalArgumentException when not 0 &lt; min &lt; max, both finite
   */
  public LrRangeTest rates(double min, double max) {
    if (!(min > 0) || !(max > min) || !Double.isFinite(max)) {
      throw new IllegalArgumentException("LrRangeTest.rates: need 0 < min < max, finite, got min " + min + ", max " + max);
    }
    minRate = min;
    maxRate = max;
    return this;
  }

  /**
   * Sets the number of steps of the sweep (default 200).
   *
   * @param n at least 2
   * @return this test
   * @throws IllegalArgumentException when {@code n} &lt; 2
   */
  public LrRangeTest steps(int n) {
    if (n < 2) throw new IllegalArgumentException("LrRangeTest.steps: need at least 2 steps, got " + n);
    steps = n;
    return this;
  }

  /**
   * Sets the weight of the past in the loss's moving average (default 0.9; 0 smooths nothing).
   *
   * @param beta in [0, 1)
   * @return this test
   * @throws IllegalArgumentException when {@code beta} is outside [0, 1)
   */
  public LrRangeTest smoothing(double beta) {
    if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("LrRangeTest.smoothing: need 0 <= beta < 1, got " + beta);
    smoothing = beta;
    return this;
  }

  /**
   * Sets when the loss counts as diverged (default 4: the smoothed loss above 4 times its lowest).
   *
   * @param factor above 1
   * @return this test
   * @throws IllegalArgumentException when {@code factor} is not above 1
   */
  public LrRangeTest divergence(double factor) {
    if (!(factor > 1) || !Double.isFinite(factor)) {
      throw new IllegalArgumentException("LrRangeTest.divergence: need a finite factor above 1, got " + factor);
    }
    divergence = factor;
    return this;
  }

  /**
   * Sets the batch size (default 32) and the seed of the batches' order (default 0).
   *
   * @param size samples per step, at least 1
   * @param orderSeed the shuffling seed
   * @return this test
   * @throws IllegalArgumentException when {@code size} &lt; 1
   */
  public LrRangeTest batches(int size, long orderSeed) {
    if (size < 1) throw new IllegalArgumentException("LrRangeTest.batches: batch size must be at least 1, got " + size);
    batchSize = size;
    seed = orderSeed;
    return this;
  }

  /**
   * Normalizes every batch's inputs, as {@code Trainer.normalizer} does (default none).
   *
   * @param n the normalizer, or null for none
   * @return this test
   */
  public LrRangeTest normalizer(Normalizer n) {
    normalizer = n;
    return this;
  }

  /**
   * Runs the sweep in training mode, then restores the model, the optimizer and the global
   * generator (also when the sweep throws).
   *
   * @param data the training data (inputs and targets the loss accepts), on any device
   * @return the recorded curve and the suggested rate
   * @throws IllegalArgumentException when {@code data} is null or empty, or does not fit the model
   *     or the loss
   */
  public LrRangeResult run(ArrayDataset data) {
    if (data == null || data.size() == 0) throw new IllegalArgumentException("LrRangeTest.run: the data must not be null or empty");
    double[] rates = new double[steps];
    double[] losses = new double[steps];
    double[] smoothed = new double[steps];
    int done = 0;
    String stop = "swept the whole range";
    Device device = model.device();
    try (TrainingSnapshot snapshot = new TrainingSnapshot(model, optimizer)) {
      try {
        model.train();
        double average = 0;
        double lowest = Double.POSITIVE_INFINITY;
        int epoch = 0;
        BatchIterator it = data.batches(batchSize, true, seed, epoch);
        try {
          for (int i = 0; i < steps; i++) {
            if (!it.hasNext()) {
              it.close();
              it = data.batches(batchSize, true, seed, ++epoch);
            }
            double rate = minRate * Math.pow(maxRate / minRate, (double) i / (steps - 1));
            optimizer.setLearningRate(rate);
            double value = step(it.next(), device);
            rates[i] = rate;
            losses[i] = value;
            average = smoothing * average + (1 - smoothing) * value;
            smoothed[i] = average / (1 - Math.pow(smoothing, i + 1));
            done = i + 1;
            if (!Double.isFinite(value)) {
              stop = "the loss became " + value + " at rate " + rate;
              break;
            }
            lowest = Math.min(lowest, smoothed[i]);
            if (smoothed[i] > divergence * lowest) {
              stop = "the smoothed loss exceeded " + divergence + " times its lowest at rate " + rate;
              break;
            }
          }
        } finally {
          it.close();
        }
      } finally {
        snapshot.restore();
      }
    }
    return new LrRangeResult(java.util.Arrays.copyOf(rates, done), java.util.Arrays.copyOf(losses, done),
        java.util.Arrays.copyOf(smoothed, done), stop);
  }

  // One training step; returns the batch's loss before the update.
  private double step(Batch b, Device device) {
    try (TensorScope s = new TensorScope(); b) {
      optimizer.zeroGrad();
      Tensor x = b.inputs().to(device);
      if (normalizer != null) x = normalizer.apply(x);
      Tensor l = loss.compute(model.call(x), b.targets().to(device));
      double value = l.item();
      if (!Double.isFinite(value)) return value;  // nothing to learn from: the sweep stops here
      l.backward();
      optimizer.step();
      return value;
    }
  }
}
