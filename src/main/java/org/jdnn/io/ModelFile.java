package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;

/**
 * Model files: the weights as safetensors under their state_dict names (PyTorch loads them with
 * safetensors.torch.load_file), the architecture and the normalizer as JSON strings in the
 * metadata ("jdnn.architecture", "jdnn.normalizer"), and jdnn's whole-file checksum.
 *
 * <p>Loading trusts nothing in the file: the safetensors layout is validated first, the
 * architecture names only registered layer types ({@link LayerRegistry}), every layer's parameter
 * shapes are checked against the file's tensors before the layer allocates them (so memory use is
 * bounded by the file's size), and the weights must match the rebuilt model name for name.
 */
public final class ModelFile {
  static final String ARCH_KEY = "jdnn.architecture";
  static final String NORMALIZER_KEY = "jdnn.normalizer";
  private static final int MAX_NORMALIZER = 1 << 20;

  private ModelFile() {}

  public static void save(Path path, Layer model) throws IOException {
    save(path, model, null);
  }

  /** Saves weights, architecture and (when not null) the normalizer, atomically. */
  public static void save(Path path, Layer model, Normalizer normalizer) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put(FileFormats.KEY, FileFormats.MODEL);
    meta.put(ARCH_KEY, Json.write(LayerRegistry.describe(model)));
    if (normalizer != null) meta.put(NORMALIZER_KEY, Json.write(toJson(normalizer)));
    SafeTensors.write(path, StateDicts.of(model), meta);
  }

  /** Saves only the weights (for modules without an architecture entry); load them with {@link #loadWeights}. */
  public static void saveWeights(Path path, Layer model) throws IOException {
    SafeTensors.write(path, StateDicts.of(model), Map.of("format", "pt"));
  }

  /** Rebuilds the saved model (weights, architecture, normalizer). */
  public static SavedModel load(Path path) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
      Map<String, String> meta = f.metadata();
      String wrongKind = FileFormats.mismatch(meta.get(FileFormats.KEY), FileFormats.MODEL);
      if (wrongKind != null) throw SafeTensorsFile.bad(path, wrongKind);
      String arch = meta.get(ARCH_KEY);
      if (arch == null) throw SafeTensorsFile.bad(path, "no architecture (" + ARCH_KEY + ") in the metadata");
      Layer model;
      Normalizer normalizer;
      try {
        String norm = meta.get(NORMALIZER_KEY);
        normalizer = norm == null ? null : fromJson(Json.parse(norm, NORMALIZER_KEY));
        model = LayerRegistry.build(Json.parse(arch, ARCH_KEY), (name, shape) -> {
          SafeTensorsEntry e = f.entries().get(name);
          if (e == null || !Arrays.equals(e.shape(), shape)) {
            throw new IllegalArgumentException("architecture wants tensor '" + name + "' of shape " + Arrays.toString(shape)
                + ", file has " + (e == null ? "none" : Arrays.toString(e.shape())));
          }
        });
      } catch (IllegalArgumentException e) {
        throw SafeTensorsFile.bad(path, e.getMessage());
      }
      try {
        StateDicts.copyInto(f, "", StateDicts.of(model));
      } catch (IOException | RuntimeException e) {
        model.close();
        throw e;
      }
      return new SavedModel(model, normalizer);
    }
  }

  /**
   * Loads weights saved by jdnn ({@link #save} or {@link #saveWeights}) into an existing module;
   * names, dtypes and shapes must match exactly, and the file's checksum must be intact. Nothing is
   * written unless every check passes.
   */
  public static void loadWeights(Path path, Layer into) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
      copyWeights(f, into);
    }
  }

  /**
   * Loads weights from a safetensors file written by another program (e.g. PyTorch's
   * safetensors.torch.save_file(model.state_dict(), path)) into an existing module. Such files
   * carry no jdnn checksum, so corruption of their data cannot be detected; use this only for files
   * from another program ({@link #loadWeights} for jdnn's own). Names, dtypes and shapes must match.
   */
  public static void loadForeignWeights(Path path, Layer into) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.openForeign(path)) {
      copyWeights(f, into);
    }
  }

  private static void copyWeights(SafeTensorsFile f, Layer into) throws IOException {
    if (FileFormats.CHECKPOINT.equals(f.metadata().get(FileFormats.KEY))) {
      throw SafeTensorsFile.bad(f.path(), FileFormats.mismatch(FileFormats.CHECKPOINT, FileFormats.MODEL));
    }
    StateDicts.copyInto(f, "", StateDicts.of(into));
  }

  static ObjectNode toJson(Normalizer n) {
    ObjectNode o = Json.object();
    o.put("per_channel", n.isPerChannel());
    ArrayNode mean = o.putArray("mean");
    for (double v : n.mean()) mean.add(v);
    ArrayNode std = o.putArray("std");
    for (double v : n.std()) std.add(v);
    return o;
  }

  static Normalizer fromJson(JsonNode o) {
    if (!o.isObject() || !o.path("per_channel").isBoolean() || !o.path("mean").isArray() || !o.path("std").isArray()
        || o.get("mean").size() > MAX_NORMALIZER) {
      throw new IllegalArgumentException(NORMALIZER_KEY + " must be {\"per_channel\": bool, \"mean\": [...], \"std\": [...]}");
    }
    return new Normalizer(o.get("per_channel").booleanValue(), numbers(o.get("mean")), numbers(o.get("std")));
  }

  private static double[] numbers(JsonNode a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).isNumber()) throw new IllegalArgumentException(NORMALIZER_KEY + ": entry " + i + " is not a number: " + a.get(i));
      out[i] = a.get(i).doubleValue();
    }
    return out;
  }
}
