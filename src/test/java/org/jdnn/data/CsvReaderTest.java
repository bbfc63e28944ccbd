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
    CsvReader.Table c = CsvReader.labelColumn(0).read(p);
    assertArrayEquals(new int[] {1, 0}, c.labels, "classes are the labels present, in numeric order");
    assertEquals(List.of("0", "2"), c.classNames);
    CsvReader.Table r = CsvReader.labelColumn(0).regression(true).read(p);
    assertArrayEquals(new float[] {2, 0}, r.targets);
    assertArrayEquals(new float[] {2, 1, 0, 3}, CsvReader.labelColumn(-1).read(p).features, "last column as label");
  }

  @Test
  void badRowsNameFileLineAndColumn() throws IOException {
    Path p = csv("a,b,label\n1,2,0\n1,x,1\n");
    IOException e = assertThrows(IOException.class, () -> CsvReader.labelColumn("label").read(p));
    assertEquals(p + " line 3, column 'b': 'x' is not a finite number (its first value, '2' on line 2, is a number); if the"
        + " column holds categories, declare it with categorical(\"b\")", e.getMessage());
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

  @Test
  void integerLabelsSortNumericallyAndLeadingZerosNameTheSameClass() throws IOException {
    CsvReader.Table t = CsvReader.labelColumn("y").read(csv("a,y\n1,10\n2,9\n3,-1\n4,09\n"));
    assertEquals(List.of("-1", "9", "10"), t.classNames);
    assertArrayEquals(new int[] {2, 1, 0, 1}, t.labels);
  }

  @Test
  void givenClassesFixTheIndicesAcrossFiles() throws IOException {
    Path test = csv("a,y\n1,2\n2,0\n");
    CsvReader.Table t = CsvReader.labelColumn("y").classes(List.of("0", "1", "2")).read(test);
    assertArrayEquals(new int[] {2, 0}, t.labels, "class 1 absent from this file, indices unchanged");
    assertEquals(List.of("0", "1", "2"), t.classNames);
    Path other = csv("a,y\n1,2\n2,7\n");
    IOException e = assertThrows(IOException.class, () -> CsvReader.labelColumn("y").classes(List.of("0", "1", "2")).read(other));
    assertEquals(other + " line 3, column 'y': label '7' is not one of the 3 given classes [0, 1, 2]", e.getMessage());
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> CsvReader.labelColumn("y").classes(List.of("a", "b", "a")));
    assertEquals("CsvReader.classes: 'a' given twice in [a, b, a]", dup.getMessage());
  }

  @Test
  void lfCrAndCrlfLineEndsAllCountAsLines() throws IOException {
    for (String end : new String[] {"\n", "\r", "\r\n"}) {
      Path p = csv(String.join(end, "a,label", "1,0", "", "\"x\",1", ""));
      IOException e = assertThrows(IOException.class, () -> CsvReader.labelColumn("label").read(p));
      assertEquals(p + " line 4, column 'a': 'x' is not a finite number (its first value, '1' on line 2, is a number); if the"
          + " column holds categories, declare it with categorical(\"a\")", e.getMessage(), "line end " + end.length());
    }
  }
}
