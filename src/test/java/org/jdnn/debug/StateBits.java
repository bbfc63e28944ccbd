package org.jdnn.debug;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.optim.Optimizer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** Every bit of a model's and an optimizer's state, and the global generator's position, as comparable text and arrays. */
final class StateBits {
  private StateBits() {}

  static Map<String, Object> of(Layer model, Optimizer optimizer) {
    Map<String, Object> out = new LinkedHashMap<>();
    try (TensorScope s = new TensorScope()) {
      for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
        out.put("param " + e.getKey(), bits(e.getValue()));
        Tensor g = e.getValue().grad();
        out.put("grad " + e.getKey(), g == null ? "none" : bits(g));
      }
      for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) out.put("buffer " + e.getKey(), bits(e.getValue()));
      for (Map.Entry<String, Tensor> e : optimizer.stateTensors().entrySet()) out.put("optimizer " + e.getKey(), bits(e.getValue()));
    }
    out.put("optimizer scalars", optimizer.stateScalars().toString());
    out.put("generator", Generator.global().seed() + "/" + Generator.global().offset());
    StringBuilder modes = new StringBuilder();
    modes(model, modes);
    out.put("modes", modes.toString());
    return out;
  }

  private static void modes(Layer l, StringBuilder sb) {
    sb.append(l.isTraining() ? 'T' : 'E');
    for (Layer c : l.children().values()) modes(c, sb);
  }

  /** The raw bits of every element, as a string (so maps of them compare with equals). */
  static String bits(Tensor t) {
    Tensor host = t.to(Device.cpu());
    StringBuilder sb = new StringBuilder(t.dtype() + java.util.Arrays.toString(t.shape()) + ":");
    if (t.dtype() == DType.FLOAT32) {
      for (float v : host.toFloatArray()) sb.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
    } else if (t.dtype() == DType.FLOAT64) {
      for (double v : host.toDoubleArray()) sb.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(',');
    } else if (t.dtype() == DType.INT64) {
      for (long v : host.toLongArray()) sb.append(v).append(',');
    } else {
      throw new IllegalArgumentException("StateBits: no reader for " + t.describe());
    }
    return sb.toString();
  }
}
