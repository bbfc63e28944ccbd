package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Categorical CSV columns: one-hot and index tables computed by hand, detection, unknown values, errors. */
class CsvCategoricalTest {
  private static final String PEOPLE = "age,color,size,y\n30,red,M,yes\n41,blue,L,no\n25,red,S,yes\n";

  @TempDir Path dir;

  private Path csv(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private IOException refused(CsvReader reader, Path p) {
    return assertThrows(IOException.class, () -> reader.read(p));
  }

  @Test
  void detectedOneHotAndDeclaredIndexColumnsGiveTheHandComputedTable() throws IOException {
    CsvReader.Table t = CsvReader.labelColumn("y").categorical("size", CategoryEncoding.INDEX).read(csv("p.csv", PEOPLE));
    assertEquals(List.of("age", "color=blue", "color=red", "size"), t.featureNames);
    // color: blue 0, red 1 (one-hot); size: L 0, M 1, S 2 (index)
    assertArrayEquals(new float[] {
        30, 0, 1, 1,
        41, 1, 0, 0,
        25, 0, 1, 2}, t.features);
    assertEquals(List.of("color"), t.detectedCategorical, "size was declared, color detected");
    assertArrayEquals(new int[] {1, 0, 1}, t.labels);
    FeatureEncoding.Column color = t.encoding.columns().get(1);
    assertEquals(List.of("blue", "red"), color.categories());
    assertEquals(CategoryEncoding.ONE_HOT, color.encoding());
    assertEquals(UnknownCategory.ERROR, color.unknown());
    assertEquals(3, t.encoding.columns().get(2).cardinality());
    assertEquals(3, t.encoding.offset(2));
    assertEquals(4, t.encoding.width());
    assertEquals("3 rows, 4 features from age (numeric), color (one-hot, 2 categories), size (index, 3 categories); read as"
        + " categorical because their values are not numbers: [color]; 2 classes", t.toString());
    try (ArrayDataset d = t.toDataset()) {
      assertArrayEquals(new long[] {3, 4}, d.features().shape());
    }
  }

  @Test
  void declaredColumnsOfNumbersAreCategoriesInNumericThenTextOrder() throws IOException {
    CsvReader.Table t = CsvReader.labelColumn("y").categorical("zip").read(csv("z.csv", "zip,y\n10,a\n9,b\n010,a\n10,b\n"));
    assertEquals(List.of("zip=9", "zip=010", "zip=10"), t.featureNames, "by value, '010' before '10' by text");
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, t.features);
    assertTrue(t.detectedCategorical.isEmpty());
  }

  @Test
  void aTestSplitUsesTheTrainingEncodingAndRefusesAnUnknownCategoryByName() throws IOException {
    CsvReader.Table train = CsvReader.labelColumn("y").read(csv("train.csv", PEOPLE));
    // columns in another order and an extra column: found by name, the extra one ignored
    Path test = csv("test.csv", "id,size,y,color,age\n7,S,no,blue,50\n");
    CsvReader.Table t = CsvReader.labelColumn("y").classes(train.classNames).encoding(train.encoding).read(test);
    assertEquals(train.featureNames, t.featureNames);
    assertArrayEquals(new float[] {50, 1, 0, 0, 0, 1}, t.features, "age, color=blue/red, size=L/M/S");
    Path unknown = csv("unknown.csv", "age,color,size,y\n1,red,M,no\n2,green,M,no\n");
    IOException e = refused(CsvReader.labelColumn("y").encoding(train.encoding), unknown);
    assertEquals(unknown + " line 3, column 'color': unknown category 'green', not one of the 2 known [blue, red]; train with it,"
        + " or read the training file with categorical(\"color\", ONE_HOT, UnknownCategory.BUCKET) to give unknown values a"
        + " bucket", e.getMessage());
    Path missing = csv("missing.csv", "age,size,y\n1,M,no\n");
    assertEquals(missing + ": no feature column [color] in header [age, size, y]; the encoding reads [age, color, size]",
        refused(CsvReader.labelColumn("y").encoding(train.encoding), missing).getMessage());
  }

  @Test
  void anUnknownBucketTakesTheLastOneHotFeatureOrIndexK() throws IOException {
    Path p = csv("p.csv", PEOPLE);
    CsvReader.Table train = CsvReader.labelColumn("y").categorical("color", CategoryEncoding.ONE_HOT, UnknownCategory.BUCKET)
        .categorical("size", CategoryEncoding.INDEX, UnknownCategory.BUCKET).read(p);
    assertEquals(List.of("age", "color=blue", "color=red", "color=<unknown>", "size"), train.featureNames);
    assertArrayEquals(new float[] {30, 0, 1, 0, 1}, java.util.Arrays.copyOf(train.features, 5), "the bucket is unused in training");
    assertEquals(4, train.encoding.columns().get(2).cardinality(), "an embedding over size needs L, M, S and the bucket");
    Path test = csv("t.csv", "age,color,size,y\n9,green,XL,no\n9,blue,S,no\n");
    CsvReader.Table t = CsvReader.labelColumn("y").encoding(train.encoding).read(test);
    assertArrayEquals(new float[] {9, 0, 0, 1, 3, 9, 1, 0, 0, 2}, t.features);
    assertArrayEquals(new float[] {5, 0, 0, 1, 3}, train.encoding.encode(Map.of("age", "5", "color", "teal", "size", "XS")));
  }

  @Test
  void columnsMixingNumbersAndTextAreRefusedNamingBothLines() throws IOException {
    Path numbersFirst = csv("a.csv", "a,b,y\n1,2,0\n1,x,1\n");
    assertEquals(numbersFirst + " line 3, column 'b': 'x' is not a finite number (its first value, '2' on line 2, is a number);"
        + " if the column holds categories, declare it with categorical(\"b\")",
        refused(CsvReader.labelColumn("y"), numbersFirst).getMessage());
    Path textFirst = csv("b.csv", "a,b,y\n1,x,0\n1,2,1\n");
    assertEquals(textFirst + " line 3, column 'b': '2' is a number, but the column's first value, 'x' on line 2, is not; fix the"
        + " file, or declare categorical(\"b\") to read every value as a category",
        refused(CsvReader.labelColumn("y"), textFirst).getMessage());
    assertArrayEquals(new float[] {1, 0, 1, 1, 1, 0}, CsvReader.labelColumn("y").categorical("b").read(textFirst).features,
        "declared, '2' is a category");
    assertEquals(textFirst + " line 2, column 'b': 'x' is not a finite number; if the column holds categories, declare it with"
        + " categorical(\"b\")", refused(CsvReader.labelColumn("y").detectCategorical(false), textFirst).getMessage());
  }

  @Test
  void missingValuesAreErrorsInEveryKindOfColumn() throws IOException {
    Path emptyCategory = csv("e.csv", "a,b,y\n1,x,0\n2, ,1\n");
    assertEquals(emptyCategory + " line 3, column 'b': empty field (a missing value); every row needs a category",
        refused(CsvReader.labelColumn("y"), emptyCategory).getMessage());
    Path emptyFirst = csv("f.csv", "a,b,y\n1,,0\n2,x,1\n");
    assertEquals(emptyFirst + " line 2, column 'b': '' is not a finite number", refused(CsvReader.labelColumn("y"), emptyFirst).getMessage());
    CsvReader.Table train = CsvReader.labelColumn("y").read(csv("p.csv", PEOPLE));
    Path test = csv("t.csv", "age,color,size,y\n1,,M,no\n");
    assertEquals(test + " line 2, column 'color': empty field (a missing value); every row needs one of its 2 categories",
        refused(CsvReader.labelColumn("y").encoding(train.encoding), test).getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> train.encoding.encode(List.of(Map.of("age", "1", "color", "red", "size", "M"), Map.of("age", "1", "size", "M"))));
    assertEquals("FeatureEncoding.encode: row 1 has no column 'color'; every row needs the columns [age, color, size]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> train.encoding.encode(Map.of("age", "old", "color", "red", "size", "M")));
    assertEquals("FeatureEncoding.encode: row 0, column 'age': 'old' is not a finite number", e.getMessage());
  }

  @Test
  void configurationErrorsNameTheColumnsAndTheFix() throws IOException {
    Path p = csv("p.csv", PEOPLE);
    assertEquals(p + ": columns [colour, y] were declared categorical but are not feature columns of header [age, color, size, y]",
        refused(CsvReader.labelColumn("y").categorical("colour").categorical("y"), p).getMessage());
    CsvReader.Table train = CsvReader.labelColumn("y").read(p);
    IllegalStateException both = assertThrows(IllegalStateException.class,
        () -> CsvReader.labelColumn("y").categorical("size").encoding(train.encoding).read(p));
    assertTrue(both.getMessage().contains("categorical([size]) and encoding(..) both given"), both.getMessage());
    assertEquals(p + " line 4, column 'size': more than 2 distinct categories (the limit; raise it with maxCategories(n))",
        refused(CsvReader.labelColumn("y").maxCategories(2), p).getMessage());
    assertThrows(IllegalArgumentException.class, () -> CsvReader.labelColumn("y").maxCategories(0));
    assertThrows(IllegalArgumentException.class, () -> CsvReader.labelColumn("y").categorical("a", null));
    IllegalArgumentException bucketName = assertThrows(IllegalArgumentException.class, () -> FeatureEncoding.Column.categorical("c",
        List.of("a", FeatureEncoding.UNKNOWN), CategoryEncoding.ONE_HOT, UnknownCategory.BUCKET));
    assertTrue(bucketName.getMessage().contains("the name of the unknown bucket"), bucketName.getMessage());
  }

  @Test
  void fitNormalizerStandardizesOnlyNumericFeatures() throws IOException {
    CsvReader.Table t = CsvReader.labelColumn("y").categorical("size", CategoryEncoding.INDEX).read(csv("p.csv", PEOPLE));
    Normalizer n = t.fitNormalizer();
    // age 30, 41, 25: mean 32, biased variance (4 + 81 + 49) / 3
    assertArrayEquals(new double[] {32, 0, 0, 0}, n.mean(), 1e-12);
    assertArrayEquals(new double[] {Math.sqrt(134.0 / 3), 1, 1, 1}, n.std(), 1e-12);
  }

  @Test
  void unlabeledRowsWithTheTrainingEncoding() throws IOException {
    CsvReader.Table train = CsvReader.labelColumn("y").read(csv("p.csv", PEOPLE));
    CsvReader.Table t = CsvReader.unlabeled().encoding(train.encoding).read(csv("u.csv", "color,age,size\nblue,1,M\n"));
    assertArrayEquals(new float[] {1, 1, 0, 0, 1, 0}, t.features);
    assertEquals(null, t.labels);
    IllegalStateException e = assertThrows(IllegalStateException.class, t::toDataset);
    assertTrue(e.getMessage().contains("the table has no labels"), e.getMessage());
  }
}
