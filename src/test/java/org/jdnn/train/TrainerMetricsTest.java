package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.Normalizer;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** The new metrics as a Trainer logs them, and a confusion matrix filled by evaluate. */
class TrainerMetricsTest {
  @Test
  void fitLogsF1AndEvaluateFillsAConfusionMatrix() {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(96, 1); ArrayDataset val = TrainerTestData.blobs(40, 2);
        Layer model = TrainerTestData.mlp(); Adam adam = new Adam(model.parameters(), 0.02);
        TensorScope s = new TensorScope()) {
      ClassificationScore f1 = Metric.f1(Average.MACRO);
      ConfusionMatrix cm = new ConfusionMatrix();
      Trainer t = new Trainer(model, adam, new CrossEntropyLoss()).epochs(2).batchSize(16).seed(5)
          .normalizer(Normalizer.fit(train)).metrics(Metric.accuracy(), f1, cm);
      History h = t.fit(train, val);
      assertEquals(List.of("loss", "accuracy", "f1_macro", "cm_accuracy", "val_loss", "val_accuracy", "val_f1_macro",
          "val_cm_accuracy", "lr"), h.metrics());
      for (double v : h.get("val_f1_macro")) assertTrue(v >= 0 && v <= 1, "f1 in [0, 1]: " + v);
      // the matrix's accuracy is the accuracy metric's
      assertEquals(h.get("val_accuracy").get(1), h.get("val_cm_accuracy").get(1), 1e-12);
      Map<String, Double> ev = t.evaluate(val);
      assertEquals(40, cm.total(), "evaluate counted every validation sample");
      assertEquals(3, cm.numClasses());
      assertEquals(ev.get("accuracy"), cm.value(), 1e-12);
      assertEquals(ev.get("f1_macro"), f1.value(), 1e-12);
      assertEquals(h.get("val_f1_macro").get(1), ev.get("f1_macro"), 1e-12);
    }
  }
}
