package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.FeatureEncoding;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;

/**
 * Model files: the weights as safetensors under their state_dict names (PyTorch loads them with
 * safetensors.torch.load_file), the architecture and the normalizer as JSON strings in the
 * metadata ("jdnn.architecture", "jdnn.normalizer"), optionally the class names ("jdnn.class_names",
 * a JSON array of strings, so predictions can be reported by name), the CSV feature encoding
 * ("jdnn.feature_encoding", see {@link FeatureEncodingJson}, so raw rows are encoded as in training) and the caller's own string
 * entries (any key not starting with "jdnn." and not "format"), and jdnn's whole-file checksum.
 *
 * <p>Loading trusts nothing in the file: the safetensors layout is validated first, the
 * architecture names only registered layer types ({@link LayerRegistry}), every layer's parameter
 * shapes are checked against the file's tensors before the layer allocates them (so memory use is
 * bounded by the file's size), and the weights must match the rebuilt model name for name.
 *
 * <pre>{@code
 * ModelFile.save(Path.of("mlp.safetensors"), model, normalizer);
 * try (SavedModel saved = ModelFile.load(Path.of("mlp.safetensors"))) {
 *   Tensor logits = saved.predict(images);
 * }
 * }</pre>
 *
 * <p>Every failure to load is an IOException whose message starts with the file's path and says
 * what is wrong with it; nothing is allocated for a file that fails its checks.
 */
public final class ModelFile {
  static final String ARCH_KEY = "jdnn.architecture";
  static final String NORMALIZER_KEY = "jdnn.normalizer";
  static final String CLASS_NAMES_KEY = "jdnn.class_names";
  private static final int MAX_NORMALIZER = 1 << 20;

  private ModelFile() {}

  /**
   * Saves weights and architecture, atomically (readers see the old file or the complete new one).
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param model the model; every layer in it must have a registered type
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a layer's type is not registered (save its weights with
   *     {@link #saveWeights} instead)
   */
  public static void save(Path path, Layer model) throws IOException {
    save(path, model, null);
  }

  /**
   * Saves weights, architecture and (when not null) the normalizer, atomically.
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param model the model; every layer in it must have a registered type
   * @param normalizer the input normalizer the model was trained with, or null
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a layer's type is not registered
   */
  public static void save(Path path, Layer model, Normalizer normalizer) throws IOException {
    save(path, model, normalizer, null, null);
  }

  /**
   * Saves weights, architecture, the normalizer, the class names and the caller's metadata,
   * atomically. {@link SavedModel#classNames()} and {@link SavedModel#metadata()} read them back.
   *
   * <pre>{@code
   * ModelFile.save(path, model, normalizer, List.of("T-shirt/top", "Trouser", ...), Map.of("dataset", "fashion-mnist"));
   * }</pre>
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param model the model; every layer in it must have a registered type
   * @param normalizer the input normalizer the model was trained with, or null
   * @param classNames the name of each output class in class-index order, or null; not null
   *     entries
   * @param userMetadata string entries to store as they are, or null; keys must not start with
   *     "jdnn." or be "format" (jdnn's own)
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a layer's type is not registered, a class name is null,
   *     or a metadata key is reserved or null
   */
  public static void save(Path path, Layer model, Normalizer normalizer, List<String> classNames, Map<String, String> userMetadata)
      throws IOException {
    save(path, model, normalizer, null, classNames, userMetadata);
  }

  /**
   * Saves weights, architecture, the normalizer, the CSV feature encoding, the class names and the
   * caller's metadata, atomically. {@link SavedModel#predictRows} and {@link SavedModel#predictCsv}
   * then encode raw rows as in training.
   *
   * <pre>{@code
   * ModelFile.save(path, model, train.fitNormalizer(), train.encoding, train.classNames, null);
   * }</pre>
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param model the model; every layer in it must have a registered type
   * @param normalizer the input normalizer the model was trained with, or null
   * @param encoding how CSV rows became the model's features ({@code CsvReader.Table.encoding}), or null
   * @param classNames the name of each output class in class-index order, or null
   * @param userMetadata string entries to store as they are, or null; keys must not start with
   *     "jdnn." or be "format"
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when a layer's type is not registered, a class name is null, a
   *     metadata key is reserved or null, or the normalizer's feature count differs from the encoding's
   */
  public static void save(Path path, Layer model, Normalizer normalizer, FeatureEncoding encoding, List<String> classNames,
      Map<String, String> userMetadata) throws IOException {
    String mismatch = widthMismatch(normalizer, encoding);
    if (mismatch != null) throw new IllegalArgumentException("ModelFile.save: " + mismatch);
    Map<String, String> meta = new LinkedHashMap<>();
    if (userMetadata != null) {
      for (Map.Entry<String, String> e : userMetadata.entrySet()) {
        String k = e.getKey();
        if (k == null || e.getValue() == null || k.startsWith("jdnn.") || k.equals("format")) {
          throw new IllegalArgumentException("ModelFile.save: metadata key " + (k == null ? "null" : "'" + k + "'")
              + (e.getValue() == null ? " has a null value" : " is reserved") + "; use keys that do not start with \"jdnn.\" and are not \"format\"");
        }
        meta.put(k, e.getValue());
      }
    }
    meta.put("format", "pt");
    meta.put(FileFormats.KEY, FileFormats.MODEL);
    meta.put(ARCH_KEY, Json.write(LayerRegistry.describe(model)));
    if (normalizer != null) meta.put(NORMALIZER_KEY, Json.write(toJson(normalizer)));
    if (encoding != null) meta.put(FeatureEncodingJson.KEY, Json.write(FeatureEncodingJson.toJson(encoding)));
    if (classNames != null) {
      ArrayNode a = Json.object().arrayNode();
      for (int i = 0; i < classNames.size(); i++) {
        String n = classNames.get(i);
        if (n == null) throw new IllegalArgumentException("ModelFile.save: class name " + i + " is null; pass a name for every class");
        a.add(n);
      }
      meta.put(CLASS_NAMES_KEY, Json.write(a));
    }
    SafeTensors.write(path, StateDicts.of(model), meta);
  }

  /**
   * Saves only the weights (for layers without an architecture entry), atomically; load them into
   * a model built in code with {@link #loadWeights}.
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param model any model
   * @throws IOException when the file cannot be written
   */
  public static void saveWeights(Path path, Layer model) throws IOException {
    SafeTensors.write(path, StateDicts.of(model), Map.of("format", "pt"));
  }

  /**
   * Rebuilds the saved model (weights, architecture, normalizer), in eval mode, on the thread's
   * default device.
   *
   * @param path a file written by {@link #save}
   * @return the model and its normalizer; the caller owns it and closes it to free the weights
   * @throws IOException when the file cannot be read, is not a valid safetensors file, fails its
   *     checksum, is a training checkpoint or a weights-only file, or its architecture or tensors
   *     are invalid; the message names the file
   */
  public static SavedModel load(Path path) throws IOException {
    try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
      Map<String, String> meta = f.metadata();
      String wrongKind = FileFormats.mismatch(meta.get(FileFormats.KEY), FileFormats.MODEL);
      if (wrongKind != null) throw SafeTensorsFile.bad(path, wrongKind);
      String arch = meta.get(ARCH_KEY);
      if (arch == null) throw SafeTensorsFile.bad(path, "no architecture (" + ARCH_KEY + ") in the metadata");
      Layer model;
      Normalizer normalizer;
      FeatureEncoding encoding;
      List<String> classNames;
      try {
        String names = meta.get(CLASS_NAMES_KEY);
        classNames = names == null ? List.of() : classNames(Json.parse(names, CLASS_NAMES_KEY));
        String norm = meta.get(NORMALIZER_KEY);
        normalizer = norm == null ? null : fromJson(Json.parse(norm, NORMALIZER_KEY));
        String enc = meta.get(FeatureEncodingJson.KEY);
        encoding = enc == null ? null : FeatureEncodingJson.fromJson(Json.parse(enc, FeatureEncodingJson.KEY));
        String mismatch = widthMismatch(normalizer, encoding);
        if (mismatch != null) throw new IllegalArgumentException(mismatch);
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
      Map<String, String> user = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : meta.entrySet()) {
        if (!e.getKey().startsWith("jdnn.") && !e.getKey().equals("format")) user.put(e.getKey(), e.getValue());
      }
      return new SavedModel(model, normalizer, encoding, classNames, user);
    }
  }

  /**
   * Loads weights saved by jdnn ({@link #save} or {@link #saveWeights}) into an existing module;
   * names, dtypes and shapes must match exactly, and the file's checksum must be intact. Nothing is
   * written unless every check passes.
   *
   * @param path a file written by {@link #save} or {@link #saveWeights}
   * @param into the model to copy the weights into, in place (on any device)
   * @throws IOException when the file cannot be read, is damaged or is a training checkpoint, or
   *     its tensors' names, dtypes or shapes differ from the model's; the message names the file
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
   *
   * @param path a safetensors file from another program
   * @param into the model to copy the weights into, in place
   * @throws IOException when the file cannot be read or is not valid safetensors, carries jdnn
   *     metadata without a checksum (a damaged jdnn file), or its tensors do not match the model's
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

  // The normalizer standardizes exactly the encoded features, so their counts must agree.
  private static String widthMismatch(Normalizer normalizer, FeatureEncoding encoding) {
    if (normalizer == null || encoding == null || (!normalizer.isPerChannel() && normalizer.mean().length == encoding.width())) {
      return null;
    }
    return "the feature encoding makes " + encoding.width() + " features but the normalizer is "
        + (normalizer.isPerChannel() ? "per channel" : "for " + normalizer.mean().length + " features")
        + "; fit the normalizer on the encoded table (CsvReader.Table.fitNormalizer())";
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

  private static List<String> classNames(JsonNode a) {
    if (!a.isArray()) throw new IllegalArgumentException(CLASS_NAMES_KEY + " must be a JSON array of strings");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).isTextual()) throw new IllegalArgumentException(CLASS_NAMES_KEY + ": entry " + i + " is not a string: " + a.get(i));
      out.add(a.get(i).textValue());
    }
    return List.copyOf(out);
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
