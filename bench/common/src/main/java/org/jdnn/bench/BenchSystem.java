package org.jdnn.bench;

import java.util.Map;

/**
 * One system under comparison (jdnn, Deeplearning4j, PyTorch). The {@link Harness} owns timing,
 * data order and reporting; a system only builds models and runs steps, the idiomatic way for its
 * library. Everything a system allocates per step must be freed per step (scopes, workspaces).
 */
public interface BenchSystem {
  enum Model { W1_MLP, W2_CNN }

  /** "jdnn", "dl4j", "pytorch". */
  String name();

  /** Library versions and settings worth recording (written to the result file). */
  Map<String, String> versions();

  /** Sets the intra-op thread count; called once before anything else. */
  void configure(int threads);

  /** Null when {@code model} can run on this system, else why not (e.g. layer classes missing). */
  String unsupported(Model model);

  /** Copies the data set into the library's own tensors (untimed). */
  void load(FashionData data);

  /** Builds {@code model} with fresh weights from {@code seed} and an Adam(lr) optimizer; replaces the current one. */
  void build(Model model, long seed, double lr);

  /**
   * Trains batches {@code [fromBatch, toBatch)} of epoch {@code epoch}: samples in the order
   * {@code order} (from {@link FashionData#order}), {@code batch} per step, the last one possibly smaller.
   */
  void train(int[] order, int batch, int fromBatch, int toBatch);

  /** Test-set accuracy of the current model in eval mode. */
  double testAccuracy();

  /** Puts the current model in eval mode for {@link #inferer}. */
  void evalMode();

  /**
   * A forward pass over the first {@code batch} test images on the current model, in eval mode
   * without gradients; each thread calls this once and then runs the returned step many times.
   * The model is shared by every thread.
   */
  Runnable inferer(int batch);

  /** Frees the current model and optimizer. */
  void release();

  /**
   * Switches an opt-in bfloat16 inference mode on or off; returns true when it is on and runs on
   * bf16 hardware. Systems without one keep the default.
   */
  default boolean bf16Inference(boolean on) {
    return false;
  }

  /**
   * W4 (host overhead): null when this system runs it, else why not. Systems that do not override
   * the two W4 methods skip it.
   */
  default String w4Unsupported() {
    return "W4 not implemented for " + name();
  }

  /**
   * W4(a): builds the tiny MLP 64 -> Linear 64 -> ReLU -> Linear 64 -> ReLU -> Linear 10 with fresh
   * weights from {@code seed} and Adam(lr), on the fixed batch {@code x} ([batch, 64], row-major)
   * with class labels {@code y} in [0, 10); returns one training step (zero the gradients, forward,
   * softmax cross-entropy, backward, Adam step), everything it allocates freed before it returns.
   * Replaces the current model; {@link #release()} frees it.
   */
  default Runnable tinyTrainingStep(float[] x, int[] y, int batch, long seed, double lr) {
    throw new UnsupportedOperationException(w4Unsupported());
  }

  /**
   * W4(b): returns one iteration of the tiny-op loop, exactly three ops on inputs made here and
   * requiring no gradient: {@code a + b} of 4 elements, the 4x4 product {@code m x n}, relu(a); the
   * three outputs freed before it returns. The inputs live until {@link #release()}.
   */
  default Runnable tinyOps(float[] a, float[] b, float[] m, float[] n) {
    throw new UnsupportedOperationException(w4Unsupported());
  }

  /** GFLOP/s of one n x n x n float32 matrix product: the best of {@code reps} after one warm-up (a ceiling). */
  double sgemmGflops(int n, int reps);
}
