package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trainer options that GraphTraining leaves to the Trainer: CUDA graphs replay a graph's packed step with the
 * eager step's results, and ModelCheckpoint's best weights load into the graph under its own names.
 */
class GraphTrainingOptionsTest {
  @TempDir Path dir;

  private static Graph graph() {
    return Graph.builder().input("x")
        .node("trunk", new Sequential(new Linear(5, 8), new ReLU()), "x")
        .node("class", new Linear(8, 3), "trunk").node("flag", new Linear(8, 1), "trunk")
        .output("class").output("flag").build();
  }

  private static NamedDataset data(int n, long seed) {
    Tensor x = Tensor.empty(org.jdnn.tensor.DType.FLOAT32, n, 5);
    new Generator(seed).uniform(x, -1, 1);
    float[] xv = x.toFloatArray();
    int[] label = new int[n];
    float[] flag = new float[n];
    for (int i = 0; i < n; i++) {
      label[i] = xv[i * 5] > 0.3 ? 2 : xv[i * 5] > -0.3 ? 1 : 0;
      flag[i] = xv[i * 5 + 1] > 0 ? 1 : 0;
    }
    return NamedDataset.of(Map.of("x", x), Map.of("class", Tensor.ofInts(label, n), "flag", Tensor.of(flag, n, 1)));
  }

  private record Run(Map<String, List<Double>> history, Map<String, float[]> params) {}

  private static Run fit(Device device, boolean cudaGraphs) {
    Generator.manualSeed(7);
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(36, 3)) {
      g.to(device);
      GraphTraining task = GraphTraining.of(g).loss("class", new CrossEntropyLoss()).loss("flag", new BCEWithLogitsLoss(), 0.5)
          .metrics("class", Metric.accuracy());
      try (ArrayDataset train = task.pack(named); Adam adam = new Adam(g.parameters(), 0.01)) {
        History h = task.trainer(adam).epochs(2).batchSize(8).seed(5).cudaGraphs(cudaGraphs).fit(train, null);
        Map<String, List<Double>> history = new LinkedHashMap<>();
        for (String k : h.metrics()) history.put(k, h.get(k));
        Map<String, float[]> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : g.namedParameters().entrySet()) params.put(e.getKey(), e.getValue().toFloatArray());
        return new Run(history, params);
      }
    }
  }

  @Test
  void cudaGraphsReplayTheEagerStepsOnTheEmulation() {
    Run eager = fit(Device.cudaEmulated(), false);
    Run graphed = fit(Device.cudaEmulated(), true);
    assertEquals(List.of("loss", "class_loss", "flag_loss", "class_accuracy", "lr"), List.copyOf(eager.history().keySet()));
    assertEquals(eager.history(), graphed.history());
    for (String name : eager.params().keySet()) assertArrayEquals(eager.params().get(name), graphed.params().get(name), name);
  }

  /** A fit of a fresh graph (seeded 21) to {@code epochs}, or resumed from {@code resume} when not null. */
  private Run fitOrResume(int epochs, Path ckptDir, Path resume) throws Exception {
    Generator.manualSeed(resume == null ? 21 : 999);  // a resumed run must not depend on its own initialization
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(40, 4); NamedDataset valNamed = data(20, 5)) {
      GraphTraining task = GraphTraining.of(g).loss("class", new CrossEntropyLoss()).loss("flag", new BCEWithLogitsLoss(), 2)
          .metrics("flag", Metric.accuracy());
      try (ArrayDataset train = task.pack(named); ArrayDataset val = task.pack(valNamed); Adam adam = new Adam(g.parameters(), 0.01)) {
        Trainer t = task.trainer(adam).epochs(epochs).batchSize(8).seed(3).callbacks(new ModelCheckpoint(ckptDir, "val_loss"));
        if (resume != null) t.resume(resume);
        History h = t.fit(train, val);
        Map<String, List<Double>> history = new LinkedHashMap<>();
        for (String k : h.metrics()) history.put(k, h.get(k));
        Map<String, float[]> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : g.namedParameters().entrySet()) params.put(e.getKey(), e.getValue().toFloatArray());
        return new Run(history, params);
      }
    }
  }

  @Test
  void aResumedGraphTrainingEndsBitIdentical() throws Exception {
    Run full = fitOrResume(4, dir.resolve("full"), null);
    fitOrResume(2, dir.resolve("cut"), null);
    Run resumed = fitOrResume(4, dir.resolve("cut"), dir.resolve("cut").resolve(ModelCheckpoint.LAST));
    assertEquals(full.history(), resumed.history());
    assertTrue(full.history().containsKey("val_flag_loss"), full.history().keySet().toString());
    for (String name : full.params().keySet()) assertArrayEquals(full.params().get(name), resumed.params().get(name), name);
  }

  @Test
  void stepsReturnTheirNativeMemory() {
    for (Device device : List.of(Device.cpu(), Device.cudaEmulated())) {
      long[] bytes = new long[20];
      Callback probe = new Callback() {
        @Override
        public void onEpochEnd(Trainer t, int epoch, Map<String, Double> logs) {
          bytes[epoch] = device.bytesInUse();
        }
      };
      Generator.manualSeed(9);
      try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(24, 6); NamedDataset valNamed = data(8, 7)) {
        g.to(device);
        GraphTraining task = GraphTraining.of(g).loss("class", new CrossEntropyLoss()).loss("flag", new BCEWithLogitsLoss())
            .metrics("class", Metric.accuracy()).metrics("flag", Metric.accuracy());
        try (ArrayDataset train = task.pack(named); ArrayDataset val = task.pack(valNamed); Adam adam = new Adam(g.parameters(), 0.01)) {
          task.trainer(adam).epochs(20).batchSize(4).callbacks(probe).fit(train, val);
        }
      }
      for (int e = 1; e < 20; e++) assertEquals(bytes[0], bytes[e], device + ": bytes in use after epoch 1 vs epoch " + (e + 1));
    }
  }

  @Test
  void bfloat16MixedPrecisionTrainsAGraph() {
    Generator.manualSeed(12);
    try (TensorScope s = new TensorScope(); Graph g = graph(); NamedDataset named = data(48, 8)) {
      GraphTraining task = GraphTraining.of(g).loss("class", new CrossEntropyLoss()).loss("flag", new BCEWithLogitsLoss(), 0.5);
      try (ArrayDataset train = task.pack(named); Adam adam = new Adam(g.parameters(), 0.01)) {
        History h = task.trainer(adam).epochs(8).batchSize(8).mixedPrecision(org.jdnn.tensor.DType.BFLOAT16).fit(train, null);
        for (int e = 0; e < 8; e++) {
          double weighted = h.get("class_loss").get(e) + 0.5 * h.get("flag_loss").get(e);
          assertEquals(weighted, h.get("loss").get(e), 1e-6 * weighted, "epoch " + e);
        }
        assertTrue(h.get("loss").get(7) < 0.9 * h.get("loss").get(0), "bf16 training lowers the loss: " + h.get("loss"));
      }
    }
  }

  @Test
  void bestCheckpointLoadsIntoTheGraph() throws Exception {
    Generator.manualSeed(11);
    try (TensorScope s = new TensorScope(); Graph g = graph(); Graph fresh = graph(); NamedDataset named = data(40, 4);
        NamedDataset valNamed = data(20, 5)) {
      GraphTraining task = GraphTraining.of(g).loss("class", new CrossEntropyLoss()).loss("flag", new BCEWithLogitsLoss());
      ModelCheckpoint checkpoint = new ModelCheckpoint(dir, "val_loss");
      ProgressLogger quiet = new ProgressLogger(new PrintStream(new ByteArrayOutputStream()), false, 10);
      try (ArrayDataset train = task.pack(named); ArrayDataset val = task.pack(valNamed); Adam adam = new Adam(g.parameters(), 0.01)) {
        task.trainer(adam).epochs(3).batchSize(10).callbacks(checkpoint, quiet).fit(train, val);
      }
      ModelFile.loadWeights(checkpoint.bestPath(), fresh);
      try (GradMode.Guard off = GradMode.disable()) {
        Map<String, Tensor> in = Map.of("x", named.inputs().get("x"));
        Map<String, Tensor> best = fresh.forward(in);
        ModelFile.loadWeights(checkpoint.bestPath(), g);  // the trained graph, put back at its best epoch
        Map<String, Tensor> want = g.forward(in);
        assertArrayEquals(want.get("class").toFloatArray(), best.get("class").toFloatArray());
        assertArrayEquals(want.get("flag").toFloatArray(), best.get("flag").toFloatArray());
      }
    }
  }
}
