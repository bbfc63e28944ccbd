package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jdnn.nn.Linear;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A closed optimizer refuses to step or touch its state, so it can neither rebuild (and leak) state nor train on. */
class OptimizerClosedTest {
  private static void backward(Linear layer) {
    try (TensorScope s = new TensorScope()) {
      layer.forward(Tensor.of(new float[] {1, 2, 3}, 1, 3)).square().sum().backward();
    }
  }

  private static void assertClosed(String name, Executable e) {
    IllegalStateException ex = assertThrows(IllegalStateException.class, e);
    assertTrue(ex.getMessage().startsWith(name + " is closed"), ex.getMessage());
  }

  @Test
  void everyOptimizerRefusesUseAfterCloseAndAllocatesNothing() {
    try (Linear layer = new Linear(3, 2, true, new Generator(1))) {
      List<Optimizer> optimizers = List.of(new SGD(layer.parameters(), 0.1).momentum(0.9), new Adam(layer.parameters(), 0.1),
          new AdamW(layer.parameters(), 0.1), new AdaGrad(layer.parameters(), 0.1), new RMSProp(layer.parameters(), 0.1));
      for (Optimizer o : optimizers) {
        backward(layer);
        o.step();
        Map<String, Tensor> saved = o.stateTensors();
        Map<String, Object> scalars = o.stateScalars();
        assertTrue(!saved.isEmpty(), o.name() + " keeps state");
        o.close();
        o.close(); // closing twice is harmless
        long before = Device.cpu().bytesInUse();
        float[] weight = layer.parameters().get(0).toFloatArray();
        String name = o.getClass().getSimpleName();
        assertClosed(name, o::step);
        assertClosed(name, o::zeroGrad);
        assertClosed(name, o::stateTensors);
        assertClosed(name, o::stateScalars);
        assertClosed(name, () -> o.loadState(Map.of(), scalars));
        assertEquals(before, Device.cpu().bytesInUse(), name + ": no state rebuilt after close");
        assertArrayEquals(weight, layer.parameters().get(0).toFloatArray(), name + ": parameters untouched");
        layer.parameters().forEach(Tensor::clearGrad);
      }
    }
  }
}
