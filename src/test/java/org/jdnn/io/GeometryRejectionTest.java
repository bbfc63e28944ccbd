package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Layer;
import org.jdnn.nn.MaxPool2d;
import org.junit.jupiter.api.Test;

/**
 * The model loader and the layer constructors check convolution and pooling geometry through the
 * same code, so a bad setting is refused in the same words whether it comes from a file or from a
 * constructor call; only the speaker differs (the file location, or the layer's name).
 */
class GeometryRejectionTest {

  /** What the constructor says after its layer name. */
  private static String layerDetail(Supplier<Layer> make, String layerName) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> make.get().close());
    String m = e.getMessage();
    assertTrue(m.startsWith(layerName + ": "), m);
    return m.substring(layerName.length() + 2);
  }

  /** What the loader says after "architecture: <type> at the root: " for {@code good} changed by {@code edit}. */
  private static String loaderDetail(Layer good, String type, Consumer<ObjectNode> edit) {
    ObjectNode spec = LayerRegistry.describe(good);
    edit.accept(spec);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LayerRegistry.build(spec, (name, shape) -> {}).close());
    String prefix = "architecture: " + type + " at the root: ";
    String m = e.getMessage();
    assertTrue(m.startsWith(prefix), m);
    return m.substring(prefix.length());
  }

  private static void assertSameRejection(Supplier<Layer> bad, String layerName, Layer good, String type,
      Consumer<ObjectNode> edit, String mentions) {
    try (good) {
      String fromLayer = layerDetail(bad, layerName);
      assertEquals(fromLayer, loaderDetail(good, type, edit));
      assertTrue(fromLayer.contains(mentions), fromLayer);
    }
  }

  @Test
  void conv2dGroupsThatDoNotDivideTheChannels() {
    assertSameRejection(() -> new Conv2d(4, 6, 3, ConvOptions.defaults().groups(4)),
        "Conv2d(4 -> 6, kernel 3x3, groups 4)", new Conv2d(4, 6, 3), "Conv2d", n -> n.put("groups", 4),
        "groups must divide both the input channels (4) and the output channels (6), got groups 4");
  }

  @Test
  void conv2dSamePaddingWithAStride() {
    assertSameRejection(() -> new Conv2d(2, 2, 3, ConvOptions.same().stride(2, 1)),
        "Conv2d(2 -> 2, kernel 3x3, stride 2x1, padding same)", new Conv2d(2, 2, 3), "Conv2d",
        n -> n.put("padding", "same").putArray("stride").add(2).add(1), "\"same\" needs stride 1, got 2x1");
  }

  @Test
  void conv1dGroupsThatDoNotDivideTheChannels() {
    assertSameRejection(() -> new Conv1d(6, 4, 5, ConvOptions.defaults().groups(3)),
        "Conv1d(6 -> 4, kernel 5, groups 3)", new Conv1d(6, 4, 5), "Conv1d", n -> n.put("groups", 3),
        "got groups 3");
  }

  @Test
  void poolingPaddingAboveHalfTheKernel() {
    assertSameRejection(() -> new MaxPool2d(3, 3, 1, 1, 2, 0), "MaxPool2d(kernel 3, stride 1, padding 2x0)",
        new MaxPool2d(3, 3, 1, 1, 0, 0), "MaxPool2d", n -> n.putArray("padding").add(2).add(0),
        "at most half the kernel 3x3 (at most 1x1, PyTorch's rule), got padding 2x0");
    assertSameRejection(() -> new AvgPool2d(2, 4, 2, 2, 0, 3, true), "AvgPool2d(kernel 2x4, stride 2, padding 0x3)",
        new AvgPool2d(2, 4, 2, 2, 0, 0, true), "AvgPool2d", n -> n.putArray("padding").add(0).add(3),
        "got padding 0x3");
  }
}
