package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class ConcurrentInferenceTest {
  @Test
  void eightThreadsSharingOneEvalModelGetTheSingleThreadedResults() throws Exception {
    Generator.manualSeed(3);
    try (Layer model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10))) {
      model.eval();
      int inputs = 32;
      float[][] expected = new float[inputs][];
      for (int i = 0; i < inputs; i++) expected[i] = predict(model, i);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<float[][]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(pool.submit(() -> {
            float[][] got = new float[inputs][];
            for (int round = 0; round < 5; round++) {
              for (int i = 0; i < inputs; i++) got[i] = predict(model, i);
            }
            return got;
          }));
        }
        for (Future<float[][]> f : results) {
          float[][] got = f.get();
          for (int i = 0; i < inputs; i++) assertArrayEquals(expected[i], got[i], 0f, "input " + i);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static float[] predict(Layer model, int seed) {
    float[] x = new float[4 * 64];
    for (int j = 0; j < x.length; j++) x[j] = (float) Math.sin(seed * 131 + j * 0.37);
    try (GradMode.Guard g = GradMode.disable(); TensorScope s = new TensorScope()) {
      return model.forward(Tensor.of(x, 4, 64)).softmax().toFloatArray();
    }
  }
}
