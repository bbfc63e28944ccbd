package org.jdnn.device;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertNativeError;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.makeOrScalar;
import static org.jdnn.testing.OpTestSupport.numel;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Unary ops (forward and backward) and broadcasting binary ops of the CUDA backend against the CPU
 * backend on the same random inputs: always on cuda-emu, and on a real GPU where one is usable.
 */
class ElementwiseParityTest {
  // The backends share the per-element formulas, so only a GPU's math library may differ (by ulps).
  static final double F32_RTOL = 1e-5, F32_ATOL = 1e-6;
  static final double F64_RTOL = 1e-12, F64_ATOL = 1e-13;

  static double rtol(DType dt) {
    return dt == DType.FLOAT64 ? F64_RTOL : F32_RTOL;
  }

  static double atol(DType dt) {
    return dt == DType.FLOAT64 ? F64_ATOL : F32_ATOL;
  }

  /** The CUDA devices to check: the emulation always, the GPU when usable (required under jdnn.require.gpu). */
  static List<Device> cudaDevices() {
    return TestDevice.usableAccelerators();
  }

  /** Runs {@code body} with {@code d} as the default device; its tensors are closed afterwards. */
  static <R> R on(Device d, Supplier<R> body) {
    try (Device.DefaultScope s = Device.useDefault(d);
        TensorScope scope = new TensorScope()) {
      return body.get();
    }
  }

  /** body's arrays on the CPU and on each CUDA device are close, array by array. */
  static void assertParity(DType dt, String what, Supplier<double[][]> body) {
    double[][] expected = on(Device.cpu(), body);
    for (Device d : cudaDevices()) {
      double[][] actual = on(d, body);
      for (int k = 0; k < expected.length; k++) {
        assertAllClose(expected[k], actual[k], rtol(dt), atol(dt), what + " [" + k + "] on " + d + " " + dt);
      }
    }
  }

  // ---- unary ---------------------------------------------------------------------------------

  /** Every unary op code, with an input range inside its domain (and across its kinks). */
  enum Unary {
    NEG(-3, 3, true, Tensor::neg),
    EXP(-5, 5, false, Tensor::exp),
    LOG(0.05, 5, false, Tensor::log),
    SQRT(0.05, 5, false, Tensor::sqrt),
    ABS(0, 3, true, Tensor::abs),
    SQUARE(-3, 3, false, Tensor::square),
    SCALE(-3, 3, false, x -> x.mul(-2.5)),
    ADD_SCALAR(-3, 3, false, x -> x.add(1.25)),
    SIGMOID(-40, 40, false, Tensor::sigmoid),
    TANH(-4, 4, false, Tensor::tanh),
    RELU(0, 3, true, Tensor::relu),
    LEAKY_RELU(0, 3, true, x -> x.leakyRelu(0.1)),
    ELU(0, 3, true, x -> x.elu(0.7)),
    SOFTPLUS(-25, 25, false, Tensor::softplus),
    RECIPROCAL(0.2, 3, true, Tensor::reciprocal),
    POW(0.1, 3, false, x -> x.pow(2.5)),
    POW_NEGATIVE(0.1, 3, false, x -> x.pow(-1.5)),
    POW_ZERO(0, 3, false, x -> x.pow(0)),
    POW_INTEGER(0, 3, true, x -> x.pow(3));

    final double lo, hi;
    final boolean signed;
    final UnaryOperator<Tensor> f;

    Unary(double lo, double hi, boolean signed, UnaryOperator<Tensor> f) {
      this.lo = lo;
      this.hi = hi;
      this.signed = signed;
      this.f = f;
    }
  }

  static final long[][] UNARY_SHAPES = {{7, 13}, {1}, {2, 3, 4, 5}, {}};

  @ParameterizedTest
  @EnumSource(Unary.class)
  void unaryForwardAndBackwardMatchTheCpu(Unary op) {
    Random r = new Random(op.ordinal());
    for (DType dt : FLOATS) {
      for (long[] shape : UNARY_SHAPES) {
        int n = numel(shape);
        double[] x = uniform(r, n, op.lo, op.hi, op.signed);
        if (op.lo == 0) x[0] = 0;  // the kink of abs, relu, elu and the pole of pow(x, 0)'s derivative
        double[] dy = uniform(r, n, -2, 2, false);
        assertParity(dt, op + " " + Arrays.toString(shape), () -> {
          Tensor xt = makeOrScalar(x, dt, shape).requiresGrad(true);
          Tensor y = op.f.apply(xt);
          y.backward(makeOrScalar(dy, dt, shape));
          return new double[][] {values(y), values(xt.grad())};
        });
      }
    }
  }

  @Test
  void stepForwardMatchesAndItsBackwardIsRefused() {
    Random r = new Random(3);
    for (DType dt : FLOATS) {
      double[] x = uniform(r, 31, 0, 2, true);
      x[4] = 0;
      assertParity(dt, "step", () -> new double[][] {values(make(x, dt).heaviside())});
      for (Device d : cudaDevices()) {
        on(d, () -> {
          Tensor xt = make(x, dt).requiresGrad(true);
          Tensor y = xt.heaviside();
          assertThrows(UnsupportedOperationException.class, () -> y.backward(make(x, dt)));
          return null;
        });
      }
    }
  }

  // ---- binary --------------------------------------------------------------------------------

  enum Binary {
    ADD(Tensor::add), SUB(Tensor::sub), MUL(Tensor::mul), DIV(Tensor::div);

    final BinaryOperator<Tensor> f;

    Binary(BinaryOperator<Tensor> f) {
      this.f = f;
    }
  }

  /** Operand shape pairs: same shape, scalars, rows, columns, 4-D per-channel, both sides broadcast. */
  static final long[][][] BROADCASTS = {
    {{5, 7}, {5, 7}},
    {{5, 7}, {}},
    {{}, {5, 7}},
    {{5, 7}, {1}},
    {{5, 7}, {7}},
    {{7}, {5, 7}},
    {{5, 7}, {5, 1}},
    {{5, 1}, {1, 7}},
    {{2, 3, 4, 5}, {1, 3, 1, 1}},
    {{2, 3, 4, 5}, {3, 1, 1}},
    {{2, 1, 4, 1}, {1, 3, 1, 5}},
    {{1, 3, 4, 5}, {2, 1, 1, 5}},
    {{2, 3, 4, 5}, {2, 3, 4, 5}},
    {{1, 1}, {1}},
    {{3, 1, 2, 1, 2, 1, 2, 1, 2}, {1, 2, 1, 2, 1, 2, 1, 2, 1}},
  };

  @ParameterizedTest
  @EnumSource(Binary.class)
  void binaryWithBroadcastingMatchesTheCpuForwardAndBackward(Binary op) {
    Random r = new Random(10 + op.ordinal());
    for (DType dt : FLOATS) {
      for (long[][] pair : BROADCASTS) {
        double[] a = uniform(r, numel(pair[0]), 0.5, 2, true);
        // Divisors stay away from 0 so the quotient's derivative is well conditioned.
        double[] b = uniform(r, numel(pair[1]), 0.5, 2, true);
        assertParity(dt, op + " " + Arrays.toString(pair[0]) + " with " + Arrays.toString(pair[1]), () -> {
          Tensor at = makeOrScalar(a, dt, pair[0]).requiresGrad(true);
          Tensor bt = makeOrScalar(b, dt, pair[1]).requiresGrad(true);
          Tensor out = op.f.apply(at, bt);
          double[] g = uniform(new Random(out.numel()), (int) out.numel(), -1, 1, false);
          out.backward(makeOrScalar(g, dt, out.shape()));
          return new double[][] {values(out), values(at.grad()), values(bt.grad())};
        });
      }
    }
  }

  @Test
  void moreElementsThanTheGridHoldsAreAllComputed() {
    // The launch caps the grid at 4096 x 256 threads; beyond that each thread strides on.
    int n = (1 << 20) + 3002;  // a multiple of 3
    Random r = new Random(5);
    double[] a = uniform(r, n, -1, 1, false), b = uniform(r, n, -1, 1, false), row = uniform(r, 3, -1, 1, false);
    for (DType dt : FLOATS) {
      assertParity(dt, "large", () -> new double[][] {
        values(make(a, dt).mul(make(b, dt))),
        values(make(a, dt, n / 3, 3).sub(make(row, dt, 3))),
        values(make(a, dt).exp()),
      });
    }
  }

  @Test
  void accumulatingIntoAnOperandInPlaceWorks() {
    // Gradient accumulation adds into the existing gradient: out aliases the first operand.
    Random r = new Random(6);
    double[] x = uniform(r, 12, -1, 1, false);
    for (DType dt : FLOATS) {
      assertParity(dt, "accumulate", () -> {
        Tensor xt = make(x, dt, 3, 4).requiresGrad(true);
        xt.mul(xt).sum().backward();
        xt.square().sum().backward();
        return new double[][] {values(xt.grad())};
      });
    }
  }

  @Test
  void anUnknownOpCodeOrTheStepsBackwardIsAnErrorNotACrash() {
    // Java never sends a bad code; the backend still refuses one instead of computing garbage.
    for (Device d : cudaDevices()) {
      on(d, () -> {
        Tensor x = Tensor.ones(3);
        assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_unary(99, handle(x), handle(x), 0, 0)), "unknown", "99");
        assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_binary(7, handle(x), handle(x), handle(x))), "unknown",
            "7");
        assertNativeError(() -> NativeCalls.check(org.jdnn.bridge.JdnnNative.op_unary_backward(14, handle(x), handle(x), handle(x),
            handle(x), 0, 0)), "Heaviside", "no derivative");
        return null;
      });
    }
  }

  /** A loss built from broadcasting, activations and a mean, and its gradients, through the Java API. */
  @Test
  void aSmallTrainingStepThroughTheJavaApiMatchesTheCpu() {
    Random r = new Random(8);
    double[] w = uniform(r, 12, -1, 1, false), bias = uniform(r, 4, -1, 1, false), x = uniform(r, 15, -2, 2, false);
    for (DType dt : FLOATS) {
      assertParity(dt, "api", () -> {
        Tensor wt = make(w, dt, 3, 4).requiresGrad(true);
        Tensor bt = make(bias, dt, 4).requiresGrad(true);
        Tensor xt = make(x, dt, 5, 3, 1);
        // (5, 3, 1) * (3, 4) + (4) -> (5, 3, 4), through tanh, summed to a scalar loss.
        Tensor loss = xt.mul(wt).add(bt).tanh().square().mean();
        loss.backward();
        return new double[][] {values(loss), values(wt.grad()), values(bt.grad())};
      });
    }
  }

  /** Inputs moved to the device with Tensor.to, outside any default-device scope, and the result moved back. */
  @Test
  void resultsLeaveTheDeviceIntact() {
    try (Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        Tensor ae = a.to(Device.cudaEmulated());
        Tensor be = b.to(Device.cudaEmulated());
        Tensor sum = ae.add(be);
        Tensor back = sum.to(Device.cpu())) {
      assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, back.toFloatArray());
    }
  }

  /** The native handle, which org.jdnn.tensor keeps to itself, for calling the binding directly. */
  static long handle(Tensor t) {
    try {
      java.lang.reflect.Method h = Tensor.class.getDeclaredMethod("h");
      h.setAccessible(true);
      return (long) h.invoke(t);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
