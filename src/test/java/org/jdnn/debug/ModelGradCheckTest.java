package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.MSELoss;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.Autograd;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * ModelGradCheck: a correct model passes with float64 errors far below the tolerance, a layer with
 * a planted wrong backward makes the parameters below it fail (and only those), the model is left
 * untouched, and dropout in training mode or an uncopyable model is refused with the fix.
 */
@EveryDevice
class ModelGradCheckTest {
  /** y = x^2 whose backward forgets the factor 2: the planted bug. */
  static final class BrokenSquare extends Layer {
    @Override
    public Tensor forward(Tensor x) {
      Tensor y = x.mul(x).detach();
      return Autograd.record("broken square", y, g -> new Tensor[] {g.mul(x)}, x);
    }
  }

  private static Tensor inputs(int rows, int cols, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return Tensor.of(v, rows, cols);
  }

  private static Map<String, String> bits(Layer model) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) out.put(e.getKey(), StateBits.bits(e.getValue()));
    for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) out.put(e.getKey(), StateBits.bits(e.getValue()));
    return out;
  }

  @Test
  void aCorrectModelPassesAndIsLeftUntouched() {
    Generator.manualSeed(12);
    try (Sequential net = new Sequential(new Linear(5, 6), new BatchNorm1d(6), new Tanh(), new Linear(6, 4), new Sigmoid(),
        new Linear(4, 3)); TensorScope s = new TensorScope()) {
      Map<String, String> before = bits(net);
      long offset = Generator.global().offset();
      Tensor x = inputs(6, 5, 1);
      Tensor labels = Tensor.ofLongs(new long[] {0, 2, 1, 1, 0, 2}, 6);
      long bytes = net.device().bytesInUse(), cpuBytes = Device.cpu().bytesInUse();
      ModelGradReport r = new ModelGradCheck(new CrossEntropyLoss()).samplesPerParameter(8).check(net, x, labels);
      assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"),
          r.parameters().stream().map(ParamGradError::name).toList());
      assertTrue(r.passed(1e-5), r.toString());
      assertEquals(8, r.parameters().get(0).checked(), "a sample of a 30-element weight");
      assertEquals(3, r.parameters().get(7).checked(), "every element of a 3-element bias");
      assertEquals(offset, Generator.global().offset());
      assertEquals(bytes, net.device().bytesInUse(), "the check's tensors live in its own scopes");
      assertEquals(cpuBytes, Device.cpu().bytesInUse(), "the float64 copy on the CPU is freed");
      // after the byte counts: reading the bits makes host copies in this scope
      assertEquals(before, bits(net), "the model's parameters and buffers are not changed");
    }
  }

  @Test
  void aPlantedWrongBackwardFailsTheParametersBelowIt() {
    Generator.manualSeed(13);
    try (Sequential net = new Sequential(new Linear(3, 4), new BrokenSquare(), new Linear(4, 2));
        TensorScope s = new TensorScope()) {
      ModelGradReport r = new ModelGradCheck(new MSELoss())
          .architecture(() -> new Sequential(new Linear(3, 4), new BrokenSquare(), new Linear(4, 2)))
          .check(net, inputs(5, 3, 2), inputs(5, 2, 3));
      assertFalse(r.passed(1e-5), r.toString());
      Map<String, ParamGradError> by = new LinkedHashMap<>();
      for (ParamGradError p : r.parameters()) by.put(p.name(), p);
      // half the true derivative: a relative error of 1/2 wherever the gradient is not 0
      assertEquals(0.5, by.get("0.weight").relativeError(), 1e-6, r.toString());
      assertEquals(0.5, by.get("0.bias").relativeError(), 1e-6, r.toString());
      assertTrue(by.get("2.weight").relativeError() < 1e-5, "above the bug the gradient is right: " + r);
      assertTrue(by.get("2.bias").relativeError() < 1e-5, r.toString());
      assertTrue(r.worst().name().startsWith("0."), "the worst parameter is below the bug: " + r.worst());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.requirePassed(1e-5));
      assertTrue(e.getMessage().contains("0.weight") && e.getMessage().contains("0.bias") && !e.getMessage().contains("2.weight"),
          e.getMessage());
    }
  }

  @Test
  void trainingDropoutAndAnUncopyableModelAreRefusedWithTheFix() {
    Generator.manualSeed(14);
    try (Sequential net = new Sequential(new Linear(3, 4), new Dropout(0.5), new Linear(4, 2));
        Sequential custom = new Sequential(new Linear(3, 3), new BrokenSquare());
        TensorScope s = new TensorScope()) {
      ModelGradCheck check = new ModelGradCheck(new MSELoss());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> check.check(net, inputs(2, 3, 1), inputs(2, 2, 1)));
      assertEquals("ModelGradCheck: Dropout(p=0.5) at '1' is in training mode, so every pass draws a new mask and the finite"
          + " differences measure the masks; call model.eval() first", e.getMessage());
      net.eval();
      assertTrue(check.check(net, inputs(2, 3, 1), inputs(2, 2, 1)).passed(1e-5));
      IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
          () -> check.check(custom, inputs(2, 3, 1), inputs(2, 3, 1)));
      assertTrue(c.getMessage().contains("architecture(() -> new YourModel(...))"), c.getMessage());
      IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> new ModelGradCheck(new MSELoss())
          .architecture(() -> new Sequential(new Linear(3, 2), new BrokenSquare())).check(custom, inputs(2, 3, 1), inputs(2, 3, 1)));
      assertTrue(shapes.getMessage().startsWith("ModelGradCheck: parameter '0.weight' is"), shapes.getMessage());
    }
  }
}
