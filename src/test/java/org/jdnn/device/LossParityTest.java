package org.jdnn.device;

import org.jdnn.tensor.NativeCalls;
import static org.jdnn.testing.OpTestSupport.FLOATS;
import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.make;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Random;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.LossOps;
import org.jdnn.tensor.PointLoss;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend's losses (cuda-emu, and the GPU where usable) against the CPU backend: fused
 * softmax cross-entropy with int32 and int64 labels, the point losses, and their gradients, in
 * float32 and float64.
 */
class LossParityTest {
  private static final Device CPU = Device.cpu();
  private static final long[][] SHAPES = {{1, 1}, {1, 5}, {2, 2}, {7, 3}, {33, 10}, {300, 17}};

  /** Loss, probabilities (through the native op) and the logits' gradient (through autograd). */
  private record CrossEntropy(double loss, double[] probs, double[] grad) {}

  private static CrossEntropy crossEntropy(Device dev, double[] logits, long[] labels, DType dt, DType labelType,
      long n, long c) {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = make(logits, dt, n, c).to(dev).requiresGrad(true);
      Tensor y = labelTensor(labels, labelType).to(dev);
      Tensor probs = Tensor.empty(dt, dev, n, c);
      Tensor raw = Tensor.empty(dt, dev);
      NativeCalls.check(JdnnNative.op_cross_entropy(handle(x), handle(y), handle(raw), handle(probs)));
      Tensor loss = LossOps.crossEntropy(x, y, "CrossEntropyLoss");
      assertEquals(dev, loss.device());
      assertEquals(values(raw)[0], loss.item(), 0.0, "the op and the autograd path compute one loss");
      loss.backward();
      return new CrossEntropy(loss.item(), values(probs), values(x.grad()));
    }
  }

  private static Tensor labelTensor(long[] labels, DType type) {
    if (type == DType.INT64) return Tensor.ofLongs(labels);
    int[] v = new int[labels.length];
    for (int i = 0; i < v.length; i++) v[i] = Math.toIntExact(labels[i]);
    return Tensor.ofInts(v);
  }

  /** Tests sit outside org.jdnn.tensor, so the native handle is read through reflection. */
  static long handle(Tensor t) {
    try {
      Method h = Tensor.class.getDeclaredMethod("h");
      h.setAccessible(true);
      return (long) h.invoke(t);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static double tol(DType dt) {
    return dt == DType.FLOAT32 ? 1e-6 : 1e-13;
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void crossEntropyMatchesCpuForwardAndBackward(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(11);
    for (DType dt : FLOATS) {
      for (DType labelType : new DType[] {DType.INT32, DType.INT64}) {
        for (long[] shape : SHAPES) {
          long n = shape[0], c = shape[1];
          double[] logits = uniform(r, (int) (n * c), -6, 6);
          long[] labels = new long[(int) n];
          for (int i = 0; i < n; i++) labels[i] = r.nextInt((int) c);
          String what = dt + " " + labelType + " " + n + "x" + c;
          CrossEntropy cpu = crossEntropy(CPU, logits, labels, dt, labelType, n, c);
          CrossEntropy got = crossEntropy(dev, logits, labels, dt, labelType, n, c);
          assertAllClose(new double[] {cpu.loss}, new double[] {got.loss}, tol(dt), 0, what + " loss");
          assertAllClose(cpu.probs, got.probs, tol(dt), tol(dt), what + " probs");
          assertAllClose(cpu.grad, got.grad, tol(dt), tol(dt), what + " dlogits");
          assertTrue(c == 1 ? cpu.loss == 0 : cpu.loss > 0, what + ": loss " + cpu.loss);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void crossEntropyStaysFiniteForHugeLogits(TestDevice testDevice) {
    Device dev = testDevice.device();
    // Row 0's label has a probability that underflows to 0; the loss must still be exact (2e4).
    double[] logits = {1e4, -1e4, 0, 3e3, 3e3, 3e3};
    long[] labels = {1, 2};
    for (DType dt : FLOATS) {
      CrossEntropy cpu = crossEntropy(CPU, logits, labels, dt, DType.INT64, 2, 3);
      CrossEntropy got = crossEntropy(dev, logits, labels, dt, DType.INT64, 2, 3);
      assertEquals(cpu.loss, got.loss, 0.0, dt + " loss");
      assertEquals((2e4 + Math.log(3)) / 2, got.loss, 1e-3, dt + " loss value");
      assertAllClose(cpu.probs, got.probs, 0, 0, dt + " probs");
      assertAllClose(cpu.grad, got.grad, 0, 0, dt + " dlogits");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void outOfRangeLabelThrowsOnTheDeviceAsOnTheCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    for (DType labelType : new DType[] {DType.INT32, DType.INT64}) {
      for (long bad : new long[] {3, -1, 1000}) {
        String cpuMessage = nativeFailure(CPU, labelType, bad, false);
        String message = nativeFailure(dev, labelType, bad, false);
        assertTrue(message.contains("cross_entropy: label " + bad + " at index 1 is outside [0, 3)"), message);
        assertTrue(cpuMessage.contains("cross_entropy: label " + bad + " at index 1 is outside [0, 3)"), cpuMessage);
        String backward = nativeFailure(dev, labelType, bad, true);
        assertTrue(backward.contains("cross_entropy_backward: label " + bad), backward);
        assertTrue(backward.contains("outside [0, 3)"), backward);
      }
    }
  }

  /** Rows 1 and 3 carry the bad label; the message must name the first. */
  private static String nativeFailure(Device dev, DType labelType, long bad, boolean backward) {
    try (TensorScope scope = new TensorScope()) {
      Tensor x = make(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3}, DType.FLOAT32, 4, 3).to(dev);
      Tensor y = labelTensor(new long[] {0, bad, 2, bad}, labelType).to(dev);
      Tensor loss = Tensor.empty(DType.FLOAT32, dev);
      Tensor probs = Tensor.empty(DType.FLOAT32, dev, 4, 3);
      RuntimeException e;
      // On a GPU the op records the bad label on the device and the next synchronization raises it.
      if (backward) {
        Tensor dloss = Tensor.of(new float[] {1}).to(dev);
        e = assertThrows(IndexOutOfBoundsException.class, () -> {
          NativeCalls.check(JdnnNative.op_cross_entropy_backward(handle(probs), handle(y), handle(dloss), handle(probs)));
          dev.checkErrors();
        });
      } else {
        e = assertThrows(IndexOutOfBoundsException.class, () -> {
          NativeCalls.check(JdnnNative.op_cross_entropy(handle(x), handle(y), handle(loss), handle(probs)));
          dev.checkErrors();
        });
      }
      // The backend stays usable after the failure.
      assertEquals(6.0, Tensor.of(new float[] {1, 2, 3}).to(dev).to(CPU).toFloatArray()[2] * 2, 0.0);
      return e.getMessage();
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aBadLabelIsAnIndexErrorWordedAlikeOnEveryDevice(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope scope = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(dev);
      Tensor y = Tensor.ofInts(new int[] {0, 2}).to(dev);
      // Checked by the op as it reads the labels, on the device as on the CPU, in the same words; the device
      // raises it at the next synchronization, where the loss's name is no longer known.
      String words = "cross_entropy: label 2 at index 1 is outside [0, 2) for 2 classes";
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> {
        LossOps.crossEntropy(x, y, "CrossEntropyLoss");
        dev.checkErrors();
      });
      assertEquals(words + " (found on the device by that op and raised at the next synchronization: Device.checkErrors())",
          e.getMessage());
      Tensor cpuLabels = Tensor.ofInts(new int[] {0, 2});
      Tensor cpuLogits = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      assertEquals("CrossEntropyLoss: " + words, assertThrows(IndexOutOfBoundsException.class,
          () -> LossOps.crossEntropy(cpuLogits, cpuLabels, "CrossEntropyLoss")).getMessage());
    }
  }

  /** Loss and gradient (for an upstream gradient dy) of a point loss. */
  private static double[][] pointLoss(Device dev, PointLoss op, double[] x, double[] t, double[] dy, DType dt,
      long... shape) {
    try (TensorScope scope = new TensorScope()) {
      Tensor xs = make(x, dt, shape).to(dev).requiresGrad(true);
      Tensor ts = make(t, dt, shape).to(dev);
      Tensor out = LossOps.pointLoss(op, xs, ts, "loss");
      assertEquals(dev, out.device());
      out.backward(make(dy, dt, shape).to(dev));
      return new double[][] {values(out), values(xs.grad())};
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void pointLossesMatchCpu(TestDevice testDevice) {
    Device dev = testDevice.device();
    Random r = new Random(5);
    long[][] shapes = {{1}, {7}, {3, 5, 2}, {1000}};
    for (DType dt : FLOATS) {
      for (long[] shape : shapes) {
        int n = org.jdnn.testing.OpTestSupport.numel(shape);
        double[] t = uniform(r, n, 0, 1);
        double[] dy = uniform(r, n, -2, 2);
        double[] probs = uniform(r, n, 0.001, 0.999);
        probs[0] = n > 2 ? 0 : probs[0]; // clamped logs and the 1e-12 floor of the gradient
        if (n > 2) probs[1] = 1;
        double[] logits = uniform(r, n, -40, 40);
        String what = dt + " " + n;
        for (PointLoss op : PointLoss.values()) {
          double[] x = op == PointLoss.BCE_PROBABILITIES ? probs : logits;
          double[][] cpu = pointLoss(CPU, op, x, t, dy, dt, shape);
          double[][] got = pointLoss(dev, op, x, t, dy, dt, shape);
          assertAllClose(cpu[0], got[0], tol(dt), tol(dt), what + " loss " + op);
          assertAllClose(cpu[1], got[1], tol(dt), tol(dt), what + " grad " + op);
          for (double v : got[0]) assertTrue(Double.isFinite(v) && v >= 0, what + ": loss " + v);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void unknownPointLossCodeIsRejected(TestDevice testDevice) {
    Device dev = testDevice.device();
    try (TensorScope scope = new TensorScope()) {
      Tensor x = Tensor.of(new float[] {0.5f}).to(dev);
      Tensor out = Tensor.empty(DType.FLOAT32, dev, 1);
      assertEquals(-2, JdnnNative.op_point_loss(7, handle(x), handle(x), handle(out)), "the failure sentinel");
      assertEquals(1, JdnnNative.last_error_kind(), "an argument error");
      assertTrue(JdnnNative.last_error_message().contains("point_loss: unknown op code 7"),
          JdnnNative.last_error_message());
    }
  }
}
