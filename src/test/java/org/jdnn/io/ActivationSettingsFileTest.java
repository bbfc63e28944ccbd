package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Softplus(beta, threshold) and Step(valueAtZero) keep their settings through a model file. */
class ActivationSettingsFileTest {
  @TempDir Path dir;

  @Test
  void settingsRoundTripThroughAModelFile() throws IOException {
    Path p = dir.resolve("act.safetensors");
    try (TensorScope s = new TensorScope(); Layer m = new Sequential(new Softplus(2.0, 5.0), new Step(0.5))) {
      Tensor x = Tensor.of(new float[] {-1, 0, 1.25f, 3, 0});
      ModelFile.save(p, m);
      try (SavedModel loaded = ModelFile.load(p)) {
        assertEquals(m.toString(), loaded.model().toString());
        Sequential seq = (Sequential) loaded.model();
        Softplus sp = (Softplus) seq.children().get("0");
        assertEquals(2.0, sp.beta());
        assertEquals(5.0, sp.threshold());
        assertEquals(0.5, ((Step) seq.children().get("1")).valueAtZero());
        assertArrayEquals(new Softplus(2.0, 5.0).forward(x).toFloatArray(), sp.forward(x).toFloatArray());
      }
    }
  }

  @Test
  void filesWithoutTheSettingsKeepTheMeaningTheyWereWrittenWith() {
    // Before these settings were saved, Softplus was PyTorch's default and the step was 0 at x == 0.
    try (Layer m = LayerRegistry.build(Json.parse("{\"type\": \"Sequential\", \"children\": {\"0\": {\"type\": \"Softplus\"},"
        + " \"1\": {\"type\": \"Step\"}}}", "test"), (name, shape) -> {})) {
      Softplus sp = (Softplus) m.children().get("0");
      assertEquals(1.0, sp.beta());
      assertEquals(20.0, sp.threshold());
      assertEquals(0.0, ((Step) m.children().get("1")).valueAtZero());
    }
  }

  @Test
  void badSettingsNameTheLayer() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.build(
        Json.parse("{\"type\": \"Softplus\", \"beta\": 0, \"threshold\": 20}", "test"), (name, shape) -> {}).close());
    assertTrue(e.getMessage().contains("Softplus at the root") && e.getMessage().contains("beta"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.build(
        Json.parse("{\"type\": \"Step\", \"value_at_zero\": \"one\"}", "test"), (name, shape) -> {}).close());
    assertTrue(e.getMessage().contains("Step at the root") && e.getMessage().contains("value_at_zero"), e.getMessage());
  }
}
