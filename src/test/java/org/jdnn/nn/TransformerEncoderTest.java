package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * TransformerEncoder as nn.TransformerEncoder defines it: every block in turn with the same masks,
 * then the optional final norm; a key padding mask keeps padded positions out of every other
 * position's output; gradients, parity, hooks on the blocks and the refusals.
 */
class TransformerEncoderTest {
  private static final int N = 2, L = 4, D = 6, H = 2, FF = 7;

  private static TransformerEncoderLayer block(boolean normFirst) {
    return new TransformerEncoderLayer(D, H, FF, 0.0, "gelu", 1e-5, true, normFirst, true);
  }

  private static TransformerEncoder stack(boolean withNorm) {
    return new TransformerEncoder(i -> block(i % 2 == 1), 2, withNorm ? new LayerNorm(new long[] {D}, 1e-5, true, true) : null);
  }

  @Test
  void runsEveryBlockWithTheSameMasksThenTheNorm() {
    for (boolean withNorm : new boolean[] {false, true}) {
      try (TransformerEncoder enc = stack(withNorm); TensorScope s = new TensorScope()) {
        enc.to(DType.FLOAT64);
        LayerChecks.randomizeParameters(enc, 3);
        enc.eval();
        Tensor x = LayerChecks.input(4, N, L, D);
        byte[] causal = new byte[L * L];
        for (int i = 0; i < L; i++) for (int j = i + 1; j < L; j++) causal[i * L + j] = 1;  // nonzero: not allowed
        Tensor mask = Tensor.ofBytes(causal, L, L);
        Tensor padding = Tensor.ofBytes(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}, N, L);
        Tensor want = enc.block(0).forward(x, mask, padding);
        want = enc.block(1).forward(want, mask, padding);
        if (withNorm) want = enc.norm().forward(want);
        assertAllClose(want.toDoubleArray(), enc.forward(x, mask, padding).toDoubleArray(), 0, 0, enc.describe());
        Tensor plain = enc.block(1).forward(enc.block(0).forward(x));
        assertAllClose((withNorm ? enc.norm().forward(plain) : plain).toDoubleArray(), enc.forward(x).toDoubleArray(), 0, 0,
            enc.describe() + " without masks");
      }
    }
  }

  @Test
  void aPaddedPositionReachesNoOtherPositionThroughTheStack() {
    try (TransformerEncoder enc = stack(true); TensorScope s = new TensorScope()) {
      enc.to(DType.FLOAT64);
      LayerChecks.randomizeParameters(enc, 5);
      enc.eval();
      double[] v = LayerChecks.values(6, N * L * D);
      Tensor padding = Tensor.ofBytes(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}, N, L);  // sample 0's last position
      double[] before = enc.forward(Tensor.of(v, N, L, D), null, padding).toDoubleArray();
      for (int e = 0; e < D; e++) v[(L - 1) * D + e] += 5 + e;  // change only the padded token
      double[] after = enc.forward(Tensor.of(v, N, L, D), null, padding).toDoubleArray();
      for (int i = 0; i < N * L * D; i++) {
        boolean padded = i / D == L - 1;
        if (!padded) assertEquals(before[i], after[i], 0.0, "element " + i + " must not see the padded token");
      }
      boolean paddedChanged = false;
      for (int e = 0; e < D; e++) paddedChanged |= before[(L - 1) * D + e] != after[(L - 1) * D + e];
      assertTrue(paddedChanged, "the padded position's own output follows its input (the test changed something)");
    }
  }

  @Test
  void gradientsMatchCentralDifferencesAndDevicesAgree() {
    try (TransformerEncoder enc = stack(true); TensorScope s = new TensorScope()) {
      enc.eval();
      LayerChecks.gradCheck(enc, LayerChecks.input(8, N, L, D).requiresGrad(true));
    }
    LayerChecks.parity(() -> stack(true), N, L, D);
  }

  @Test
  void hooksOnTheBlocksRun() {
    try (TransformerEncoder enc = stack(false); TensorScope s = new TensorScope()) {
      List<long[]> seen = new ArrayList<>();
      try (HookHandle h = enc.block(1).registerForwardHook((layer, in, out) -> {
        seen.add(out.shape());
        return null;
      })) {
        enc.forward(LayerChecks.input(9, N, L, D).to(DType.FLOAT32), null, null);
      }
      assertEquals(1, seen.size(), "block 1's forward hook runs once per forward of the stack");
    }
  }

  @Test
  void childrenAndAccessors() {
    try (TransformerEncoder enc = stack(true); TransformerEncoder bare = stack(false)) {
      assertEquals(List.of("layers", "norm"), new ArrayList<>(enc.children().keySet()));
      assertEquals(List.of("layers"), new ArrayList<>(bare.children().keySet()));
      assertEquals(2, enc.numLayers());
      assertSame(((Sequential) enc.children().get("layers")).get(1), enc.block(1));
      assertTrue(enc.block(1).isNormFirst());
      assertFalse(enc.block(0).isNormFirst());
      assertNull(bare.norm());
      assertTrue(enc.flops(new long[] {L, D}, new long[] {L, D}) > enc.block(0).flops(new long[] {L, D}, new long[] {L, D}));
    }
  }

  @Test
  void refusesStacksThatDoNotFit() {
    assertMessage(() -> new TransformerEncoder(i -> block(false), 0, null), "TransformerEncoder: num_layers must be at least 1",
        "0");
    assertMessage(() -> new TransformerEncoder(null, 2, null), "TransformerEncoder: the layer factory is null");
    List<TransformerEncoderLayer> made = new ArrayList<>();
    assertMessage(() -> new TransformerEncoder(i -> {
      TransformerEncoderLayer t = i == 0 ? block(false) : new TransformerEncoderLayer(8, 2, FF, 0.0, "relu", 1e-5, true, false, true);
      made.add(t);
      return t;
    }, 2, null), "TransformerEncoder(2 x ", "every layer must have layer 0's d_model 6", "d_model=8");
    for (TransformerEncoderLayer t : made) {
      assertTrue(t.namedParameters().get("linear1.weight").isClosed(), "a refused stack closes the blocks its factory made");
    }
    try (TransformerEncoderLayer one = block(false)) {
      assertMessage(() -> new TransformerEncoder(List.of(one, one), null), "TransformerEncoder(2 x ",
          "layer 1 is the same object as an earlier one",
          "make each block separately");
      assertFalse(one.namedParameters().get("linear1.weight").isClosed(), "a refused list stays the caller's");
      try (LayerNorm wrong = new LayerNorm(new long[] {5}, 1e-5, true, true)) {
        assertMessage(() -> new TransformerEncoder(List.of(one), wrong), "TransformerEncoder(1 x ",
            "the final norm must normalize over d_model, [6]",
            "[5]");
      }
      try (TransformerEncoderLayer sequenceFirst = new TransformerEncoderLayer(D, H, FF, 0.0, "gelu", 1e-5, false, false, true)) {
        assertMessage(() -> new TransformerEncoder(List.of(one, sequenceFirst), null), "TransformerEncoder(2 x ",
            "batch-first layout", "sequence first");
      }
    }
    assertMessage(() -> new TransformerEncoder(List.of(), null), "TransformerEncoder(0 x ?)",
        "needs at least one TransformerEncoderLayer");
    try (TransformerEncoder enc = stack(false); TensorScope s = new TensorScope()) {
      assertThrows(IllegalArgumentException.class, () -> enc.forward(Tensor.zeros(N, L, D + 1)));
      ((Sequential) enc.children().get("layers")).replaceChild("1", new Identity()).close();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> enc.forward(Tensor.zeros(N, L, D)));
      assertTrue(e.getMessage().contains("block 1 was replaced by") && e.getMessage().contains("not a TransformerEncoderLayer"),
          e.getMessage());
    }
  }
}
