package org.jdnn.io;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.jdnn.nn.Graph;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A graph of two inputs and two outputs through a model file, and architectures that describe a broken graph. */
class GraphModelFileTest {
  @TempDir Path dir;

  private static Graph model() {
    return Graph.builder()
        .input("image").input("meta")
        .node("trunk", new Sequential(new Linear(6, 5), new ReLU()), "image")
        .concat("joined", 1, "trunk", "meta")
        .node("class", new Linear(8, 4), "joined")
        .node("side", new Linear(3, 4), "meta")
        .add("sum", "class", "side")
        .node("footwear", new Linear(8, 1), "joined")
        .output("label", "sum").output("footwear")
        .build();
  }

  private static Tensor random(long seed, long... shape) {
    Tensor t = Tensor.empty(DType.FLOAT32, shape);
    new Generator(seed).uniform(t, -2, 2);
    return t;
  }

  @Test
  void roundTripGivesTheSameGraphWeightsAndOutputs() throws Exception {
    Path p = dir.resolve("graph.safetensors");
    try (TensorScope s = new TensorScope(); Graph g = model(); GradMode.Guard off = GradMode.disable()) {
      Map<String, Tensor> in = Map.of("image", random(1, 5, 6), "meta", random(2, 5, 3));
      Map<String, Tensor> want = g.forward(in);
      ModelFile.save(p, g);
      try (SavedModel loaded = ModelFile.load(p)) {
        Layer l = loaded.model();
        assertSame(Graph.class, l.getClass());
        Graph back = (Graph) l;
        assertEquals(Json.write(LayerRegistry.describe(g)), Json.write(LayerRegistry.describe(back)));
        assertEquals(g.toString(), back.toString());
        assertEquals(g.namedParameters().keySet(), back.namedParameters().keySet());
        for (Map.Entry<String, Tensor> e : g.namedParameters().entrySet()) {
          assertArrayEquals(TensorBits.of(e.getValue()), TensorBits.of(back.namedParameters().get(e.getKey())), e.getKey());
        }
        Map<String, Tensor> got = back.forward(in);
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(TensorBits.of(want.get(k)), TensorBits.of(got.get(k)), k);
      }
      ObjectNode arch = LayerRegistry.describe(g);
      assertEquals("[\"image\",\"meta\"]", Json.write(arch.get("inputs")));
      assertEquals("[[\"trunk\",\"image\"],[\"joined\",\"trunk\",\"meta\"],[\"class\",\"joined\"],[\"side\",\"meta\"],"
          + "[\"sum\",\"class\",\"side\"],[\"footwear\",\"joined\"]]", Json.write(arch.get("nodes")));
      assertEquals("[[\"label\",\"sum\"],[\"footwear\",\"footwear\"]]", Json.write(arch.get("outputs")));
    }
  }

  /** Builds the model's architecture with {@code edit} applied, as a loader would. */
  private static void buildEdited(Consumer<ObjectNode> edit) {
    ObjectNode arch;
    try (Graph g = model()) {
      arch = LayerRegistry.describe(g);
    }
    edit.accept(arch);
    LayerRegistry.build(arch, (name, shape) -> {}).close();
  }

  @Test
  void brokenGraphArchitecturesAreRefusedWithTheGraphsMessage() {
    buildEdited(a -> {});  // the unedited architecture builds
    assertRejected("Graph at the root: Graph.node 'class': unknown source 'nowhere'",
        () -> buildEdited(a -> ((ArrayNode) a.get("nodes").get(2)).set(1, Json.valueToTree("nowhere"))));
    assertRejected("'outputs' entry 0 must be [output name, node name]",
        () -> buildEdited(a -> ((ArrayNode) a.get("outputs").get(0)).remove(1)));
    assertRejected("'nodes' entry 3 must be an array of 1 to",
        () -> buildEdited(a -> ((ArrayNode) a.get("nodes")).set(3, a.arrayNode())));
    assertRejected("lacks field 'inputs'", () -> buildEdited(a -> a.remove("inputs")));
    assertRejected("'inputs' entry 1 must be a non-empty string", () -> buildEdited(a -> ((ArrayNode) a.get("inputs")).set(1,
        Json.valueToTree(7))));
    assertRejected("'nodes' lists 5 nodes but there are 6 children", () -> buildEdited(a -> ((ArrayNode) a.get("nodes")).remove(5)));
    assertRejected("input 'meta' feeds no node", () -> buildEdited(a -> {
      ((ArrayNode) a.get("nodes").get(1)).set(2, Json.valueToTree("trunk"));
      ((ArrayNode) a.get("nodes").get(3)).set(1, Json.valueToTree("image"));
    }));
  }
}
