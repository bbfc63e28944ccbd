package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.OptimOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The group ops of OptimOps refuse bad groups in Java, naming the op, the tensor and the fix. */
class GroupStepRejectionsTest {
  private static void refused(Executable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String part : parts) assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.jdnn.testing.TestDevice#all")
  void badGroupsAreRefusedWithClearMessages(TestDevice testDevice) {
    try (Device.DefaultScope use = testDevice.use(); TensorScope scope = new TensorScope()) {
      Device other = TestDevice.other(testDevice.device());
      Tensor a = Tensor.zeros(3), b = Tensor.zeros(4), ga = Tensor.zeros(3), gb = Tensor.zeros(4);
      Tensor[] p = {a, b}, g = {ga, gb};
      refused(() -> OptimOps.sgdGroup(new Tensor[0], new Tensor[0], null, new boolean[0], 0.1, 0, 0, 0, false, null),
          "SGD", "at least one parameter");
      refused(() -> OptimOps.sgdGroup(p, new Tensor[] {ga, Tensor.zeros(5)}, null, new boolean[2], 0.1, 0, 0, 0, false,
          null), "SGD", "gradient 1", "does not match parameter 1", "element count");
      refused(() -> OptimOps.sgdGroup(new Tensor[] {a, Tensor.zeros(4).to(other)}, g, null, new boolean[2], 0.1, 0, 0, 0,
          false, null), "SGD", "parameter 1", "is not on the device of parameter 0", "Tensor.to(device)");
      refused(() -> OptimOps.adamGroup(new Tensor[] {a, Tensor.zeros(DType.FLOAT64, 4)}, g, g, g, null, new long[] {1, 1},
          1e-3, 0.9, 0.999, 1e-8, 0, false, null), "Adam", "parameter 1", "differs in dtype", "once per dtype");
      refused(() -> OptimOps.adamGroup(new Tensor[] {a, a}, new Tensor[] {ga, ga}, new Tensor[] {ga, ga},
          new Tensor[] {ga, ga}, null, new long[] {1, 1}, 1e-3, 0.9, 0.999, 1e-8, 0, true, null),
          "AdamW", "appears more than once");
      refused(() -> OptimOps.adagradGroup(p, g, new Tensor[] {ga}, new long[] {1, 1}, 0.1, 0, 1e-10, 0, null),
          "AdaGrad", "1 sum of squares", "for 2 parameters");
      refused(() -> OptimOps.adagradGroup(p, g, g, new long[] {1, 0}, 0.1, 0, 1e-10, 0, null),
          "AdaGrad", "step count of parameter 1", "got 0");
      refused(() -> OptimOps.rmspropGroup(p, g, new Tensor[] {ga, null}, null, null, 0.01, 0.99, 1e-8, 0, 0, null),
          "RMSProp", "square average 1 is null");
      refused(() -> OptimOps.gradNorm(new Tensor[0], Tensor.zeros(DType.FLOAT64), Tensor.zeros(DType.FLOAT64), 1, 1e-6),
          "gradNorm", "at least one gradient");
      refused(() -> OptimOps.gradNorm(new Tensor[] {ga, gb.to(other)}, Tensor.zeros(DType.FLOAT64),
          Tensor.zeros(DType.FLOAT64), 1, 1e-6), "gradNorm", "gradient 1", "not on the device");
      refused(() -> OptimOps.scaleGroup(g, Tensor.zeros(2)), "scaleGroup", "float64 one-element tensor");
    }
  }
}
