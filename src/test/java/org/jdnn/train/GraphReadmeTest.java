package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.NamedDataset;
import org.jdnn.io.ModelFile;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's "Several inputs and outputs" code, compiled and run here on random data (keep the two in step). */
class GraphReadmeTest {
  @TempDir Path dir;

  @Test
  void readmeFunctionalApiCodeRuns() throws Exception {
    int n = 64;
    try (TensorScope s = new TensorScope()) {
      Tensor images = Tensor.empty(DType.FLOAT32, n, 784);
      Tensor meta = Tensor.empty(DType.FLOAT32, n, 4);
      new Generator(1).uniform(images, 0, 1);
      new Generator(2).uniform(meta, -1, 1);
      int[] l = new int[n];
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        l[i] = i % 10;
        f[i] = l[i] == 5 || l[i] == 7 || l[i] == 9 ? 1 : 0;
      }
      Tensor labels = Tensor.ofInts(l, n);
      Tensor isFootwear = Tensor.of(f, n, 1);
      Path file = dir.resolve("multitask.safetensors");

      // ---- README code from here
      Graph model = Graph.builder()
          .input("image").input("meta")                              // named inputs
          .node("trunk", new Sequential(new Linear(784, 128), new ReLU()), "image")
          .concat("joined", 1, "trunk", "meta")                      // or add(...), or a Merge of your own
          .node("class", new Linear(128 + 4, 10), "joined")
          .node("footwear", new Linear(128 + 4, 1), "joined")
          .output("class").output("footwear")
          .build();                                                   // names checked here, shapes at the first forward
      Map<String, Tensor> out = model.forward(Map.of("image", images, "meta", meta));

      GraphTraining task = GraphTraining.of(model)
          .loss("class", new CrossEntropyLoss())                     // weight 1
          .loss("footwear", new BCEWithLogitsLoss(), 0.5)
          .metrics("class", Metric.accuracy()).metrics("footwear", Metric.accuracy());
      try (NamedDataset named = NamedDataset.of(Map.of("image", images, "meta", meta),
                                                Map.of("class", labels, "footwear", isFootwear));
           ArrayDataset train = task.pack(named);
           Adam adam = new Adam(model.parameters(), 1e-3)) {
        History h = task.trainer(adam).epochs(5).batchSize(128).fit(train, null);
        List<Double> total = h.get("loss");                        // class_loss + 0.5 footwear_loss
        List<Double> footwear = h.get("footwear_loss");
        // ---- (checks, not in README)
        assertEquals(5, total.size());
        assertEquals(h.get("class_loss").get(4) + 0.5 * footwear.get(4), total.get(4), 1e-6 * total.get(4));
        assertEquals(5, h.get("class_accuracy").size());
        // ---- README code continues
      }
      ModelFile.save(file, model);                                  // with the architecture: ModelFile.load rebuilds it
      model.close();
      // ---- README code ends
      assertEquals(List.of("class", "footwear"), List.copyOf(out.keySet()));
      assertTrue(Files.size(file) > 400_000);
    }
  }
}
