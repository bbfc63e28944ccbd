package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.HookHandle;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Trainer runs its model through Layer.call: hooks see every training step, evaluation and
 * prediction; hooks that only read leave a fit bit-identical; a CUDA-graph fit refuses a hooked
 * model before training anything.
 */
class TrainerHooksTest {
  private static List<float[]> fit(boolean hooked, int[] calls) {
    Generator.manualSeed(31);
    try (ArrayDataset train = TrainerTestData.blobs(40, 2); Layer model = TrainerTestData.mlp();
        Adam adam = new Adam(model.parameters(), 0.01)) {
      if (hooked) {
        for (Layer l : model.children().values()) {
          l.registerForwardHook((m, in, out) -> {
            calls[0]++;
            return null;
          });
          l.registerBackwardHook((m, g) -> {
            calls[1]++;
            return null;
          });
        }
      }
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(8).seed(3);
      t.fit(train, train);
      try (TensorScope s = new TensorScope()) {
        t.predict(train.features());
      }
      List<float[]> out = new ArrayList<>();
      for (Tensor p : model.parameters()) out.add(p.toFloatArray());
      return out;
    }
  }

  @Test
  void readingHooksSeeEveryPassAndLeaveTheFitBitIdentical() {
    int[] calls = new int[2];
    List<float[]> plain = fit(false, new int[2]);
    List<float[]> hooked = fit(true, calls);
    for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), hooked.get(i), "parameter " + i);
    // 3 layers x (2 epochs x (5 training + 5 validation steps) + 1 prediction) forwards; backward only in training
    assertEquals(3 * (2 * (5 + 5) + 1), calls[0]);
    assertEquals(3 * 2 * 5, calls[1], "each layer's backward hook, once per training step");
  }

  @ParameterizedTest
  @MethodSource("org.jdnn.testing.TestDevice#accelerators")
  void aCudaGraphFitRefusesAHookedModelBeforeTraining(TestDevice testDevice) {
    Device device = testDevice.device();
    Generator.manualSeed(32);
    try (ArrayDataset train = TrainerTestData.blobs(32, 4); Layer model = TrainerTestData.mlp().to(device);
        SGD sgd = new SGD(model.parameters(), 0.1)) {
      float[] before = model.parameters().get(0).toFloatArray();
      HookHandle h = ((Sequential) model).get(1).registerForwardHook((m, in, out) -> null);
      Trainer t = new Trainer(model, sgd, new CrossEntropyLoss()).epochs(1).batchSize(8).cudaGraphs(true);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(train, null));
      assertEquals("Trainer.fit with cudaGraphs(true): layer '1' (ReLU()) has hooks, which a replayed CUDA graph would skip;"
          + " remove them (HookHandle.remove) or train without cudaGraphs", e.getMessage());
      assertArrayEquals(before, model.parameters().get(0).toFloatArray(), "nothing trained");
      h.remove();
      t.fit(train, null);
      assertTrue(t.history().epochs() == 1);
    }
  }
}
