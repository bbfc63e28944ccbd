package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Softmax;
import org.jdnn.optim.Adam;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * OverfitCheck: a working classifier memorizes 8 samples below the threshold; the classic bug of
 * feeding probabilities to a loss that expects logits cannot and fails with the message that says
 * so; a learning rate that diverges says to lower it; the model and optimizer come back bit for bit.
 */
@EveryDevice
class OverfitCheckTest {
  private static final float[] X = {
      0.9f, -0.2f, 0.1f, 0.4f, -0.7f, 0.3f, 0.2f, -0.5f, 0.1f, 0.8f, -0.3f, 0.6f, -0.4f, -0.9f, 0.7f, 0.2f,
      0.5f, 0.5f, -0.6f, -0.1f, -0.2f, 0.1f, 0.9f, -0.8f, 0.3f, -0.6f, -0.4f, 0.7f, -0.9f, 0.2f, 0.5f, 0.1f};
  private static final long[] LABELS = {0, 1, 2, 1, 0, 2, 1, 0};

  @Test
  void aWorkingModelMemorizesOneBatchAndComesBackUnchanged() {
    Generator.manualSeed(15);
    try (Sequential net = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
        Adam adam = new Adam(net.parameters(), 0.05); TensorScope s = new TensorScope()) {
      Map<String, Object> before = StateBits.of(net, adam);
      OverfitResult r = OverfitCheck.run(net, adam, new CrossEntropyLoss(), Tensor.of(X, 8, 4), Tensor.ofLongs(LABELS, 8), 150, 0.01);
      assertTrue(r.passed(), r.message());
      assertEquals(151, r.losses().length);
      assertTrue(r.initialLoss() > 0.5 && r.finalLoss() < 0.01, r.message());
      assertTrue(r.message().startsWith("OverfitCheck passed: the loss went from "), r.message());
      assertEquals(r, r.requirePassed());
      assertEquals(before, StateBits.of(net, adam));
    }
  }

  @Test
  void probabilitiesFedToCrossEntropyCannotOverfitAndTheMessageSaysWhereToLook() {
    Generator.manualSeed(15);
    try (Sequential net = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3), new Softmax());
        Adam adam = new Adam(net.parameters(), 0.05); TensorScope s = new TensorScope()) {
      // softmax then cross-entropy's own log-softmax: at best -log(e / (e + 2)) = log(1 + 2/e) = 0.551
      OverfitResult r = OverfitCheck.run(net, adam, new CrossEntropyLoss(), Tensor.of(X, 8, 4), Tensor.ofLongs(LABELS, 8), 150, 0.01);
      assertFalse(r.passed());
      assertTrue(r.finalLoss() > Math.log(1 + 2 / Math.E) - 1e-6, r.message());
      assertTrue(r.message().startsWith("OverfitCheck failed: the loss went from "), r.message());
      assertTrue(r.message().contains("logits for CrossEntropyLoss"), r.message());
      IllegalStateException e = assertThrows(IllegalStateException.class, r::requirePassed);
      assertEquals(r.message(), e.getMessage());
    }
  }

  @Test
  void aDivergingRateStopsAtTheFirstNonFiniteLossAndSaysToLowerIt() {
    Generator.manualSeed(16);
    try (Sequential net = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
        SGD sgd = new SGD(net.parameters(), 1e6); TensorScope s = new TensorScope()) {
      OverfitResult r = OverfitCheck.run(net, sgd, new CrossEntropyLoss(), Tensor.of(X, 8, 4), Tensor.ofLongs(LABELS, 8), 100, 0.01);
      assertFalse(r.passed());
      assertFalse(Double.isFinite(r.finalLoss()), r.message());
      assertTrue(r.losses().length < 101);
      assertTrue(r.message().contains("training diverged; lower the learning rate"), r.message());
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
          () -> OverfitCheck.run(net, sgd, new CrossEntropyLoss(), Tensor.of(X, 8, 4), Tensor.ofLongs(LABELS, 8), 0, 0.01));
      assertEquals("OverfitCheck.run: steps must be at least 1, got 0", bad.getMessage());
    }
  }
}
