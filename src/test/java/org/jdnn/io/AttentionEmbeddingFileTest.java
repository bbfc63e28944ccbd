package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jdnn.nn.Embedding;
import org.jdnn.nn.Layer;
import org.jdnn.nn.MultiheadAttention;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MultiheadAttention's kdim / vdim / add_bias_kv / add_zero_attn and Embedding's max_norm / norm_type through a
 * model file: saved and loaded back with the same settings, weights and outputs (cross-attention, which
 * EveryLayerSavesTest's one-input check cannot run with kdim and vdim); files written before these settings
 * existed load with PyTorch's defaults; bad values name the layer and the setting.
 */
class AttentionEmbeddingFileTest {
  @TempDir Path dir;

  private static Tensor random(long seed, long... shape) {
    Tensor t = Tensor.empty(DType.FLOAT32, shape);
    new Generator(seed).uniform(t, -2, 2);
    return t;
  }

  @Test
  void crossAttentionWithEveryOptionRoundTrips() throws IOException {
    Path p = dir.resolve("mha.safetensors");
    try (TensorScope s = new TensorScope(); MultiheadAttention m = MultiheadAttention.builder(8, 2).kdim(3).vdim(5)
        .addBiasKv(true).addZeroAttn(true).batchFirst(true).dropout(0.125).build()) {
      m.eval();
      Tensor q = random(1, 2, 4, 8), k = random(2, 2, 6, 3), v = random(3, 2, 6, 5);
      Tensor padding = Tensor.ofBytes(new byte[] {0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, 2, 6);
      long[] expected, expectedWeights;
      try (GradMode.Guard g = GradMode.disable()) {
        MultiheadAttention.Output out = m.forward(q, k, v, padding, null, true, true);
        expected = TensorBits.of(out.output());
        expectedWeights = TensorBits.of(out.weights());
      }
      ModelFile.save(p, m);
      try (SavedModel loaded = ModelFile.load(p)) {
        MultiheadAttention l = (MultiheadAttention) loaded.model();
        assertEquals(m.describe(), l.describe());
        assertEquals(3, l.kdim());
        assertEquals(5, l.vdim());
        assertTrue(l.addsBiasKv() && l.addsZeroAttn() && l.isBatchFirst());
        assertEquals(0.125, l.dropout());
        Map<String, Tensor> want = StateDicts.of(m), got = StateDicts.of(l);
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) assertArrayEquals(TensorBits.of(want.get(name)), TensorBits.of(got.get(name)), name);
        l.eval();
        try (GradMode.Guard g = GradMode.disable()) {
          MultiheadAttention.Output out = l.forward(q, k, v, padding, null, true, true);
          assertArrayEquals(expected, TensorBits.of(out.output()), "output of the loaded layer");
          assertArrayEquals(expectedWeights, TensorBits.of(out.weights()), "weights of the loaded layer");
        }
      }
    }
  }

  @Test
  void embeddingMaxNormRoundTripsAndRenormalizesAfterLoading() throws IOException {
    Path p = dir.resolve("emb.safetensors");
    try (TensorScope s = new TensorScope(); Embedding m = Embedding.builder(6, 4).maxNorm(0.75).normType(1.5).build()) {
      ModelFile.save(p, m);  // N(0, 1) rows: most above 0.75
      try (SavedModel loaded = ModelFile.load(p)) {
        Embedding l = (Embedding) loaded.model();
        assertEquals(m.describe(), l.describe());
        assertEquals(0.75, l.maxNorm());
        assertEquals(1.5, l.normType());
        Tensor idx = Tensor.ofLongs(new long[] {0, 3, 3, 5}, 4);
        long[] a = TensorBits.of(m.forward(idx)), b = TensorBits.of(l.forward(idx));
        assertArrayEquals(a, b, "output after the renorm");
        assertArrayEquals(TensorBits.of(m.weight()), TensorBits.of(l.weight()), "weights after the renorm");
      }
    }
  }

  @Test
  void filesWithoutTheNewSettingsLoadWithPyTorchsDefaults() {
    try (Layer m = LayerRegistry.build(Json.parse("{\"type\": \"MultiheadAttention\", \"embed_dim\": 6, \"num_heads\": 2,"
        + " \"dropout\": 0.0, \"bias\": true, \"batch_first\": false, \"children\": {\"out_proj\": {\"type\": \"Linear\","
        + " \"in\": 6, \"out\": 6, \"bias\": true}}}", "test"), (name, shape) -> {})) {
      MultiheadAttention a = (MultiheadAttention) m;
      assertEquals(6, a.kdim());
      assertEquals(6, a.vdim());
      assertTrue(!a.addsBiasKv() && !a.addsZeroAttn());
      assertTrue(a.namedParameters().containsKey("in_proj_weight"));
    }
    try (Layer m = LayerRegistry.build(Json.parse("{\"type\": \"Embedding\", \"num_embeddings\": 5, \"embedding_dim\": 2,"
        + " \"padding_idx\": -1}", "test"), (name, shape) -> {})) {
      assertNull(((Embedding) m).maxNorm());
      assertEquals(2.0, ((Embedding) m).normType());
    }
  }

  @Test
  void badSettingsNameTheLayerAndTheSetting() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.build(Json.parse(
        "{\"type\": \"Embedding\", \"num_embeddings\": 5, \"embedding_dim\": 2, \"padding_idx\": -1, \"max_norm\": -1}", "test"),
        (name, shape) -> {}).close());
    assertTrue(e.getMessage().contains("Embedding at the root") && e.getMessage().contains("max_norm must be a finite number > 0"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.build(Json.parse("{\"type\": \"MultiheadAttention\","
        + " \"embed_dim\": 6, \"num_heads\": 2, \"dropout\": 0.0, \"bias\": true, \"batch_first\": false, \"kdim\": 0,"
        + " \"children\": {}}", "test"), (name, shape) -> {}).close());
    assertTrue(e.getMessage().contains("MultiheadAttention at the root") && e.getMessage().contains("'kdim' must be an integer"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.build(Json.parse("{\"type\": \"MultiheadAttention\","
        + " \"embed_dim\": 6, \"num_heads\": 2, \"dropout\": 0.0, \"bias\": true, \"batch_first\": false, \"add_bias_kv\": 1,"
        + " \"children\": {}}", "test"), (name, shape) -> {}).close());
    assertTrue(e.getMessage().contains("MultiheadAttention at the root") && e.getMessage().contains("'add_bias_kv' must be true"
        + " or false"), e.getMessage());
  }
}
