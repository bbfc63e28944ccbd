package org.jdnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
  @TempDir Path dir;

  private Path csv(String text) throws IOException {
    Path p = dir.resolve("data.csv");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void readsFeaturesAndNamedClassLabels() throws IOException {
    Path p = csv("sepal,\"petal, width\",species\n1.5,2,setosa\n\n-3e-1,4,virginica\n5,6,setosa\n");
    CsvReader.Table t = CsvReader.labelColumn("species").read(p);
    assertEquals(List.of("sepal", "petal, width"), t.featureNames);
    assertArrayEquals(new float[] {1.5f, 2, -0.3f, 4, 5, 6}, t.features);
    assertArrayEquals(new int[] {0, 1, 0}, t.labels);
    assertEquals(List.of("setosa", "virginica"), t.classNames);
    try (ArrayDataset d = t.toDataset()) {
      assertEquals(3, d.size());
      assertArrayEquals(new long[] {3, 2}, d.features().shape());
    }
  }

  @Test
  void labelByIndexIntegerClassesAndRegression() throws IOException {
    Path p = csv("y,a,b\n2,1,2\n0,3,4\n");
    assertArrayEquals(new int[] {2, 0}, CsvReader.labelColumn(0).read(p).labels);
    CsvReader.Table r = CsvReader.labelColumn(0).regression(true).read(p);
    assertArrayEquals(new float[] {2, 0}, r.targets);
    assertArrayEquals(new float[] {2, 1, 0, 3}, CsvReader.labelColumn(-1).read(p).features, "last column as label");
  }

  @Test
  void badRowsNameFileLineAndColumn() throws IOException {
    Path p = csv("a,b,label\n1,2,0\n1,x,1\n");
    IOException e = assertThrows(IOException.class, () -> CsvReader.labelColumn("label").read(p));
    assertEquals(p + " line 3, column 'b': 'x' is not a finite number", e.getMessage());
    Path q = csv("a,b,label\n1,2,0\n1,2\n");
    e = assertThrows(IOException.class, () -> CsvReader.labelColumn("label").read(q));
    assertEquals(q + " line 3: expected 3 fields ([a, b, label]), got 2", e.getMessage());
    e = assertThrows(IOException.class, () -> CsvReader.labelColumn("class").read(q));
    assertEquals(q + ": no label column 'class' in header [a, b, label]", e.getMessage());
    Path r = csv("a,label\nNaN,0\n");
    e = assertThrows(IOException.class, () -> CsvReader.labelColumn(1).read(r));
    assertEquals(r + " line 2, column 'a': 'NaN' is not a finite number", e.getMessage());
    Path s = csv("a,label\n1,\"0\n");
    e = assertThrows(IOException.class, () -> CsvReader.labelColumn(1).read(s));
    assertEquals(s + " line 2: unterminated quoted field", e.getMessage());
    Path u = csv("a,label\n");
    assertEquals(u + ": no data rows after the header", assertThrows(IOException.class, () -> CsvReader.labelColumn(1).read(u)).getMessage());
  }
}
