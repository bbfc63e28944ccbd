package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jdnn.examples.FashionMnistCnn;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files of convolutional networks: W2's weights and batch-norm buffers, exotic conv options, corrupt conv configs. */
class ConvModelFileTest {
  @TempDir Path dir;

  private static void train(Layer m, int steps, long seed) {
    Generator data = new Generator(seed);
    CrossEntropyLoss ce = new CrossEntropyLoss();
    m.train();
    try (Adam adam = new Adam(m.parameters(), 1e-3)) {
      for (int i = 0; i < steps; i++) {
        try (TensorScope s = new TensorScope()) {
          Tensor x = Tensor.empty(DType.FLOAT32, 8, 1, 28, 28);
          data.normal(x, 0.5, 2);
          long[] labels = new long[8];
          for (int j = 0; j < labels.length; j++) labels[j] = (i * 3 + j * 7) % 10;
          adam.zeroGrad();
          Tensor loss = ce.compute(m.forward(x), Tensor.ofLongs(labels));
          loss.backward();
          adam.step();
        }
      }
    }
  }

  private static long tracked(Layer m, String name) {
    return m.namedBuffers().get(name).toLongArray()[0];
  }

  @Test
  void trainedW2RoundTripsBitIdenticallyWithItsBatchNormBuffers() throws IOException {
    Path p = dir.resolve("w2.safetensors");
    Generator.manualSeed(11);
    try (TensorScope s = new TensorScope(); Layer m = FashionMnistCnn.model()) {
      train(m, 3, 5);
      assertEquals(3, tracked(m, "1.num_batches_tracked"));
      float[] mean = m.namedBuffers().get("1.running_mean").toFloatArray();
      assertTrue(mean[0] != 0 || mean[1] != 0, "running stats moved");
      ModelFile.save(p, m);
      m.eval();
      Tensor x = Tensor.empty(DType.FLOAT32, 5, 1, 28, 28);
      new Generator(9).normal(x, 0, 1);
      float[] expected;
      try (GradMode.Guard g = GradMode.disable()) {
        expected = m.forward(x).toFloatArray();
      }
      try (SavedModel loaded = ModelFile.load(p)) {
        Layer l = loaded.model();
        assertEquals(m.toString(), l.toString());
        assertEquals(Json.write(LayerRegistry.describe(m)), Json.write(LayerRegistry.describe(l)));
        assertArrayEquals(expected, loaded.predict(x).toFloatArray(), "bit-identical eval predictions");
        assertEquals(m.namedBuffers().keySet(), l.namedBuffers().keySet());
        for (Map.Entry<String, Tensor> b : m.namedBuffers().entrySet()) {
          Tensor got = l.namedBuffers().get(b.getKey());
          assertEquals(b.getValue().dtype(), got.dtype(), b.getKey());
          assertArrayEquals(b.getValue().shape(), got.shape(), b.getKey());
          if (got.dtype() == DType.INT64) assertArrayEquals(b.getValue().toLongArray(), got.toLongArray(), b.getKey());
          else assertArrayEquals(b.getValue().toFloatArray(), got.toFloatArray(), b.getKey());
        }
        assertEquals(DType.INT64, l.namedBuffers().get("5.num_batches_tracked").dtype());
        // training the loaded model carries on counting from the saved value
        train(l, 2, 6);
        assertEquals(5, tracked(l, "1.num_batches_tracked"));
        assertEquals(5, tracked(l, "5.num_batches_tracked"));
      }
      // and so does the original after weights are loaded into it
      ModelFile.loadWeights(p, m);
      train(m, 1, 7);
      assertEquals(4, tracked(m, "1.num_batches_tracked"));
    }
  }

  static Layer exotic() {
    Generator g = new Generator(21);
    return new Sequential(
        new Conv2d(4, 8, 3, 3, ConvOptions.same().groups(4).dilation(2), g),
        new Concat(1,
            new AvgPool2d(3, 3, 1, 1, 1, 1, false),
            new Sequential(new Conv2d(8, 8, 1, 3, ConvOptions.defaults().pad(0, 1).bias(false), g), new ReLU())),
        new Dropout2d(0.25),
        new BatchNorm2d(16, 1e-3, 0.05, false),
        new MaxPool2d(2, 2, 2, 1, 0, 0),
        new Reshape(16, -1),
        new Conv1d(16, 8, 3, ConvOptions.same().groups(8).dilation(2), g),
        new BatchNorm1d(8),
        new Concat(-1, new Conv1d(8, 4, 5, ConvOptions.padding(2).stride(2).bias(false), g), new Conv1d(8, 4, 1)),
        new Dropout(0.1),
        new Flatten());
  }

  @Test
  void exoticConvolutionNetworkRoundTripsItsArchitectureExactly() throws IOException {
    Path p = dir.resolve("exotic.safetensors");
    try (TensorScope s = new TensorScope(); Layer m = exotic()) {
      Tensor x = Tensor.empty(DType.FLOAT32, 2, 4, 8, 6);
      new Generator(4).normal(x, 0, 1);
      m.forward(x); // training step: batch-norm statistics and counters move
      ModelFile.save(p, m);
      m.eval();
      float[] expected = m.forward(x).toFloatArray();
      try (SavedModel loaded = ModelFile.load(p)) {
        Layer l = loaded.model();
        assertEquals(m.toString(), l.toString());
        assertEquals(m.describe(), l.describe());
        String arch = Json.write(LayerRegistry.describe(m));
        assertEquals(arch, Json.write(LayerRegistry.describe(l)));
        assertTrue(arch.contains("\"padding\":\"same\",\"dilation\":[2,2],\"groups\":4"), arch);
        assertEquals(shapes(m.namedParameters()), shapes(l.namedParameters()));
        assertEquals(shapes(m.namedBuffers()), shapes(l.namedBuffers()));
        assertArrayEquals(expected, loaded.predict(x).toFloatArray());
      }
    }
  }

  private static Map<String, String> shapes(Map<String, Tensor> tensors) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) out.put(e.getKey(), e.getValue().describe());
    return out;
  }

  /** The saved model with layer {@code layer} of its architecture edited, written as a new file. */
  private Path corrupted(Path good, String layer, Consumer<ObjectNode> edit) throws IOException {
    Path bad = dir.resolve("bad.safetensors");
    try (SafeTensorsFile f = SafeTensorsFile.open(good); TensorScope s = new TensorScope()) {
      ObjectNode arch = (ObjectNode) Json.parse(f.metadata().get(ModelFile.ARCH_KEY), ModelFile.ARCH_KEY);
      edit.accept((ObjectNode) arch.get("children").get(layer));
      Map<String, String> meta = new LinkedHashMap<>(f.metadata());
      meta.remove(SafeTensors.CRC_KEY);
      meta.put(ModelFile.ARCH_KEY, Json.write(arch));
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : f.entries().keySet()) tensors.put(name, f.read(name));
      SafeTensors.write(bad, tensors, meta);
    }
    return bad;
  }

  private void assertRejected(Path good, String layer, Consumer<ObjectNode> edit, String... mentions) throws IOException {
    Path bad = corrupted(good, layer, edit);
    long before = Device.cpu().bytesInUse() + Device.cpu().bytesCached();
    IOException e = assertThrows(IOException.class, () -> ModelFile.load(bad).close());
    for (String s : mentions) assertTrue(e.getMessage().contains(s), e.getMessage() + " should mention " + s);
    long grown = Device.cpu().bytesInUse() + Device.cpu().bytesCached() - before;
    assertTrue(grown < (1 << 20), "no large allocation while rejecting, grew " + grown + " bytes");
    // the bounds hold on their own, without a weights file to compare shapes with
    ObjectNode spec;
    try (SafeTensorsFile f = SafeTensorsFile.open(bad)) {
      spec = (ObjectNode) Json.parse(f.metadata().get(ModelFile.ARCH_KEY), ModelFile.ARCH_KEY);
    }
    IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
        () -> LayerRegistry.build(spec, (name, shape) -> {}).close());
    for (String s : mentions) assertTrue(direct.getMessage().contains(s), direct.getMessage() + " should mention " + s);
  }

  @Test
  void corruptConvConfigsAreRejectedBeforeAllocating() throws IOException {
    Path good = dir.resolve("good.safetensors");
    try (Layer m = new Sequential(new Conv2d(4, 8, 3, ConvOptions.padding(1).groups(2)), new BatchNorm2d(8),
        new Conv1d(8, 4, 3), new MaxPool2d(2))) {
      ModelFile.save(good, m);
    }
    try (SavedModel ok = ModelFile.load(good)) {
      assertEquals(4, ok.model().children().size());
    }
    assertRejected(good, "0", n -> n.putArray("kernel").add(-3).add(3), "Conv2d at '0'", "'kernel' entry 0", "-3");
    assertRejected(good, "0", n -> n.put("groups", 3), "Conv2d at '0'", "groups must divide", "groups 3");
    assertRejected(good, "0", n -> n.put("in", 1_000_000_000), "Conv2d at '0'", "'in'", "1000000000");
    assertRejected(good, "0", n -> n.put("out", 1e9), "Conv2d at '0'", "'out'");
    assertRejected(good, "0", n -> n.put("padding", "valid"), "Conv2d at '0'", "'padding'");
    assertRejected(good, "0", n -> n.put("padding", "same").putArray("stride").add(2).add(2), "\"same\" needs stride 1");
    assertRejected(good, "1", n -> n.put("channels", 1_000_000_000), "BatchNorm2d at '1'", "'channels'");
    assertRejected(good, "2", n -> n.put("kernel", 0), "Conv1d at '2'", "'kernel'");
    assertRejected(good, "2", n -> n.put("dilation", Integer.MAX_VALUE), "Conv1d at '2'", "'dilation'");
    assertRejected(good, "3", n -> n.putArray("padding").add(5).add(0), "MaxPool2d at '3'", "padding");
    // in bounds but not what the weights file holds: refused by the shape check before allocating
    Path bad = corrupted(good, "0", n -> n.put("in", 4096).put("out", 4096));
    IOException e = assertThrows(IOException.class, () -> ModelFile.load(bad).close());
    assertTrue(e.getMessage().contains("'0.weight'"), e.getMessage());
    Path badBuffer = corrupted(good, "1", n -> n.put("affine", false));
    e = assertThrows(IOException.class, () -> ModelFile.load(badBuffer).close());
    assertTrue(e.getMessage().contains("unexpected tensor '1.weight'"), e.getMessage());
  }
}
