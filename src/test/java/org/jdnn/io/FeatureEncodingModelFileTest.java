package org.jdnn.io;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdnn.data.CategoryEncoding;
import org.jdnn.data.CsvReader;
import org.jdnn.data.Normalizer;
import org.jdnn.data.UnknownCategory;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.Sequential;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The CSV feature encoding in the model file: round trip, predictions from raw rows, unknown categories, damaged entries. */
class FeatureEncodingModelFileTest {
  private static final String TRAIN = "age,color,size,y\n30,red,M,yes\n41,blue,L,no\n25,red,S,yes\n";

  @TempDir Path dir;

  private Path csv(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "cuda-emu"})
  void aLoadedModelEncodesRawRowsAsTheTrainingTableDid(String device) throws IOException {
    Device dev = device.equals("cpu") ? Device.cpu() : Device.cudaEmulated();
    Generator.manualSeed(3);
    CsvReader.Table train = CsvReader.labelColumn("y").categorical("size", CategoryEncoding.INDEX, UnknownCategory.BUCKET)
        .read(csv("train.csv", TRAIN));
    Normalizer norm = train.fitNormalizer();
    Path file = dir.resolve("m.safetensors");
    try (Layer m = new Sequential(new Linear(train.encoding.width(), 2)).to(dev)) {
      ModelFile.save(file, m, norm, train.encoding, train.classNames, null);
    }
    try (Device.DefaultScope d = Device.useDefault(dev); SavedModel saved = ModelFile.load(file); TensorScope s = new TensorScope()) {
      assertEquals(train.encoding, saved.featureEncoding());
      assertEquals(norm, saved.normalizer());
      // other column order, a label column and an unknown size: found by name, ignored, bucket index 3
      Path rows = csv("rows.csv", "size,y,age,color\nXL,no,33,blue\nM,yes,28,red\n");
      float[] byHand = {33, 1, 0, 3, 28, 0, 1, 1};
      float[] expected = saved.predict(Tensor.of(byHand, 2, 4).to(dev)).toFloatArray();
      assertArrayEquals(expected, saved.predictCsv(rows).toFloatArray());
      List<Map<String, String>> maps = List.of(Map.of("age", "33", "color", "blue", "size", "XL"),
          Map.of("age", " 28", "color", "red ", "size", "M"));
      Tensor out = saved.predictRows(maps);
      assertEquals(dev, out.device());
      assertArrayEquals(expected, out.toFloatArray());
      // the one-hot color column refuses unknown values: named with its column and value
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> saved.predictRows(List.of(Map.of("age", "1", "color", "green", "size", "M"))));
      assertTrue(e.getMessage().startsWith("FeatureEncoding.encode: row 0, column 'color': unknown category 'green', not one of the"
          + " 2 known [blue, red]"), e.getMessage());
      Path bad = csv("bad.csv", "age,color,size\n1,red,M\n2,green,M\n");
      IOException io = assertThrows(IOException.class, () -> saved.predictCsv(bad));
      assertTrue(io.getMessage().startsWith(bad + " line 3, column 'color': unknown category 'green'"), io.getMessage());
      assertRejected("no rows", () -> saved.predictRows(List.of()));
    }
  }

  @Test
  void savingRefusesANormalizerOfAnotherWidthAndAFileWithoutEncodingSaysHowToAddIt() throws IOException {
    CsvReader.Table train = CsvReader.labelColumn("y").read(csv("train.csv", TRAIN));
    Path file = dir.resolve("m.safetensors");
    try (Layer m = new Sequential(new Linear(train.encoding.width(), 2))) {
      Normalizer three = new Normalizer(false, new double[3], new double[] {1, 1, 1});
      assertRejected("the feature encoding makes 6 features but the normalizer is for 3 features",
          () -> ModelFile.save(file, m, three, train.encoding, null, null));
      ModelFile.save(file, m);
      try (SavedModel saved = ModelFile.load(file)) {
        assertEquals(null, saved.featureEncoding());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> saved.predictRows(List.of(Map.of("age", "1"))));
        assertTrue(e.getMessage().contains("ModelFile.save(path, model, normalizer, table.encoding, classNames, metadata)"),
            e.getMessage());
      }
    }
  }

  @Test
  void aDamagedEncodingEntryIsRefusedNamingTheKeyAndTheEntry() throws IOException {
    try (Layer m = new Sequential(new Linear(3, 1))) {
      String[][] cases = {
          {"{\"columns\": []}", "jdnn.feature_encoding must be {\"columns\": [...]} with 1 to"},
          {"{\"columns\": [{\"name\": \"a\", \"type\": \"bogus\"}]}", "column 0: type must be numeric, one_hot or index, got 'bogus'"},
          {"{\"columns\": [{\"name\": \"a\", \"type\": \"index\", \"categories\": [\"x\", 2], \"unknown\": \"error\"}]}",
              "column 0: category 1 is not a string: 2"},
          {"{\"columns\": [{\"name\": \"a\", \"type\": \"one_hot\", \"categories\": [\"x\"], \"unknown\": \"ignore\"}]}",
              "column 0: unknown must be error or bucket, got \"ignore\""},
          {"{\"columns\": [{\"name\": \"a\", \"type\": \"one_hot\", \"categories\": [\"x\", \"x\"], \"unknown\": \"error\"}]}",
              "category 'x' given twice"},
          {"{\"columns\": [{\"name\": \"a\", \"type\": \"numeric\"}, {\"name\": \"a\", \"type\": \"numeric\"}]}",
              "column 'a' given twice"},
      };
      for (String[] c : cases) {
        Path bad = dir.resolve("bad.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(FileFormats.KEY, FileFormats.MODEL);
        meta.put(ModelFile.ARCH_KEY, Json.write(LayerRegistry.describe(m)));
        meta.put(FeatureEncodingJson.KEY, c[0]);
        SafeTensors.write(bad, StateDicts.of(m), meta);
        IOException e = assertThrows(IOException.class, () -> ModelFile.load(bad));
        assertTrue(e.getMessage().startsWith(bad + ": ") && e.getMessage().contains(c[1]), e.getMessage());
      }
    }
  }
}
