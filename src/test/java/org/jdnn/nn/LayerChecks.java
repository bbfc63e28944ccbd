package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;

/** Checks the new layer tests share: random inputs, gradient checks in float64, cpu vs CUDA parity. */
final class LayerChecks {
  private LayerChecks() {}

  /** Values in [-2, 2) from a fixed Random, as a float64 array of {@code n}. */
  static double[] values(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextDouble() * 4 - 2;
    return v;
  }

  /** A float64 CPU tensor of {@code shape} filled from {@link #values}. */
  static Tensor input(long seed, long... shape) {
    return Tensor.of(values(seed, (int) Shapes.numel(shape)), shape);
  }

  /** Writes random values (fixed seed) into every float parameter, so a check does not rest on ones and zeros. */
  static void randomizeParameters(Layer layer, long seed) {
    Generator g = new Generator(seed);
    for (Tensor t : layer.namedParameters().values()) g.uniform(t, -1.5, 1.5);
  }

  /** The layer in float64 (its parameters randomized) passes a gradient check in its input and every parameter. */
  static void gradCheck(Layer layer, Tensor x64) {
    layer.to(DType.FLOAT64);
    randomizeParameters(layer, 11);
    GradCheck.check(in -> layer.forward(in[0]), layer.parameters(), 1e-6, x64).assertWithin(1e-7, 1e-6);
  }

  /**
   * The layer built by {@code make} gives the same output, input gradient and parameter gradients on each CUDA
   * device (the emulation, and the GPU where one is usable) as on the CPU, in float32, within 2e-5 (1e-4 on a GPU).
   * Gradients come from the sum of the output times fixed weights, so every element's path counts.
   */
  static void parity(Supplier<Layer> make, long... inputShape) {
    for (Device dev : TestDevice.usableAccelerators()) {
      Generator.manualSeed(3);
      try (Layer cpu = make.get(); TensorScope s = new TensorScope()) {
        randomizeParameters(cpu, 5);
        Tensor x = input(7, inputShape).to(DType.FLOAT32).requiresGrad(true);
        Result want = run(cpu, x);
        Generator.manualSeed(3);
        try (Layer other = make.get()) {
          for (Map.Entry<String, Tensor> e : cpu.namedParameters().entrySet()) {
            other.namedParameters().get(e.getKey()).copyFrom(e.getValue());
          }
          other.to(dev);
          Tensor xd = x.detach().to(dev).requiresGrad(true);
          Result got = run(other, xd);
          double tol = dev == Device.cudaEmulated() ? 2e-5 : 1e-4;
          String where = cpu.describe() + " on " + dev;
          assertArrayEquals(want.shape, got.shape, where);
          assertAllClose(want.output, got.output, tol, tol, where + ": output");
          assertAllClose(want.inputGrad, got.inputGrad, tol, tol, where + ": input gradient");
          assertEquals(want.paramGrads.size(), got.paramGrads.size());
          for (int i = 0; i < want.paramGrads.size(); i++) {
            assertAllClose(want.paramGrads.get(i), got.paramGrads.get(i), tol, tol, where + ": parameter gradient " + i);
          }
        }
      }
    }
  }

  private record Result(long[] shape, double[] output, double[] inputGrad, List<double[]> paramGrads) {}

  private static Result run(Layer layer, Tensor x) {
    Tensor y = layer.forward(x);
    Tensor weights = input(13, y.shape()).to(DType.FLOAT32).to(y.device());
    y.mul(weights).sum().backward();
    List<double[]> grads = new ArrayList<>();
    for (Tensor p : layer.parameters()) {
      assertNotNull(p.grad(), layer.describe() + ": a parameter got no gradient");
      grads.add(host(p.grad()));
    }
    return new Result(y.shape(), host(y), host(x.grad()), grads);
  }

  /** The values of a tensor on any device, as doubles. */
  static double[] host(Tensor t) {
    try (Tensor c = t.to(Device.cpu()).detach().to(DType.FLOAT64)) {
      return c.toDoubleArray();
    }
  }
}
