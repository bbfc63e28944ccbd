package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BooleanSupplier;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;

/** What FusedLinearReluTest and FusedConvReluTest check alike about a layer that carries the ReLU after it. */
final class FusedReluChecks {
  private FusedReluChecks() {}

  /**
   * {@code model} is (layer, ReLU): after fuseForInference the layer carries the ReLU in place, an Identity holds the
   * ReLU's slot, and the inference output equals layer.forward(x).relu() bit for bit, some outputs clipped.
   */
  static void assertFusesInPlace(Sequential model, Layer layer, BooleanSupplier fused, Tensor x) {
    double[] want;
    double[] got;
    try (GradMode.Guard g = GradMode.disable()) {
      want = values(layer.forward(x).relu());
      assertArrayEquals(want, values(model.forward(x)), 0.0);
      assertTrue(!fused.getAsBoolean(), "nothing is fused without fuseForInference");
      assertSame(model, model.fuseForInference());
      got = values(model.forward(x));
    }
    assertTrue(fused.getAsBoolean());
    assertSame(layer, model.get(0), "the layer keeps its place and its parameters");
    assertTrue(model.get(1) instanceof Identity, "the ReLU's place holds an Identity, so parameter names stay");
    assertArrayEquals(want, got, 0.0);
    int zeros = 0;
    for (double v : got) zeros += v == 0 ? 1 : 0;
    assertTrue(zeros > 0 && zeros < got.length, "the ReLU must clip some outputs and keep others");
  }

  /**
   * A fused model records the two ops when gradients are on: its recorded forward equals its inference forward, and
   * every parameter's gradient of sum(output) equals the unfused model's, with some gradient flowing through
   * {@code firstWeight}.
   */
  static void assertTrainsAsUnfused(Sequential plain, Sequential fused, Tensor x, String firstWeight) {
    double[] inference;
    try (GradMode.Guard g = GradMode.disable()) {
      inference = values(fused.forward(x));
    }
    Tensor y = fused.forward(x);
    assertArrayEquals(inference, values(y), 0.0, "recorded and inference forwards give the same values");
    y.sum().backward();
    plain.forward(x).sum().backward();
    for (String name : plain.namedParameters().keySet()) {
      double[] want = values(plain.namedParameters().get(name).grad());
      assertArrayEquals(want, values(fused.namedParameters().get(name).grad()), 0.0, name);
    }
    double norm = 0;
    for (double v : values(fused.namedParameters().get(firstWeight).grad())) norm += v * v;
    assertTrue(norm > 0, "gradients flow through the fused ReLU");
  }
}
