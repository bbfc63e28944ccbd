package org.jdnn.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.Add;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.GlobalAvgPool2d;
import org.jdnn.nn.Identity;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.Module;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;

/** jdnn's own layer types in the architecture registry: one entry per layer class. */
final class StandardLayers {
  private StandardLayers() {}

  static void registerAll() {
    LayerRegistry.register("Sequential", Sequential.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Sequential(children.toArray(new Module[0])));
    LayerRegistry.register("Residual", Residual.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Residual(only(c, children)));
    LayerRegistry.register("Add", Add.class, (m, n) -> {}, c -> Map.of(),
        (c, children, g) -> new Add(children.toArray(new Module[0])));
    LayerRegistry.register("Linear", Linear.class,
        (m, n) -> n.put("in", m.inFeatures()).put("out", m.outFeatures()).put("bias", m.hasBias()),
        c -> {
          long in = c.positiveInt("in", LayerRegistry.MAX_FEATURES);
          long out = c.positiveInt("out", LayerRegistry.MAX_FEATURES);
          return c.bool("bias") ? LayerRegistry.shapes("weight", new long[] {out, in}, "bias", new long[] {out})
              : LayerRegistry.shapes("weight", new long[] {out, in});
        },
        (c, ch, g) -> new Linear(c.positiveInt("in", LayerRegistry.MAX_FEATURES),
            c.positiveInt("out", LayerRegistry.MAX_FEATURES), c.bool("bias"), g));
    LayerRegistry.register("Reshape", Reshape.class, (m, n) -> {
      ArrayNode a = n.putArray("shape");
      for (long d : m.shape()) a.add(d);
    }, c -> Map.of(), (c, ch, g) -> new Reshape(c.shape("shape")));
    LayerRegistry.register("LeakyReLU", LeakyReLU.class, (m, n) -> n.put("negative_slope", m.negativeSlope()),
        c -> Map.of(), (c, ch, g) -> new LeakyReLU(c.finite("negative_slope")));
    LayerRegistry.register("ELU", ELU.class, (m, n) -> n.put("alpha", m.alpha()), c -> Map.of(),
        (c, ch, g) -> new ELU(c.finite("alpha")));
    LayerRegistry.register("Softmax", Softmax.class, (m, n) -> n.put("temperature", m.temperature()), c -> Map.of(),
        (c, ch, g) -> new Softmax(c.finite("temperature")));
    LayerRegistry.register("LogSoftmax", LogSoftmax.class, (m, n) -> n.put("temperature", m.temperature()), c -> Map.of(),
        (c, ch, g) -> new LogSoftmax(c.finite("temperature")));
    LayerRegistry.registerSimple("ReLU", ReLU.class, ReLU::new);
    LayerRegistry.registerSimple("Sigmoid", Sigmoid.class, Sigmoid::new);
    LayerRegistry.registerSimple("Tanh", Tanh.class, Tanh::new);
    LayerRegistry.registerSimple("Softplus", Softplus.class, Softplus::new);
    LayerRegistry.registerSimple("Step", Step.class, Step::new);
    LayerRegistry.registerSimple("Identity", Identity.class, Identity::new);
    LayerRegistry.registerSimple("Flatten", Flatten.class, Flatten::new);
    LayerRegistry.registerSimple("GlobalAvgPool2d", GlobalAvgPool2d.class, GlobalAvgPool2d::new);
  }

  private static Module only(LayerConfig c, List<Module> children) {
    if (children.size() != 1) {
      throw new IllegalArgumentException("architecture: " + c.where() + ": expected 1 child, got " + children.size());
    }
    return children.get(0);
  }
}
