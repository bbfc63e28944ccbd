package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Layer;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
  @TempDir Path dir;

  static Layer sample() {
    Generator.manualSeed(7);
    return new Sequential(new Reshape(12), new Linear(12, 8), new LeakyReLU(0.2), new Residual(new Sequential(new Linear(8, 8),
        new Tanh())), new Linear(8, 5, false), new ELU(0.5), new Flatten());
  }

  @Test
  void saveLoadRoundTripsToIdenticalPredictionsWithNormalizer() throws IOException {
    Path p = dir.resolve("m.safetensors");
    try (TensorScope s = new TensorScope(); Layer m = sample()) {
      Tensor x = Tensor.empty(DType.FLOAT32, 6, 3, 4);
      new Generator(3).normal(x, 2, 3);
      Normalizer norm = Normalizer.fit(x.reshape(6, 12));
      ModelFile.save(p, m, norm);
      m.eval();
      float[] expected = m.forward(norm.apply(x.reshape(6, 12)).reshape(6, 3, 4)).toFloatArray();
      try (SavedModel loaded = ModelFile.load(p)) {
        assertEquals(norm, loaded.normalizer());
        assertEquals(m.toString(), loaded.model().toString());
        assertEquals(m.namedParameters().keySet(), loaded.model().namedParameters().keySet());
        Tensor y = loaded.model().forward(loaded.normalizer().apply(x.reshape(6, 12)).reshape(6, 3, 4));
        assertArrayEquals(expected, y.toFloatArray());
      }
    }
  }

  @Test
  void headerFollowsTheSafetensorsLayout() throws IOException {
    Path p = dir.resolve("w.safetensors");
    try (Layer m = new Sequential(new Linear(3, 2), new ReLU())) {
      ModelFile.save(p, m);
      byte[] b = Files.readAllBytes(p);
      long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      assertEquals(0, n % 8, "header padded to 8 bytes");
      String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
      assertTrue(header.contains("\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header);
      assertTrue(header.contains("\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}"), header);
      assertEquals(8 + n + 32, b.length);
      float w00 = ByteBuffer.wrap(b, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
      assertEquals(m.namedParameters().get("0.weight").toFloatArray()[0], w00);
    }
  }

  @Test
  void allDtypesRoundTripThroughRawSafetensors() throws IOException {
    Path p = dir.resolve("t.safetensors");
    try (TensorScope s = new TensorScope()) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      t.put("f", Tensor.of(new float[] {1.5f, -2}, 2, 1));
      t.put("d", Tensor.of(new double[] {Math.PI}));
      t.put("i", Tensor.ofInts(new int[] {-7, 8, 9}));
      t.put("l", Tensor.ofLongs(new long[] {Long.MIN_VALUE}));
      t.put("u", Tensor.ofBytes(new byte[] {(byte) 255, 0}));
      t.put("empty", Tensor.zeros(0, 3));
      SafeTensors.write(p, t, Map.of("k", "v"));
      try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
        assertEquals("v", f.metadata().get("k"));
        assertArrayEquals(new float[] {1.5f, -2}, f.read("f").toFloatArray());
        assertArrayEquals(new double[] {Math.PI}, f.read("d").toDoubleArray());
        assertArrayEquals(new int[] {-7, 8, 9}, f.read("i").toIntArray());
        assertArrayEquals(new long[] {Long.MIN_VALUE}, f.read("l").toLongArray());
        assertArrayEquals(new byte[] {(byte) 255, 0}, f.read("u").toByteArray());
        assertArrayEquals(new long[] {0, 3}, f.read("empty").shape());
      }
    }
  }

  @Test
  void loadWeightsChecksNamesAndShapes() throws IOException {
    Path p = dir.resolve("w.safetensors");
    try (Layer a = new Sequential(new Linear(3, 2)); Layer b = new Sequential(new Linear(3, 4));
        Layer c = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 2))) {
      ModelFile.saveWeights(p, a);
      IOException e = assertThrows(IOException.class, () -> ModelFile.loadWeights(p, b));
      assertTrue(e.getMessage().contains("'0.weight' is float32[2, 3], expected float32[4, 3]"), e.getMessage());
      e = assertThrows(IOException.class, () -> ModelFile.loadWeights(p, c));
      assertTrue(e.getMessage().contains("missing tensor '2.weight'"), e.getMessage());
      e = assertThrows(IOException.class, () -> ModelFile.load(p));
      assertTrue(e.getMessage().contains("jdnn.format"), e.getMessage());
    }
  }

  @Test
  void hugeLayerInArchitectureIsRefusedBeforeAllocation() throws IOException {
    Path p = dir.resolve("m.safetensors");
    try (Layer m = new Sequential(new Linear(3, 2))) {
      ModelFile.save(p, m);
    }
    // Rewrite the architecture to ask for a 16M x 16M layer; the checksum is recomputed so only the shape check stands.
    try (SafeTensorsFile f = SafeTensorsFile.open(p); TensorScope s = new TensorScope()) {
      Map<String, String> meta = new LinkedHashMap<>(f.metadata());
      meta.remove(SafeTensors.CRC_KEY);
      meta.remove(SafeTensors.PAD_KEY);
      meta.put(ModelFile.ARCH_KEY, meta.get(ModelFile.ARCH_KEY).replace("\"in\":3", "\"in\":16777216"));
      Map<String, Tensor> t = new LinkedHashMap<>();
      for (String name : f.entries().keySet()) t.put(name, f.read(name));
      SafeTensors.write(p, t, meta);
    }
    long before = org.jdnn.tensor.Device.cpu().bytesInUse();
    IOException e = assertThrows(IOException.class, () -> ModelFile.load(p));
    assertTrue(e.getMessage().contains("architecture wants tensor '0.weight' of shape [2, 16777216]"), e.getMessage());
    assertTrue(org.jdnn.tensor.Device.cpu().bytesInUse() <= before);
  }
}
