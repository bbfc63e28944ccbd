package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.NamedDataset;
import org.jdnn.loss.BCEWithLogitsLoss;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.loss.Reduction;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.Test;

/**
 * A graph of two inputs and two outputs trained and evaluated by the Trainer through GraphTraining: each
 * output's loss and accuracy against float64 references written from their definitions, the logged total
 * equal to the weighted sum of the logged losses, training that lowers both, and the configuration errors.
 */
@EveryDevice
class GraphTrainingTest {
  private static final int N = 96;
  private static final double W_CLASS = 1.0;
  private static final double W_FLAG = 0.25;

  private static Graph graph() {
    return Graph.builder()
        .input("x").input("meta")
        .node("trunk", new Sequential(new Linear(6, 8), new ReLU()), "x")
        .concat("joined", 1, "trunk", "meta")
        .node("class", new Linear(11, 4), "joined")
        .node("flag", new Linear(11, 1), "joined")
        .output("class").output("flag")
        .build();
  }

  /** Samples whose class and flag depend on x and meta, so training can lower both losses. */
  private static NamedDataset data(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[N * 6];
    float[] meta = new float[N * 3];
    int[] label = new int[N];
    float[] flag = new float[N];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < 6; j++) x[i * 6 + j] = (float) r.nextDouble(-1, 1);
      for (int j = 0; j < 3; j++) meta[i * 3 + j] = (float) r.nextDouble(-1, 1);
      label[i] = (x[i * 6] > 0 ? 1 : 0) + (x[i * 6 + 1] > 0 ? 2 : 0);
      flag[i] = meta[i * 3] + x[i * 6 + 2] > 0 ? 1 : 0;
    }
    return NamedDataset.of(Map.of("x", Tensor.of(x, N, 6), "meta", Tensor.of(meta, N, 3)),
        Map.of("class", Tensor.ofInts(label, N), "flag", Tensor.of(flag, N, 1)));
  }

  private static GraphTraining task(Graph g) {
    return GraphTraining.of(g)
        .loss("class", new CrossEntropyLoss(), W_CLASS).loss("flag", new BCEWithLogitsLoss(), W_FLAG)
        .metrics("class", Metric.accuracy()).metrics("flag", Metric.accuracy());
  }

  @Test
  void evaluateLogsEachLossAndMetricAsTheirDefinitionsAndTheWeightedTotal() {
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(1)) {
      GraphTraining task = task(g);
      try (ArrayDataset packed = task.pack(named); Adam adam = new Adam(g.parameters(), 1e-3)) {
        Map<String, Double> logs = task.trainer(adam).batchSize(20).evaluate(packed);
        assertEquals(List.of("loss", "class_loss", "flag_loss", "class_accuracy", "flag_accuracy"), List.copyOf(logs.keySet()));

        double[] logits;
        double[] flagLogits;
        g.eval();
        try (GradMode.Guard off = GradMode.disable()) {
          Map<String, Tensor> out = g.forward(named.inputs());
          logits = out.get("class").to(DType.FLOAT64).toDoubleArray();
          flagLogits = out.get("flag").to(DType.FLOAT64).toDoubleArray();
        }
        int[] labels = named.targets().get("class").toIntArray();
        double[] flags = named.targets().get("flag").to(DType.FLOAT64).toDoubleArray();
        double ce = 0;
        double bce = 0;
        int classRight = 0;
        int flagRight = 0;
        for (int i = 0; i < N; i++) {
          double max = Double.NEGATIVE_INFINITY;
          int arg = 0;
          for (int c = 0; c < 4; c++) {
            if (logits[i * 4 + c] > max) {
              max = logits[i * 4 + c];
              arg = c;
            }
          }
          double sumExp = 0;
          for (int c = 0; c < 4; c++) sumExp += Math.exp(logits[i * 4 + c] - max);
          ce += max + Math.log(sumExp) - logits[i * 4 + labels[i]];
          double z = flagLogits[i];
          bce += Math.max(z, 0) - z * flags[i] + Math.log1p(Math.exp(-Math.abs(z)));
          classRight += arg == labels[i] ? 1 : 0;
          flagRight += (z > 0 ? 1 : 0) == (int) flags[i] ? 1 : 0;
        }
        assertEquals(ce / N, logs.get("class_loss"), 1e-5, "class_loss against the float64 cross-entropy");
        assertEquals(bce / N, logs.get("flag_loss"), 1e-5, "flag_loss against the float64 BCE with logits");
        assertEquals((double) classRight / N, logs.get("class_accuracy"), 0.0);
        assertEquals((double) flagRight / N, logs.get("flag_accuracy"), 0.0);
        double weighted = W_CLASS * logs.get("class_loss") + W_FLAG * logs.get("flag_loss");
        assertEquals(weighted, logs.get("loss"), 1e-6 * weighted, "the total is the weighted sum of the two losses");
      }
    }
  }

  @Test
  void fitLowersBothLossesAndLogsEachOneWithTheWeightedTotal() {
    Generator.manualSeed(17);  // the graph's initial weights
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset trainData = data(2); NamedDataset valData = data(3)) {
      GraphTraining task = task(g);
      try (ArrayDataset train = task.pack(trainData); ArrayDataset val = task.pack(valData);
          Adam adam = new Adam(g.parameters(), 0.01)) {
        History h = task.trainer(adam).epochs(15).batchSize(16).seed(4).fit(train, val);
        for (String key : List.of("loss", "class_loss", "flag_loss", "class_accuracy", "flag_accuracy", "val_loss",
            "val_class_loss", "val_flag_loss", "val_class_accuracy", "val_flag_accuracy")) {
          assertEquals(15, h.get(key).size(), key);
        }
        for (String prefix : List.of("", "val_")) {
          for (int e = 0; e < 15; e++) {
            double weighted = W_CLASS * h.get(prefix + "class_loss").get(e) + W_FLAG * h.get(prefix + "flag_loss").get(e);
            assertEquals(weighted, h.get(prefix + "loss").get(e), 1e-6 * weighted, prefix + "loss of epoch " + e);
          }
        }
        for (String key : List.of("class_loss", "flag_loss", "val_class_loss", "val_flag_loss")) {
          List<Double> v = h.get(key);
          assertTrue(v.get(14) < 0.9 * v.get(0), key + " should fall by 10% in 15 epochs: " + v);
        }
        assertTrue(h.get("val_class_accuracy").get(14) > 0.6, "val_class_accuracy " + h.get("val_class_accuracy"));
      }
    }
  }

  @Test
  void packedColumnsHoldTheNamedTensorsAndComeBackNamed() {
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(5)) {
      GraphTraining task = task(g);
      try (ArrayDataset packed = task.pack(named)) {
        assertArrayEquals(new long[] {N, 9}, packed.features().shape());
        assertArrayEquals(new long[] {N, 2}, packed.targets().shape());
        float[] f = packed.features().toFloatArray();
        float[] x = named.inputs().get("x").toFloatArray();
        float[] meta = named.inputs().get("meta").toFloatArray();
        float[] t = packed.targets().toFloatArray();
        int[] label = named.targets().get("class").toIntArray();
        for (int i = 0; i < N; i++) {
          for (int j = 0; j < 6; j++) assertEquals(x[i * 6 + j], f[i * 9 + j], 0f);
          for (int j = 0; j < 3; j++) assertEquals(meta[i * 3 + j], f[i * 9 + 6 + j], 0f);
          assertEquals(label[i], t[i * 2], 0f);
        }
        assertThrows(IllegalStateException.class, () -> task.unpackOutputs(packed.features()));
        Tensor out = task.model().forward(packed.features());
        Map<String, Tensor> named2 = task.unpackOutputs(out);
        Map<String, Tensor> direct = g.forward(named.inputs());
        assertArrayEquals(direct.get("class").toFloatArray(), named2.get("class").toFloatArray());
        assertArrayEquals(direct.get("flag").toFloatArray(), named2.get("flag").toFloatArray());
        assertEquals(g.namedParameters().keySet(), task.model().namedParameters().keySet(), "checkpoint names are the graph's");
      }
    }
  }

  @Test
  void configurationErrorsNameTheFix() {
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(6)) {
      assertRejected("no output 'nope'; outputs: [class, flag]", () -> GraphTraining.of(g).loss("nope", new CrossEntropyLoss()));
      assertRejected("must be finite and >= 0", () -> GraphTraining.of(g).loss("flag", new BCEWithLogitsLoss(), -1));
      assertRejected("already has a loss", () -> GraphTraining.of(g).loss("flag", new BCEWithLogitsLoss())
          .loss("flag", new BCEWithLogitsLoss()));
      assertRejected("two metrics would be logged as 'class_accuracy'", () -> GraphTraining.of(g)
          .metrics("class", Metric.accuracy(), Metric.accuracy()));
      IllegalStateException noLoss = assertThrows(IllegalStateException.class,
          () -> GraphTraining.of(g).loss("class", new CrossEntropyLoss()).model());
      assertTrue(noLoss.getMessage().contains("output 'flag' has no loss"), noLoss.getMessage());
      assertThrows(IllegalStateException.class, () -> GraphTraining.of(g).loss("class", new CrossEntropyLoss(), 0)
          .loss("flag", new BCEWithLogitsLoss(), 0).loss());
      GraphTraining fixed = task(g);
      fixed.loss();
      assertThrows(IllegalStateException.class, () -> fixed.metrics("class", Metric.topK(2)));

      try (NamedDataset wrongNames = NamedDataset.of(Map.of("x", Tensor.zeros(4, 6)), Map.of("class", Tensor.ofInts(new int[4]),
          "flag", Tensor.zeros(4, 1)))) {
        assertRejected("inputs are [x] but the graph needs [x, meta]", () -> task(g).pack(wrongNames));
      }
      try (NamedDataset wide = NamedDataset.of(Map.of("x", Tensor.zeros(4, 7), "meta", Tensor.zeros(4, 3)),
          Map.of("class", Tensor.ofInts(new int[4]), "flag", Tensor.zeros(4, 1)))) {
        GraphTraining t = task(g);
        t.pack(named).close();
        assertRejected("differ from the first packed dataset's", () -> t.pack(wide));
      }
      try (NamedDataset doubles = NamedDataset.of(Map.of("x", Tensor.zeros(DType.FLOAT64, 4, 6), "meta", Tensor.zeros(4, 3)),
          Map.of("class", Tensor.ofInts(new int[4]), "flag", Tensor.zeros(4, 1)))) {
        assertRejected("expected float32, or int32/int64 class labels", () -> task(g).pack(doubles));
      }
      try (NamedDataset huge = NamedDataset.of(Map.of("x", Tensor.zeros(2, 6), "meta", Tensor.zeros(2, 3)),
          Map.of("class", Tensor.ofInts(new int[] {0, (1 << 24) + 1}), "flag", Tensor.zeros(2, 1)))) {
        assertRejected("exact only up to 2^24", () -> task(g).pack(huge));
      }
      assertRejected("has 5 samples but input 'x' has 4", () -> NamedDataset.of(Map.of("x", Tensor.zeros(4, 6)),
          Map.of("class", Tensor.ofInts(new int[5]))));
      GraphTraining perSample = GraphTraining.of(g).loss("class", new CrossEntropyLoss())
          .loss("flag", new BCEWithLogitsLoss(Reduction.NONE));
      try (ArrayDataset packed = perSample.pack(named); Adam adam = new Adam(g.parameters(), 1e-3)) {
        assertRejected("the loss of output 'flag' gave", () -> perSample.trainer(adam).evaluate(packed));
      }
    }
  }
}
