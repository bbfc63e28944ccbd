package org.jdnn.nn;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradCheck;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.EveryDevice;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Graphs of layers with named inputs and outputs: the forward pass equals the same layers applied by
 * hand (bit for bit), gradients reach every parameter and equal the hand-applied ones, merges against
 * float64 loops, modes and devices, and every definition error. Run on each device.
 */
@EveryDevice
class GraphTest {
  @BeforeEach
  void seed() {
    Generator.manualSeed(31);  // initial weights independent of test order (no dead ReLU by chance)
  }

  /** Two inputs: image (N, 6) through a trunk; meta (N, 3) joined to it; two heads, one of them a sum. */
  static Graph twoInTwoOut() {
    return Graph.builder()
        .input("image").input("meta")
        .node("trunk", new Sequential(new Linear(6, 5), new ReLU()), "image")
        .concat("joined", 1, "trunk", "meta")
        .node("class_head", new Linear(8, 4), "joined")
        .node("side", new Linear(3, 4), "meta")
        .add("class", "class_head", "side")
        .node("footwear", new Linear(8, 1), "joined")
        .output("class").output("footwear")
        .build();
  }

  private static Tensor random(long seed, long... shape) {
    Tensor t = Tensor.empty(DType.FLOAT32, shape);
    new Generator(seed).uniform(t, -2, 2);
    return t;
  }

  /** The graph's arithmetic written out with the same layer objects. */
  private static Tensor[] byHand(Graph g, Tensor image, Tensor meta) {
    Map<String, Layer> c = g.children();
    Tensor trunk = c.get("trunk").forward(image);
    Tensor joined = org.jdnn.tensor.ConcatOps.concat(1, "test", trunk, meta);
    Tensor cls = c.get("class_head").forward(joined).add(c.get("side").forward(meta));
    Tensor foot = c.get("footwear").forward(joined);
    return new Tensor[] {cls, foot};
  }

  @Test
  void forwardEqualsTheLayersAppliedByHandBitForBit() {
    try (TensorScope s = new TensorScope(); Graph g = twoInTwoOut()) {
      Tensor image = random(1, 7, 6);
      Tensor meta = random(2, 7, 3);
      Map<String, Tensor> out = g.forward(Map.of("meta", meta, "image", image));
      assertEquals(List.of("class", "footwear"), List.copyOf(out.keySet()));
      Tensor[] want = byHand(g, image, meta);
      assertArrayEquals(new long[] {7, 4}, out.get("class").shape());
      assertArrayEquals(new long[] {7, 1}, out.get("footwear").shape());
      assertArrayEquals(want[0].toFloatArray(), out.get("class").toFloatArray());
      assertArrayEquals(want[1].toFloatArray(), out.get("footwear").toFloatArray());
    }
  }

  @Test
  void gradientsReachEveryParameterAndEqualTheHandAppliedOnes() {
    try (TensorScope s = new TensorScope(); Graph g = twoInTwoOut()) {
      Tensor image = random(3, 5, 6);
      Tensor meta = random(4, 5, 3);
      Map<String, Tensor> out = g.forward(Map.of("image", image, "meta", meta));
      out.get("class").square().sum().add(out.get("footwear").mul(3).sum()).backward();
      Map<String, Tensor> params = g.namedParameters();
      assertEquals(List.of("trunk.0.weight", "trunk.0.bias", "class_head.weight", "class_head.bias", "side.weight",
          "side.bias", "footwear.weight", "footwear.bias"), List.copyOf(params.keySet()));
      Map<String, float[]> viaGraph = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        Tensor grad = e.getValue().grad();
        assertNotNull(grad, "no gradient reached " + e.getKey());
        float[] v = grad.toFloatArray();
        double norm = 0;
        for (float f : v) norm += Math.abs(f);
        assertTrue(norm > 0, "zero gradient for " + e.getKey());
        viaGraph.put(e.getKey(), v);
      }
      g.zeroGrad();
      Tensor[] want = byHand(g, image, meta);
      want[0].square().sum().add(want[1].mul(3).sum()).backward();
      for (Map.Entry<String, Tensor> e : params.entrySet()) {
        assertArrayEquals(e.getValue().grad().toFloatArray(), viaGraph.get(e.getKey()), e.getKey());
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesInFloat64(Device device) {
    assumeTrue(device == Device.cpu(), "float64 finite differences run on the CPU backend; the other devices compare with"
        + " the hand-applied layers above");
    try (TensorScope s = new TensorScope();
        Graph g = Graph.builder().input("a").input("b")
            .node("ta", new Sequential(new Linear(3, 4), new Tanh()), "a").node("tb", new Linear(2, 4), "b")
            .add("sum", "ta", "tb").concat("cat", 1, "sum", "b").node("head", new Linear(6, 2), "cat")
            .output("head").output("sum").build()) {
      g.to(DType.FLOAT64);
      Tensor a = Tensor.of(new double[] {0.3, -0.7, 1.1, 0.2, 0.5, -0.4}, 2, 3);
      Tensor b = Tensor.of(new double[] {-0.6, 0.9, 0.4, -0.1}, 2, 2);
      GradCheck.check(x -> {
        Map<String, Tensor> out = g.forward(Map.of("a", x[0], "b", x[1]));
        return out.get("head").square().sum().add(out.get("sum").mul(0.5).sum());
      }, g.parameters(), 1e-6, a, b).assertWithin(1e-7, 1e-6);
    }
  }

  @Test
  void mergesMatchFloat64Loops() {
    try (TensorScope s = new TensorScope()) {
      Tensor a = random(5, 3, 2);
      Tensor b = random(6, 3, 4);
      Tensor c = random(7, 3, 2);
      double[] av = a.to(DType.FLOAT64).toDoubleArray();
      double[] bv = b.to(DType.FLOAT64).toDoubleArray();
      double[] cv = c.to(DType.FLOAT64).toDoubleArray();
      float[] cat = new ConcatInputs(1).forward(List.of(a, b, c)).toFloatArray();
      float[] sum = new AddInputs().forward(List.of(a, c, a)).toFloatArray();
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 8; j++) {
          double want = j < 2 ? av[i * 2 + j] : j < 6 ? bv[i * 4 + j - 2] : cv[i * 2 + j - 6];
          assertEquals(want, cat[i * 8 + j], 0.0, "concat (" + i + ", " + j + ")");
        }
        for (int j = 0; j < 2; j++) {
          double want = av[i * 2 + j] + cv[i * 2 + j] + av[i * 2 + j];
          assertEquals(want, sum[i * 2 + j], 1e-6 * Math.max(1, Math.abs(want)), "sum (" + i + ", " + j + ")");
        }
      }
    }
  }

  /** A merge of one's own, as a PyTorch forward of two arguments: a * b. */
  static final class Product extends Merge {
    @Override
    public Tensor forward(List<Tensor> inputs) {
      return inputs.get(0).mul(inputs.get(1));
    }
  }

  @Test
  void aUserMergeTakesSeveralTensors() {
    try (TensorScope s = new TensorScope();
        Graph g = Graph.builder().input("x").input("y").node("p", new Product(), "x", "y").output("p").build()) {
      Tensor x = random(8, 4, 3);
      Tensor y = random(9, 4, 3);
      float[] got = g.forward(Map.of("x", x, "y", y)).get("p").toFloatArray();
      double[] xv = x.to(DType.FLOAT64).toDoubleArray();
      double[] yv = y.to(DType.FLOAT64).toDoubleArray();
      for (int i = 0; i < got.length; i++) assertEquals((float) (xv[i] * yv[i]), got[i], 0.0f, "element " + i);
    }
  }

  @Test
  void aGraphOfOneInputAndOutputIsAnOrdinaryLayer(Device device) {
    try (TensorScope s = new TensorScope();
        Graph g = Graph.builder().input("x").node("a", new Linear(4, 3), "x").node("b", new Linear(4, 3), "x")
            .add("sum", "a", "b").node("drop", new Dropout(0.5), "sum").output("y", "drop").build()) {
      assertSame(device, g.device());
      Tensor x = random(10, 2, 4);
      g.eval();
      assertTrue(!g.children().get("drop").isTraining(), "eval reaches the nodes");
      Map<String, Layer> c = g.children();
      float[] want = c.get("a").forward(x).add(c.get("b").forward(x)).toFloatArray();
      assertArrayEquals(want, g.forward(x).toFloatArray());
      Summary sum = Summary.of(g, 4);
      assertEquals(List.of("a", "b", "sum", "drop"), sum.rows().stream().map(r -> r.name).toList());
      assertEquals(2 * (2 * 4 * 3 + 3) + 3, sum.totalFlops(), "two Linear(4 -> 3) and one sum of 3 elements");
      assertEquals(sum.totalFlops(), g.flops(new long[] {4}, new long[] {3}));
      g.train();
      assertTrue(c.get("drop").isTraining());
      assertRejected("input 'x' is null", () -> g.forward((Tensor) null));
    }
  }

  @Test
  void summaryOfSeveralInputs() {
    try (Graph g = twoInTwoOut()) {
      Summary sum = Summary.of(g, Map.of("image", new long[] {6}, "meta", new long[] {3}));
      assertEquals(List.of("trunk.0", "trunk.1", "joined", "class_head", "side", "class", "footwear"),
          sum.rows().stream().map(r -> r.name).toList());
      assertArrayEquals(new long[] {8}, sum.rows().get(2).outputShape);
      assertEquals(g.parameterCount(), sum.totalParameters());
      assertRejected("Graph.summary(Map)", () -> Summary.of(g, 6));
      try (Graph oneInTwoOut = Graph.builder().input("x").node("a", new Linear(4, 3), "x").node("b", new Linear(4, 2), "x")
          .output("a").output("b").build()) {
        Summary two = oneInTwoOut.summary(4);
        assertEquals(List.of("a", "b"), two.rows().stream().map(r -> r.name).toList());
        assertEquals(2 * 4 * 3 + 3 + 2 * 4 * 2 + 2, two.totalFlops());
      }
      try (Sequential nested = new Sequential(Graph.builder().input("x").node("a", new Linear(4, 3), "x")
          .node("b", new Linear(4, 2), "x").output("a").output("b").build())) {
        assertRejected("several inputs or outputs", () -> Summary.of(nested, 4));
      }
    }
  }

  @Test
  void movesToAnotherDeviceWithItsNodes() {
    try (TensorScope s = new TensorScope(); Graph g = twoInTwoOut()) {
      Device target = g.device() == Device.cpu() ? Device.cudaEmulated() : Device.cpu();
      Tensor image = random(11, 3, 6);
      Tensor meta = random(12, 3, 3);
      float[] before = g.forward(Map.of("image", image, "meta", meta)).get("class").toFloatArray();
      g.to(target);
      assertSame(target, g.device());
      float[] after = g.forward(Map.of("image", image.to(target), "meta", meta.to(target))).get("class").toFloatArray();
      assertArrayEquals(before, after, 1e-5f);
    }
  }

  @Test
  void shapeMismatchAtFirstForwardNamesTheNode() {
    try (TensorScope s = new TensorScope(); Graph g = twoInTwoOut()) {
      assertRejected("Graph node 'class_head' (Linear(8 -> 4)) given", () -> g.forward(Map.of("image", random(1, 2, 6),
          "meta", random(2, 2, 5))));
      assertRejected("Graph node 'trunk'", () -> g.forward(Map.of("image", random(1, 2, 7), "meta", random(2, 2, 3))));
      assertRejected("Graph node 'joined' (ConcatInputs(dim=1))", () -> g.forward(Map.of("image", random(1, 2, 6),
          "meta", random(2, 3, 3))));
      assertRejected("missing [meta]", () -> g.forward(Map.of("image", random(1, 2, 6))));
      assertRejected("unknown [extra]", () -> g.forward(Map.of("image", random(1, 2, 6), "meta", random(2, 2, 3),
          "extra", random(3, 2, 3))));
      java.util.Map<String, Tensor> withNull = new java.util.HashMap<>();
      withNull.put("image", random(1, 2, 6));
      withNull.put("meta", null);
      assertRejected("input 'meta' is null", () -> g.forward(withNull));
      assertRejected("call forward(Map)", () -> g.forward(random(1, 2, 6)));
    }
  }

  @Test
  void definitionErrorsNameTheProblemAndFreeTheLayers() {
    Linear kept = new Linear(2, 2);
    assertRejected("unknown source 'trnk'; known so far: [x, trunk]", () -> Graph.builder().input("x")
        .node("trunk", new Linear(2, 2), "x").node("head", kept, "trnk"));
    assertTrue(kept.parameter("weight").isClosed(), "a failed call frees the layer it was given");

    assertRejected("'x' is already used by an input", () -> Graph.builder().input("x").input("x"));
    assertRejected("'a' is already used by a node", () -> Graph.builder().input("x").node("a", new ReLU(), "x")
        .node("a", new ReLU(), "x"));
    assertRejected("'y' is already an output", () -> Graph.builder().input("x").node("a", new ReLU(), "x")
        .output("y", "a").output("y", "a"));
    assertRejected("input 'm' feeds no node", () -> Graph.builder().input("x").input("m").node("a", new ReLU(), "x")
        .output("a").build());
    assertRejected("node 'aux' feeds no output", () -> Graph.builder().input("x").node("a", new ReLU(), "x")
        .node("aux", new Linear(2, 2), "x").output("a").build());
    assertRejected("takes one tensor, got 2 sources [x, y]", () -> Graph.builder().input("x").input("y")
        .node("a", new Linear(2, 2), "x", "y"));
    assertRejected("no sources", () -> Graph.builder().input("x").node("a", new ReLU()));
    assertRejected("the layer is null", () -> Graph.builder().input("x").node("a", null, "x"));
    assertRejected("invalid name 'a.b'", () -> Graph.builder().input("a.b"));
    assertRejected("invalid name ''", () -> Graph.builder().input("x").node("", new ReLU(), "x"));
    assertRejected("it is an input", () -> Graph.builder().input("x").node("a", new ReLU(), "x").output("x"));
    assertRejected("no such node", () -> Graph.builder().input("x").node("a", new ReLU(), "x").output("b"));
    assertRejected("no inputs", () -> Graph.builder().build());
    assertRejected("no outputs", () -> Graph.builder().input("x").node("a", new ReLU(), "x").build());
    assertRejected("declare the inputs before the nodes", () -> Graph.builder().input("x").node("a", new ReLU(), "x")
        .input("y"));

    Linear shared = new Linear(2, 2);
    GraphBuilder b = Graph.builder().input("x").node("a", shared, "x");
    assertRejected("is already the layer of node 'a'", () -> b.node("b", shared, "a"));
    assertTrue(shared.parameter("weight").isClosed(), "a failed definition frees the layers it held");
    assertThrows(IllegalStateException.class, () -> b.node("c", new ReLU(), "a"));

    GraphBuilder done = Graph.builder().input("x").node("a", new ReLU(), "x").output("a");
    done.build().close();
    assertThrows(IllegalStateException.class, done::build);
  }

  @Test
  void replacingANodesLayerKeepsItsName() {
    try (TensorScope s = new TensorScope(); Graph g = twoInTwoOut()) {
      assertRejected("must be a Merge", () -> g.replaceChild("class", new ReLU()));
      Layer old = g.replaceChild("class", new ConcatInputs(1));
      old.close();
      Map<String, Tensor> out = g.forward(Map.of("image", random(1, 2, 6), "meta", random(2, 2, 3)));
      assertArrayEquals(new long[] {2, 8}, out.get("class").shape());
      assertEquals(List.of("meta"), g.sources("side"));
      assertEquals("footwear", g.outputNode("footwear"));
      assertRejected("no output 'x'", () -> g.outputNode("x"));
    }
  }
}
