package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/**
 * A model file written by an earlier jdnn (src/test/resources/org/jdnn/io/legacy-model.safetensors, see
 * {@link LegacyModelFixture}: every layer type, non-default settings) still loads: same architecture JSON
 * when described again (so every saved type name and settings key is still written and read as then),
 * same weights, same normalizer, and the output that jdnn computed for the stored input when it wrote it.
 */
class LegacyModelFileTest {
  private static Path resource(String name) throws URISyntaxException {
    java.net.URL url = LegacyModelFileTest.class.getResource(name);
    assertNotNull(url, "test resource org/jdnn/io/" + name + " is missing");
    return Path.of(url.toURI());
  }

  @Test
  void aFileWrittenBeforeLayersDeclaredTheirTypesLoadsAndComputesWhatItDidThen() throws Exception {
    Path model = resource(LegacyModelFixture.MODEL);
    String savedArchitecture;
    Map<String, Tensor> savedWeights = new java.util.LinkedHashMap<>();
    try (TensorScope s = new TensorScope(); SafeTensorsFile f = SafeTensorsFile.open(model);
        SafeTensorsFile io = SafeTensorsFile.open(resource(LegacyModelFixture.IO));
        SavedModel loaded = ModelFile.load(model)) {
      savedArchitecture = f.metadata().get(ModelFile.ARCH_KEY);
      for (String name : f.entries().keySet()) savedWeights.put(name, f.read(name));
      Layer m = loaded.model();
      assertEquals(savedArchitecture, Json.write(LayerRegistry.describe(m)), "the architecture is described as it was saved");
      assertEquals(new Normalizer(true, new double[] {0.5, -0.25, 1}, new double[] {2, 0.5, 1}), loaded.normalizer());

      Map<String, Tensor> state = StateDicts.of(m);
      assertEquals(savedWeights.keySet(), state.keySet());
      for (Map.Entry<String, Tensor> e : savedWeights.entrySet()) {
        Tensor t = state.get(e.getKey());
        assertEquals(e.getValue().dtype(), t.dtype(), e.getKey());
        assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
        assertArrayEquals(TensorBits.of(e.getValue()), TensorBits.of(t), e.getKey());
      }

      float[] expected = io.read("output").toFloatArray();
      float[] actual;
      try (GradMode.Guard g = GradMode.disable()) {
        actual = m.forward(io.read("input")).toFloatArray();
      }
      // the same arithmetic as when the file was written; a tolerance only for CPUs whose kernels round differently
      assertEquals(expected.length, actual.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "output " + i);
      }
      assertTrue(expected.length == 24, "4 samples x 6 outputs, got " + expected.length);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
