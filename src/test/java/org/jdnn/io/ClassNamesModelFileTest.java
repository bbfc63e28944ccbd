package org.jdnn.io;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Class names and the caller's metadata in the model file, and predictions reported by name. */
class ClassNamesModelFileTest {
  @TempDir Path dir;

  @Test
  void classNamesAndUserMetadataRoundTripAndNamePredictions() throws IOException {
    Generator.manualSeed(1);
    Path p = dir.resolve("m.safetensors");
    List<String> names = List.of("cat", "dog", "bird");
    try (Layer m = new Sequential(new Linear(2, 3))) {
      ModelFile.save(p, m, null, names, Map.of("dataset", "toy", "epochs", "3"));
      try (SavedModel saved = ModelFile.load(p); TensorScope s = new TensorScope()) {
        assertEquals(names, saved.classNames());
        assertEquals(Map.of("dataset", "toy", "epochs", "3"), saved.metadata());
        Tensor x = Tensor.of(new float[] {1, 2, -1, 0.5f, 3, -2}, 3, 2);
        long[] idx = saved.predict(x).argmax().toLongArray();
        List<String> byName = saved.predictClassNames(x);
        for (int i = 0; i < 3; i++) assertEquals(names.get((int) idx[i]), byName.get(i));
      }
      // a file saved without them: empty, and predictClassNames says how to add them
      Path plain = dir.resolve("plain.safetensors");
      ModelFile.save(plain, m);
      try (SavedModel saved = ModelFile.load(plain); TensorScope s = new TensorScope()) {
        assertTrue(saved.classNames().isEmpty());
        assertTrue(saved.metadata().isEmpty());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> saved.predictClassNames(Tensor.zeros(1, 2)));
        assertTrue(e.getMessage().contains("ModelFile.save(path, model, normalizer, classNames, metadata)"), e.getMessage());
      }
      // two names for three outputs
      ModelFile.save(p, m, null, List.of("a", "b"), null);
      try (SavedModel saved = ModelFile.load(p); TensorScope s = new TensorScope()) {
        assertRejected("expected (N, 2) scores for 2 class names, got", () -> saved.predictClassNames(Tensor.zeros(1, 2)));
      }
      assertRejected("metadata key 'jdnn.x' is reserved", () -> ModelFile.save(p, m, null, null, Map.of("jdnn.x", "1")));
      assertRejected("metadata key 'format' is reserved", () -> ModelFile.save(p, m, null, null, Map.of("format", "1")));
      assertRejected("class name 1 is null", () -> ModelFile.save(p, m, null, java.util.Arrays.asList("a", null, "c"), null));
      // a file whose class names are not an array of strings is refused at load, naming the key
      Path bad = dir.resolve("bad.safetensors");
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("format", "pt");
      meta.put(FileFormats.KEY, FileFormats.MODEL);
      meta.put(ModelFile.ARCH_KEY, Json.write(LayerRegistry.describe(m)));
      meta.put(ModelFile.CLASS_NAMES_KEY, "[\"a\", 2]");
      SafeTensors.write(bad, StateDicts.of(m), meta);
      IOException e = assertThrows(IOException.class, () -> ModelFile.load(bad));
      assertTrue(e.getMessage().contains("jdnn.class_names: entry 1 is not a string"), e.getMessage());
    }
  }
}
