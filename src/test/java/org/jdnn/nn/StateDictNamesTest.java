package org.jdnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The parameter names, order and shapes of the new layers are PyTorch's, so a state dict saved by one
 * loads into the other. The expected names and shapes are written down here from PyTorch's
 * documentation and module definitions (torch.nn, 2.x), each with where it comes from, not derived
 * from jdnn's code. None of these layers has buffers, as in PyTorch.
 */
class StateDictNamesTest {
  private static Map<String, long[]> names(Layer m) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) out.put(e.getKey(), e.getValue().shape());
    return out;
  }

  private static void assertStateDict(Layer m, Object... expected) {
    try (m) {
      Map<String, long[]> got = names(m);
      List<String> wantNames = new ArrayList<>();
      for (int i = 0; i < expected.length; i += 2) wantNames.add((String) expected[i]);
      assertEquals(wantNames, new ArrayList<>(got.keySet()), m.describe() + ": names in state_dict order");
      for (int i = 0; i < expected.length; i += 2) {
        assertArrayEquals((long[]) expected[i + 1], got.get((String) expected[i]), m.describe() + ": " + expected[i]);
      }
      assertEquals(0, m.namedBuffers().size(), m.describe() + ": no buffers");
    }
  }

  @Test
  void embedding() {
    // nn.Embedding docs, Variables: weight, shape (num_embeddings, embedding_dim)
    assertStateDict(new Embedding(10, 3), "weight", new long[] {10, 3});
    // max_norm and norm_type add no parameter or buffer
    assertStateDict(Embedding.builder(10, 3).maxNorm(1.0).normType(1.0).build(), "weight", new long[] {10, 3});
  }

  @Test
  void layerNorm() {
    // nn.LayerNorm docs, Variables: weight and bias, each of shape normalized_shape (bias absent with bias=False)
    assertStateDict(new LayerNorm(new long[] {5, 4}, 1e-5, true, true), "weight", new long[] {5, 4}, "bias", new long[] {5, 4});
    assertStateDict(new LayerNorm(new long[] {7}, 1e-5, true, false), "weight", new long[] {7});
    assertStateDict(new LayerNorm(new long[] {7}, 1e-5, false, true));
  }

  @Test
  void groupNormAndPReLU() {
    // nn.GroupNorm docs: weight and bias of shape (num_channels) when affine; nn.PReLU docs, Variables: weight (num_parameters)
    assertStateDict(new GroupNorm(2, 6), "weight", new long[] {6}, "bias", new long[] {6});
    assertStateDict(new PReLU(3, 0.25), "weight", new long[] {3});
  }

  @Test
  void multiheadAttention() {
    // nn.MultiheadAttention's definition (torch/nn/modules/activation.py) registers, with kdim = vdim = embed_dim:
    // in_proj_weight (3 embed_dim, embed_dim), in_proj_bias (3 embed_dim) and the submodule out_proj, a Linear(embed_dim,
    // embed_dim); its state_dict keys are in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias
    assertStateDict(new MultiheadAttention(8, 2), "in_proj_weight", new long[] {24, 8}, "in_proj_bias", new long[] {24},
        "out_proj.weight", new long[] {8, 8}, "out_proj.bias", new long[] {8});
    // bias=False drops both biases
    assertStateDict(new MultiheadAttention(8, 2, 0.0, false, true), "in_proj_weight", new long[] {24, 8}, "out_proj.weight",
        new long[] {8, 8});
    // with kdim or vdim other than embed_dim the definition registers q_proj_weight (embed_dim, embed_dim), k_proj_weight
    // (embed_dim, kdim) and v_proj_weight (embed_dim, vdim) instead of in_proj_weight, and in_proj_bias stays (3 embed_dim);
    // add_bias_kv registers bias_k and bias_v, each (1, 1, embed_dim), after in_proj_bias and before out_proj
    assertStateDict(MultiheadAttention.builder(8, 2).kdim(3).vdim(5).build(), "q_proj_weight", new long[] {8, 8},
        "k_proj_weight", new long[] {8, 3}, "v_proj_weight", new long[] {8, 5}, "in_proj_bias", new long[] {24},
        "out_proj.weight", new long[] {8, 8}, "out_proj.bias", new long[] {8});
    assertStateDict(MultiheadAttention.builder(8, 2).vdim(5).addBiasKv(true).addZeroAttn(true).build(), "q_proj_weight",
        new long[] {8, 8}, "k_proj_weight", new long[] {8, 8}, "v_proj_weight", new long[] {8, 5}, "in_proj_bias",
        new long[] {24}, "bias_k", new long[] {1, 1, 8}, "bias_v", new long[] {1, 1, 8}, "out_proj.weight", new long[] {8, 8},
        "out_proj.bias", new long[] {8});
    assertStateDict(MultiheadAttention.builder(8, 2).addBiasKv(true).bias(false).build(), "in_proj_weight", new long[] {24, 8},
        "bias_k", new long[] {1, 1, 8}, "bias_v", new long[] {1, 1, 8}, "out_proj.weight", new long[] {8, 8});
    // add_zero_attn adds no parameter
    assertStateDict(MultiheadAttention.builder(8, 2).addZeroAttn(true).build(), "in_proj_weight", new long[] {24, 8},
        "in_proj_bias", new long[] {24}, "out_proj.weight", new long[] {8, 8}, "out_proj.bias", new long[] {8});
  }

  @Test
  void transformerEncoderLayer() {
    // nn.TransformerEncoderLayer's definition (torch/nn/modules/transformer.py) makes, in this order: self_attn
    // (MultiheadAttention(d_model, nhead)), linear1 (Linear(d_model, dim_feedforward)), dropout, linear2
    // (Linear(dim_feedforward, d_model)), norm1 and norm2 (LayerNorm(d_model)), dropout1, dropout2; the dropouts have no
    // parameters
    assertStateDict(new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false, false, true),
        "self_attn.in_proj_weight", new long[] {24, 8}, "self_attn.in_proj_bias", new long[] {24},
        "self_attn.out_proj.weight", new long[] {8, 8}, "self_attn.out_proj.bias", new long[] {8},
        "linear1.weight", new long[] {16, 8}, "linear1.bias", new long[] {16},
        "linear2.weight", new long[] {8, 16}, "linear2.bias", new long[] {8},
        "norm1.weight", new long[] {8}, "norm1.bias", new long[] {8},
        "norm2.weight", new long[] {8}, "norm2.bias", new long[] {8});
    try (TransformerEncoderLayer t = new TransformerEncoderLayer(8, 2)) {
      assertEquals(List.of("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"),
          new ArrayList<>(t.children().keySet()));
    }
  }
  @Test
  void transformerEncoder() {
    // nn.TransformerEncoder's definition (torch/nn/modules/transformer.py) registers layers (a ModuleList of num_layers
    // copies of the encoder layer, so its keys are layers.<i>.<the layer's keys>) and norm (the optional final norm)
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String p = "layers." + i + ".";
      Collections.addAll(expected, p + "self_attn.in_proj_weight", new long[] {24, 8}, p + "self_attn.in_proj_bias", new long[] {24},
          p + "self_attn.out_proj.weight", new long[] {8, 8}, p + "self_attn.out_proj.bias", new long[] {8},
          p + "linear1.weight", new long[] {16, 8}, p + "linear1.bias", new long[] {16},
          p + "linear2.weight", new long[] {8, 16}, p + "linear2.bias", new long[] {8},
          p + "norm1.weight", new long[] {8}, p + "norm1.bias", new long[] {8},
          p + "norm2.weight", new long[] {8}, p + "norm2.bias", new long[] {8});
    }
    Collections.addAll(expected, "norm.weight", new long[] {8}, "norm.bias", new long[] {8});
    assertStateDict(new TransformerEncoder(i -> new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false, false, true), 2,
        new LayerNorm(new long[] {8}, 1e-5, true, true)), expected.toArray());
  }
}
