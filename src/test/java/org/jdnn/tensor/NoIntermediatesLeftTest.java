package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jdnn.testing.EveryDevice;
import org.jdnn.testing.SettledMemory;
import org.junit.jupiter.api.Test;

/**
 * An op called outside any scope leaves no native memory behind once its result, its input and the input's gradient
 * are closed: its intermediates are freed by the op or with its graph, never left to the garbage collector (the
 * caller holds no handle to close them with). mean() and mean(dim) (a sum, then a scaled copy), softmax and
 * log-softmax with a temperature (the scaled input) and mean of a 16-bit tensor (a float32 copy and its mean) left
 * theirs until 2026-12-05.
 */
@EveryDevice
class NoIntermediatesLeftTest {
  private static Map<String, UnaryOperator<Tensor>> ops() {
    Map<String, UnaryOperator<Tensor>> ops = new LinkedHashMap<>();
    ops.put("mean()", Tensor::mean);
    ops.put("mean(1)", t -> t.mean(1, false));
    ops.put("mean({0, 1}, keep)", t -> t.mean(new int[] {0, 1}, true));
    ops.put("sum(1)", t -> t.sum(1, true));
    ops.put("var", t -> t.var(new int[] {1}, 1, false));
    ops.put("softmax(2)", t -> t.softmax(2.0));
    ops.put("logSoftmax(0.5)", t -> t.logSoftmax(0.5));
    ops.put("gelu", Tensor::gelu);
    ops.put("pad", t -> t.pad(1, 1));
    return ops;
  }

  @Test
  void withoutAGraph() {
    SettledMemory.bytesInUse(Device.defaultDevice());
    for (DType dtype : new DType[] {DType.FLOAT32, DType.BFLOAT16}) {
      for (Map.Entry<String, UnaryOperator<Tensor>> op : ops().entrySet()) {
        if (dtype.isHalf() && op.getKey().contains("oftmax")) continue;  // float32/float64 ops
        long before = Device.defaultDevice().bytesInUse();
        try (GradMode.Guard off = GradMode.disable(); Tensor x = input(dtype); Tensor y = op.getValue().apply(x)) {
          y.h();
        }
        assertEquals(before, Device.defaultDevice().bytesInUse(), op.getKey() + " on " + dtype + " left memory behind");
      }
    }
  }

  @Test
  void withAGraphAndItsBackward() {
    SettledMemory.bytesInUse(Device.defaultDevice());
    for (DType dtype : new DType[] {DType.FLOAT32, DType.BFLOAT16}) {
      for (Map.Entry<String, UnaryOperator<Tensor>> op : ops().entrySet()) {
        if (dtype.isHalf() && op.getKey().contains("oftmax")) continue;
        long before = Device.defaultDevice().bytesInUse();
        try (Tensor x = input(dtype).requiresGrad(true)) {
          try (Tensor y = op.getValue().apply(x); Tensor total = y.sum()) {
            total.backward();
          }
          x.grad().close();
        }
        assertEquals(before, Device.defaultDevice().bytesInUse(), op.getKey() + " on " + dtype + " left memory behind");
      }
    }
  }

  /**
   * The losses, composed of several ops, evaluated with recording off outside any scope (an evaluation loop's use):
   * only the loss is left, which the caller closes. Until 2026-12-05 each left its per-element
   * losses (and more) behind.
   */
  @Test
  void lossesWithoutAGraph() {
    SettledMemory.bytesInUse(Device.defaultDevice());
    try (Tensor labels = Tensor.ofLongs(new long[] {0, 3, 1}, 3); Tensor logits = input(DType.FLOAT32);
        Tensor targets = logits.sigmoid()) {
      Map<String, UnaryOperator<Tensor>> losses = new LinkedHashMap<>();
      losses.put("MSELoss", x -> new org.jdnn.loss.MSELoss().compute(x, targets));
      losses.put("HuberLoss", x -> new org.jdnn.loss.HuberLoss().compute(x, targets));
      losses.put("SmoothL1Loss", x -> new org.jdnn.loss.SmoothL1Loss().compute(x, targets));
      losses.put("BCELoss", x -> new org.jdnn.loss.BCELoss().compute(targets, targets));
      losses.put("BCEWithLogitsLoss", x -> new org.jdnn.loss.BCEWithLogitsLoss().compute(x, targets));
      losses.put("NLLLoss", x -> new org.jdnn.loss.NLLLoss().compute(x, labels));
      losses.put("CrossEntropyLoss", x -> new org.jdnn.loss.CrossEntropyLoss().compute(x, labels));
      losses.put("CrossEntropyLoss(label smoothing)",
          x -> org.jdnn.loss.CrossEntropyLoss.builder().labelSmoothing(0.1).build().compute(x, labels));
      losses.put("CrossEntropyLoss(probabilities)", x -> new org.jdnn.loss.CrossEntropyLoss().compute(x, targets));
      for (Map.Entry<String, UnaryOperator<Tensor>> loss : losses.entrySet()) {
        try (Tensor x = input(DType.FLOAT32)) {
          long before = Device.defaultDevice().bytesInUse();
          try (GradMode.Guard off = GradMode.disable()) {
            loss.getValue().apply(x).close();
          }
          assertEquals(before, Device.defaultDevice().bytesInUse(), loss.getKey() + " left memory behind");
        }
      }
    }
  }

  private static Tensor input(DType dtype) {
    float[] v = new float[12];
    for (int i = 0; i < v.length; i++) v[i] = 0.25f * i - 1;
    Tensor x = Tensor.of(v, 3, 4);
    if (dtype == DType.FLOAT32) return x;
    try (x) {
      return x.to(dtype);
    }
  }
}
