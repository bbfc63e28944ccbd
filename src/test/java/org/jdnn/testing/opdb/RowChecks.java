package org.jdnn.testing.opdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;

/**
 * The generic checks every row gets, run on the thread's default device (the tests set it from
 * their device parameter). Each throws an AssertionError naming the row, sample, dtype and device.
 */
public final class RowChecks {
  private RowChecks() {}

  /** Every sample in every dtype against the float64 reference; result shape, dtype and device; inputs untouched. */
  public static <P> void forward(OpInfo<P> row) {
    Device d = Device.defaultDevice();
    for (DType dt : row.dtypes) {
      for (Sample<P> s : row.samples()) {
        String what = row.name + " [" + s.label + "] " + dt + " on " + d;
        try (TensorScope scope = new TensorScope()) {
          Tensor[] in = make(s, dt);
          Tensor out = row.call.apply(in, s.params);
          Expected e = row.reference.apply(s, referenceInputs(s, dt));
          assertArrayEquals(e.shape, out.shape(), what + ": shape");
          assertEquals(e.dtype != null ? e.dtype : dt, out.dtype(), what + ": dtype");
          assertSame(d, out.device(), what + ": device");
          Tol tol = e.dtype != null && !e.dtype.isFloatingPoint() ? Tol.exact() : row.forwardTol(dt);
          tol.assertClose(e.values, e.scale, TensorValues.of(out), what);
          for (int i = 0; i < in.length; i++) {
            assertTrue(Arrays.equals(s.inputs.get(i).valuesIn(in[i].dtype()), TensorValues.of(in[i])),
                what + ": input " + i + " was modified");
          }
        }
      }
    }
  }

  /**
   * Float64 gradients of every small sample against central differences (GradCheck), counting the
   * checked elements; then, per differentiable input, that a gradient reaches exactly the inputs
   * that require one. Rows without gradients: the result is not recorded, or backward throws.
   */
  public static <P> void gradients(OpInfo<P> row) {
    switch (row.backward) {
      case NOT_RECORDED:
        for (DType dt : floatTypes(row)) for (Sample<P> s : row.samples()) notRecorded(row, s, dt);
        return;
      case THROWS:
        for (Sample<P> s : row.samples()) backwardThrows(row, s);
        return;
      default:
        int checked = 0;
        for (Sample<P> s : row.samples()) {
          if (!s.gradcheck || !row.hasDifferentiableInput(s)) continue;
          gradCheck(row, s);
          onlyRequiredInputsGetGradients(row, s);
          checked++;
        }
        assertTrue(checked > 0, row.name + ": no sample small enough to check gradients");
    }
  }

  private static List<DType> floatTypes(OpInfo<?> row) {
    List<DType> out = new ArrayList<>();
    for (DType dt : row.dtypes) if (dt.isFloatingPoint()) out.add(dt);
    return out;
  }

  private static <P> void gradCheck(OpInfo<P> row, Sample<P> s) {
    String what = row.name + " [" + s.label + "] on " + Device.defaultDevice();
    try (TensorScope scope = new TensorScope()) {
      Tensor[] all = make(s, DType.FLOAT64);
      int[] diff = differentiable(s);
      Tensor[] checked = new Tensor[diff.length];
      long elements = 0;
      for (int k = 0; k < diff.length; k++) {
        checked[k] = all[diff[k]];
        elements += checked[k].numel();
      }
      GradCheck.Result r = GradCheck.check(varied -> {
        Tensor[] args = all.clone();
        for (int k = 0; k < diff.length; k++) args[diff[k]] = varied[k];
        return row.call.apply(args, s.params);
      }, List.of(), row.gradStep, checked);
      assertTrue(r.within(row.gradTol.atol, row.gradTol.rtol), what + ": " + r);
      assertEquals(elements, r.elementsChecked, what + ": elements checked");
    }
  }

  private static <P> void onlyRequiredInputsGetGradients(OpInfo<P> row, Sample<P> s) {
    for (int j : differentiable(s)) {
      String what = row.name + " [" + s.label + "] with only input " + j + " requiring a gradient";
      try (TensorScope scope = new TensorScope()) {
        Tensor[] in = make(s, DType.FLOAT64);
        in[j].requiresGrad(true);
        row.call.apply(in, s.params).sum().backward();
        for (int i = 0; i < in.length; i++) {
          if (i == j) {
            assertNotNull(in[i].grad(), what + ": no gradient");
            assertArrayEquals(in[i].shape(), in[i].grad().shape(), what + ": gradient shape");
          } else {
            assertNull(in[i].grad(), what + ": input " + i + " got a gradient");
          }
        }
      }
    }
  }

  private static <P> void notRecorded(OpInfo<P> row, Sample<P> s, DType dt) {
    try (TensorScope scope = new TensorScope()) {
      Tensor[] in = make(s, dt);
      for (Tensor t : in) if (t.dtype().isFloatingPoint()) t.requiresGrad(true);
      Tensor out = row.call.apply(in, s.params);
      assertFalse(out.requiresGrad(), row.name + " [" + s.label + "] " + dt + ": the result must not be recorded");
    }
  }

  private static <P> void backwardThrows(OpInfo<P> row, Sample<P> s) {
    try (TensorScope scope = new TensorScope()) {
      Tensor[] in = make(s, DType.FLOAT64);
      for (int j : differentiable(s)) in[j].requiresGrad(true);
      Tensor loss = row.call.apply(in, s.params).sum();
      assertTrue(loss.requiresGrad(), row.name + ": the result is recorded");
      RuntimeException e = assertThrows(row.backwardError, loss::backward, row.name + " [" + s.label + "]");
      assertTrue(e.getMessage().contains(row.backwardMessage), row.name + ": message lacks '" + row.backwardMessage
          + "': " + e.getMessage());
      assertTrue(GradMode.isEnabled(), row.name + ": grad mode restored after the failed backward");
    }
  }

  /**
   * The default device against the CPU on the same inputs: results within the parity tolerance,
   * and, for differentiable rows, the gradients of one fixed upstream gradient.
   */
  public static <P> void parity(OpInfo<P> row) {
    Device d = Device.defaultDevice();
    Device cpu = Device.cpu();
    for (DType dt : row.dtypes) {
      Tol tol = parityTol(row, dt, d);
      for (Sample<P> s : row.samples()) {
        String what = row.name + " [" + s.label + "] " + dt + ": " + d + " against cpu";
        try (TensorScope scope = new TensorScope()) {
          boolean grads = row.backward == OpInfo.Backward.GRADIENTS && dt.isFloatingPoint() && row.hasDifferentiableInput(s);
          Tensor[] onCpu, onDevice;
          Tensor outCpu, outDevice;
          try (Device.DefaultScope u = Device.useDefault(cpu)) {
            onCpu = make(s, dt);
            if (grads) for (int j : differentiable(s)) onCpu[j].requiresGrad(true);
            outCpu = row.call.apply(onCpu, s.params);
          }
          onDevice = make(s, dt);
          if (grads) for (int j : differentiable(s)) onDevice[j].requiresGrad(true);
          outDevice = row.call.apply(onDevice, s.params);
          assertSame(d, outDevice.device(), what + ": device");
          assertArrayEquals(outCpu.shape(), outDevice.shape(), what + ": shape");
          assertEquals(outCpu.dtype(), outDevice.dtype(), what + ": dtype");
          Tol outTol = outCpu.dtype().isFloatingPoint() ? tol : Tol.exact();
          double[] expected = TensorValues.of(outCpu);
          outTol.assertClose(expected, parityScale(row, expected), TensorValues.of(outDevice), what);
          if (!grads) continue;
          double[] g = upstream(outCpu.numel());
          outCpu.backward(TensorValues.make(g, dt, outCpu.shape()).to(cpu));
          outDevice.backward(TensorValues.make(g, dt, outDevice.shape()));
          for (int j : differentiable(s)) {
            double[] grad = TensorValues.of(onCpu[j].grad());
            tol.assertClose(grad, parityScale(row, grad), TensorValues.of(onDevice[j].grad()),
                what + ": gradient of input " + j);
          }
        }
      }
    }
  }

  /** Tolerances of cpu-versus-device comparisons: float64 near exact; float32 sums differ in order. */
  static Tol parityTol(OpInfo<?> row, DType dt, Device d) {
    Tol own = row.parityTol.get(dt);
    if (own != null) return own;
    if (dt == DType.FLOAT64) return Tol.of(1e-10, 1e-10);
    if (!dt.isFloatingPoint()) return Tol.exact();
    return d == Device.cudaEmulated() ? Tol.of(2e-5, 2e-5) : Tol.of(1e-4, 1e-4);
  }

  /** Per-element scale for a parity comparison: null (each element's own) or the tensor's largest magnitude. */
  private static double[] parityScale(OpInfo<?> row, double[] expected) {
    if (!row.parityNormwise) return null;
    double max = 0;
    for (double v : expected) if (Double.isFinite(v)) max = Math.max(max, Math.abs(v));
    double[] scale = new double[expected.length];
    java.util.Arrays.fill(scale, max);
    return scale;
  }

  // Fixed pseudo-random upstream gradient in [0.5, 1.5), so every output element matters.
  private static double[] upstream(long n) {
    Random r = new Random(n * 31 + 7);
    double[] g = new double[Math.toIntExact(n)];
    for (int i = 0; i < g.length; i++) g[i] = 0.5 + r.nextDouble();
    return g;
  }

  /**
   * The row's error inputs, then three refusals every row gets: a closed input (each in turn) throws
   * IllegalStateException naming "closed"; an input on another device throws
   * IllegalArgumentException naming both devices; an integer tensor where the op computes in float
   * throws IllegalArgumentException naming the op and "int32".
   */
  public static <P> void errors(OpInfo<P> row) {
    Device d = Device.defaultDevice();
    DType dt = row.dtypes.get(0);
    for (ErrorInput<P> err : row.errors) {
      try (TensorScope scope = new TensorScope()) {
        Tensor[] in = make(err.sample, dt);
        String[] fragments = err.fragments.stream().map(f -> f.replace("{device}", d.toString())).toArray(String[]::new);
        expectRefusal(row, err.label, err.type, () -> row.call.apply(in, err.sample.params), fragments);
      }
    }
    Sample<P> s = row.samples().get(0);
    for (int i = 0; i < s.inputs.size(); i++) {
      try (TensorScope scope = new TensorScope()) {
        Tensor[] in = make(s, dt);
        in[i].close();
        expectRefusal(row, "input " + i + " closed", IllegalStateException.class, () -> row.call.apply(in, s.params),
            "closed");
      }
    }
    Device other = TestDevice.other(d);
    for (int i = 1; i < s.inputs.size(); i++) {
      try (TensorScope scope = new TensorScope()) {
        Tensor[] in = make(s, dt);
        in[i] = in[i].to(other);
        expectRefusal(row, "input " + i + " on " + other, IllegalArgumentException.class,
            () -> row.call.apply(in, s.params), "different devices", d.toString(), other.toString());
      }
    }
    if (row.promotes && !row.dtypes.contains(DType.INT32) && !s.inputs.isEmpty() && s.inputs.get(0).dtype == null) {
      try (TensorScope scope = new TensorScope()) {  // an int32 first input computes as its float values
        Tensor[] in = make(s, dt);
        Tensor[] ints = in.clone();
        ints[0] = s.inputs.get(0).as(DType.INT32).make(DType.INT32);
        in[0] = ints[0].to(dt);
        Tensor want = row.call.apply(in, s.params), got = row.call.apply(ints, s.params);
        assertEquals(want.dtype(), got.dtype(), row.name + " with an int32 input 0: promoted dtype");
        assertArrayEquals(want.to(DType.FLOAT64).toDoubleArray(), got.to(DType.FLOAT64).toDoubleArray(), 0.0,
            row.name + " with an int32 input 0: values");
      }
    } else if (!row.dtypes.contains(DType.INT32) && !s.inputs.isEmpty() && s.inputs.get(0).dtype == null) {
      try (TensorScope scope = new TensorScope()) {
        Tensor[] in = make(s, dt);
        in[0] = s.inputs.get(0).as(DType.INT32).make(DType.INT32);
        List<String> fragments = new ArrayList<>(List.of("int32"));
        if (row.messageName != null) fragments.add(0, row.messageName);
        expectRefusal(row, "int32 input 0", IllegalArgumentException.class, () -> row.call.apply(in, s.params),
            fragments.toArray(new String[0]));
      }
    }
  }

  /**
   * The call, then the device's {@link Device#checkErrors()}, throws {@code type} naming every fragment. On a GPU an
   * error in the data (a label or index out of range) is found by the op's kernels and raised by that check, where
   * the caller's name the op would have put first (the row's message name, such as "CrossEntropyLoss") is no
   * longer known: such a message must say where it was raised instead.
   */
  private static void expectRefusal(OpInfo<?> row, String label, Class<? extends RuntimeException> type,
      Runnable call, String... fragments) {
    Device d = Device.defaultDevice();
    String what = row.name + " [" + label + "] on " + d;
    RuntimeException e = assertThrows(type, () -> {
      call.run();
      d.checkErrors();
    }, what);
    String m = String.valueOf(e.getMessage());
    boolean later = d.isCuda() && m.contains("raised at the next synchronization: Device.checkErrors()");
    for (String f : fragments) {
      if (later && f.equals(row.messageName)) continue;
      assertTrue(m.contains(f), what + ": message lacks '" + f + "': " + m);
    }
  }

  /** The sample's tensors in {@code dt} on the default device. */
  static Tensor[] make(Sample<?> s, DType dt) {
    Tensor[] out = new Tensor[s.inputs.size()];
    for (int i = 0; i < out.length; i++) out[i] = s.inputs.get(i).make(dt);
    return out;
  }

  static double[][] referenceInputs(Sample<?> s, DType dt) {
    double[][] out = new double[s.inputs.size()][];
    for (int i = 0; i < out.length; i++) out[i] = s.inputs.get(i).valuesIn(s.inputs.get(i).dtypeIn(dt));
    return out;
  }

  private static int[] differentiable(Sample<?> s) {
    return java.util.stream.IntStream.range(0, s.inputs.size()).filter(i -> s.inputs.get(i).differentiable).toArray();
  }
}
