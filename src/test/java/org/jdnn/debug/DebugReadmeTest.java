package org.jdnn.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.Loss;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's "Debugging tools" code, compiled and run here on random data (keep the two in step). */
class DebugReadmeTest {
  @TempDir Path dir;

  @Test
  void readmeDebuggingToolsCodeRuns() throws Exception {
    int n = 16;
    Generator.manualSeed(11);  // the layers' initial weights: the overfit check's margin must not depend on test order
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, n, 4);
      new Generator(3).uniform(x, -1, 1);
      int[] l = new int[n];
      for (int i = 0; i < n; i++) l[i] = i % 3;
      Tensor y = Tensor.ofInts(l, n);
      Tensor batch = x;
      Sequential model = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 3));
      Optimizer optimizer = new Adam(model.parameters(), 0.03);
      Loss loss = new CrossEntropyLoss();
      Trainer trainer = new Trainer(model, optimizer, loss).epochs(2).batchSize(8).messages(null);
      ArrayDataset train = ArrayDataset.of(x.copy(), y.copy());
      Path grads = dir.resolve("grads.png");
      Path lrPng = dir.resolve("lr.png");

      // ---- README code from here (file names moved into the temporary folder)
      for (LayerActivations a : ActivationStats.of(model, batch))       // mean, std, zero and dead-unit fractions
        System.out.println(a);
      GradientMonitor monitor = new GradientMonitor().perLayer(true).savePngAtEnd(grads, 900, 400);
      trainer.callbacks(monitor);                                       // gradient norm and update/weight ratio per step
      LrRangeResult r = new LrRangeTest(model, optimizer, loss).rates(1e-5, 1).steps(200).run(train);
      r.savePng(lrPng, 800, 500);                                        // model and optimizer restored afterwards
      double lr = r.suggestedRate();                                     // the rate at the lowest smoothed loss / 10
      OverfitCheck.run(model, optimizer, loss, x, y, 200, 0.05).requirePassed();
      new ModelGradCheck(loss).check(model, x, y).requirePassed(1e-5);   // central differences in float64
      // ---- to here

      List<LayerActivations> stats = ActivationStats.of(model, batch);
      assertEquals(3, stats.size(), "one entry per leaf layer: " + stats);
      assertTrue(lr > 0 && lr < 1, "suggested rate " + lr);
      trainer.fit(train, null);
      monitor.close();
      assertTrue(Files.size(grads) > 0 && Files.size(lrPng) > 0, "both pictures written");
      assertEquals(4, monitor.steps().length, "2 epochs of 2 batches");
      train.close();
    }
  }
}
