package org.jdnn.device;

import static org.jdnn.device.Parity.CPU;
import static org.jdnn.device.Parity.close;
import static org.jdnn.device.Parity.on;
import static org.jdnn.device.Parity.read;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.Random;
import org.jdnn.tensor.BatchNormOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.ScopedTensors;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** batchNorm on the emulated CUDA backend (cuDNN path) against the CPU: train and eval, forward and backward. */
@ExtendWith(ScopedTensors.class)
class BatchNormParityTest {
  private static final long[][] SHAPES = {{5, 3}, {2, 3, 4}, {2, 3, 4, 5}, {1, 2, 3, 3}, {7, 1, 1, 2}};
  private static final double MOMENTUM = 0.1, EPS = 1e-5;

  /** One configuration: affine or not, running statistics or not (training only), which gradients. */
  record Case(boolean training, boolean affine, boolean running, boolean dx) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void trainingAndEvalMatchTheCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Case[] cases = {
      new Case(true, true, true, true), new Case(true, false, true, true), new Case(true, true, false, true),
      new Case(true, false, false, true), new Case(true, true, true, false), new Case(false, true, true, true),
      new Case(false, false, true, true), new Case(false, true, true, false)};
    Random r = new Random(5);
    for (DType dt : FLOATS) {
      for (long[] shape : SHAPES) {
        for (Case k : cases) {
          int c = (int) shape[1];
          double[] x = uniform(r, numel(shape), -2, 3), dy = uniform(r, numel(shape), -1, 1);
          double[] gamma = uniform(r, c, 0.5, 1.5), beta = uniform(r, c, -1, 1);
          double[] rm = uniform(r, c, -0.5, 0.5), rv = uniform(r, c, 0.5, 2);
          String what = k + " " + Arrays.toString(shape);
          compare(dev, dt, shape, k, EPS, x, dy, gamma, beta, rm, rv, what);
        }
      }
    }
  }

  /**
   * An epsilon other than the default reaches the backward too: cuDNN requires the backward's epsilon to be the
   * forward's when the saved statistics are passed, and the emulation refuses any other (the backend once passed 1e-5
   * whatever the forward used).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aNonDefaultEpsilonIsUsedForwardAndBackward(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(11);
    long[] shape = {4, 3, 2, 2};
    int c = (int) shape[1];
    for (double eps : new double[] {1e-3, 0.25}) {
      for (DType dt : FLOATS) {
        for (Case k : new Case[] {new Case(true, true, true, true), new Case(true, false, false, true)}) {
          double[] x = uniform(r, numel(shape), -2, 3), dy = uniform(r, numel(shape), -1, 1);
          double[] gamma = uniform(r, c, 0.5, 1.5), beta = uniform(r, c, -1, 1);
          double[] rm = uniform(r, c, -0.5, 0.5), rv = uniform(r, c, 0.5, 2);
          compare(dev, dt, shape, k, eps, x, dy, gamma, beta, rm, rv, k + " eps " + eps);
        }
      }
    }
  }

  private static void compare(Device dev, DType dt, long[] shape, Case k, double eps, double[] x, double[] dy,
      double[] gamma, double[] beta, double[] rm, double[] rv, String what) {
    Tensor[] cpu = run(CPU, dt, shape, k, eps, x, dy, gamma, beta, rm, rv);
    Tensor[] got = run(dev, dt, shape, k, eps, x, dy, gamma, beta, rm, rv);
    String[] names = {"y", "dx", "dgamma", "dbeta", "running mean", "running var"};
    for (int i = 0; i < names.length; i++) {
      if (cpu[i] == null) {
        assertNull(got[i], what + " " + names[i]);
        continue;
      }
      close(read(cpu[i], CPU), got[i], dt, what + " " + names[i]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void runningStatisticsAccumulateOverSteps(TestDevice testDevice) {
    Device dev = testDevice.device();
    long[] shape = {4, 3, 2, 2};
    Random r = new Random(9);
    for (DType dt : FLOATS) {
      double[] rm = new double[3], rv = {1, 1, 1};
      Tensor[] stats = new Tensor[4];
      long seed = r.nextLong();
      for (Device d : new Device[] {CPU, dev}) {
        Random steps = new Random(seed);
        Tensor m = on(d, rm, dt, false, 3), v = on(d, rv, dt, false, 3);
        for (int step = 0; step < 3; step++) {
          Tensor x = on(d, uniform(steps, numel(shape), -1, 4), dt, false, shape);
          BatchNormOps.batchNorm(x, null, null, m, v, true, MOMENTUM, EPS, "bn");
        }
        stats[d == CPU ? 0 : 2] = m;
        stats[d == CPU ? 1 : 3] = v;
      }
      close(read(stats[0], CPU), stats[2], dt, "running mean after 3 steps");
      close(read(stats[1], CPU), stats[3], dt, "running var after 3 steps");
    }
  }

  /** {y, dx, dgamma, dbeta, running mean, running var} of one run on d (null where not applicable). */
  private static Tensor[] run(Device d, DType dt, long[] shape, Case k, double eps, double[] x, double[] dy,
      double[] gamma, double[] beta, double[] rm, double[] rv) {
    int c = (int) shape[1];
    Tensor xt = on(d, x, dt, k.dx(), shape);
    Tensor g = k.affine() ? on(d, gamma, dt, true, c) : null;
    Tensor b = k.affine() ? on(d, beta, dt, true, c) : null;
    Tensor m = k.running() ? on(d, rm, dt, false, c) : null;
    Tensor v = k.running() ? on(d, rv, dt, false, c) : null;
    Tensor y = BatchNormOps.batchNorm(xt, g, b, m, v, k.training(), MOMENTUM, eps, "bn");
    if (y.requiresGrad()) y.backward(on(d, dy, dt, false, shape));
    return new Tensor[] {y, k.dx() ? xt.grad() : null, g != null ? g.grad() : null, b != null ? b.grad() : null, m, v};
  }
}
