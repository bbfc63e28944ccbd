package org.jdnn.io;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.MemoryOps;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/** Named tensors of a layer (PyTorch's state_dict) and their transfer to and from files. */
public final class StateDicts {
  private StateDicts() {}

  /**
   * A layer's state dict: parameters then buffers, by their dotted names ("0.weight",
   * "1.running_mean").
   *
   * @param m the layer (usually a whole model)
   * @return a new map of the layer's own tensors (not copies: do not close them)
   */
  public static Map<String, Tensor> of(Layer m) {
    Map<String, Tensor> out = new LinkedHashMap<>(m.namedParameters());
    out.putAll(m.namedBuffers());
    return out;
  }

  /**
   * {@code tensors} with {@code prefix} prepended to every name.
   *
   * @param prefix e.g. "model."
   * @param tensors the tensors by name
   * @return a new map of the same tensors, in the same order
   */
  public static Map<String, Tensor> prefixed(String prefix, Map<String, Tensor> tensors) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) out.put(prefix + e.getKey(), e.getValue());
    return out;
  }

  /**
   * Copies the file's tensors named {@code prefix + name} into {@code targets}, after checking that
   * the file holds exactly these names under the prefix, with the same dtypes and shapes. Nothing
   * is written unless every check passes.
   *
   * @param f an open file
   * @param prefix the names' prefix in the file ("" for none)
   * @param targets the tensors to overwrite in place, by name without the prefix
   * @throws IOException when a name is missing or extra, a dtype or shape differs (the message
   *     names the file and the tensor), or reading fails
   */
  public static void copyInto(SafeTensorsFile f, String prefix, Map<String, Tensor> targets) throws IOException {
    check(f, prefix, targets);
    for (Map.Entry<String, Tensor> e : targets.entrySet()) {
      try (TensorScope s = new TensorScope()) {
        MemoryOps.copy(f.read(prefix + e.getKey()), e.getValue());
      }
    }
  }

  /**
   * Checks that the file holds exactly the tensors {@code prefix + name} of {@code targets}, with the
   * same dtypes and shapes, as {@link #copyInto} does before copying.
   *
   * @param f an open file
   * @param prefix the names' prefix in the file ("" for none)
   * @param targets the expected tensors, by name without the prefix; only their dtypes and shapes
   *     are read
   * @throws IOException when a name is missing or extra or a dtype or shape differs, naming the file
   *     and the tensor
   */
  public static void check(SafeTensorsFile f, String prefix, Map<String, Tensor> targets) throws IOException {

    for (Map.Entry<String, Tensor> e : targets.entrySet()) {
      SafeTensorsEntry entry = f.entries().get(prefix + e.getKey());
      Tensor t = e.getValue();
      if (entry == null) throw SafeTensorsFile.bad(f.path(), "missing tensor '" + prefix + e.getKey() + "' (" + t.describe() + ")");
      if (entry.dtype != t.dtype() || !Arrays.equals(entry.shape(), t.shape())) {
        throw SafeTensorsFile.bad(f.path(), "tensor '" + entry.name + "' is " + entry.dtype + Arrays.toString(entry.shape())
            + ", expected " + t.dtype() + Arrays.toString(t.shape()));
      }
    }
    for (String name : f.entries().keySet()) {
      if (name.startsWith(prefix) && !targets.containsKey(name.substring(prefix.length()))) {
        throw SafeTensorsFile.bad(f.path(), "unexpected tensor '" + name + "' (expected only " + targets.keySet() + ")");
      }
    }
  }
}
