package org.jdnn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads tabular data from CSV with a header row: every column except the label column is a
 * numeric feature. The label column is chosen by name or index; it holds class labels (integers
 * 0..K-1, or names, numbered in sorted order) or, with {@link #regression}, a numeric target.
 * Fields may be double-quoted (RFC 4180); blank lines are skipped. A bad row is an IOException
 * naming the file, the line number and the column.
 */
public final class CsvReader {
  private final String labelName;
  private final int labelIndex;
  private char separator = ',';
  private boolean regression;

  private CsvReader(String labelName, int labelIndex) {
    this.labelName = labelName;
    this.labelIndex = labelIndex;
  }

  /** Label in the column whose header is {@code name}. */
  public static CsvReader labelColumn(String name) {
    return new CsvReader(name, -1);
  }

  /** Label in column {@code index} (0-based; negative counts from the end, -1 is the last). */
  public static CsvReader labelColumn(int index) {
    return new CsvReader(null, index);
  }

  public CsvReader separator(char c) {
    separator = c;
    return this;
  }

  /** Reads the label as a float target instead of a class. */
  public CsvReader regression(boolean on) {
    regression = on;
    return this;
  }

  /** The parsed table: feature names and values, labels or targets, class names. */
  public static final class Table {
    public final List<String> featureNames;
    public final float[] features;
    public final int rows;
    /** Class labels (classification) or null. */
    public final int[] labels;
    /** Regression targets or null. */
    public final float[] targets;
    /** Class names in label order (classification) or null. */
    public final List<String> classNames;

    Table(List<String> featureNames, float[] features, int rows, int[] labels, float[] targets, List<String> classNames) {
      this.featureNames = featureNames;
      this.features = features;
      this.rows = rows;
      this.labels = labels;
      this.targets = targets;
      this.classNames = classNames;
    }

    /** Features (N, F) with labels (N) or targets (N, 1), in native memory. */
    public ArrayDataset toDataset() {
      long[] sample = {featureNames.size()};
      return labels != null ? ArrayDataset.withLabels(features, sample, labels)
          : ArrayDataset.withTargets(features, sample, targets, new long[] {1});
    }
  }

  public Table read(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String headerLine = r.readLine();
      int lineNo = 1;
      while (headerLine != null && headerLine.isBlank()) {
        headerLine = r.readLine();
        lineNo++;
      }
      if (headerLine == null) throw new IOException(file + ": empty file, expected a header row");
      List<String> header = split(headerLine, file, lineNo);
      int label = labelColumnIn(header, file);
      List<String> featureNames = new ArrayList<>(header);
      featureNames.remove(label);
      if (featureNames.isEmpty()) throw new IOException(file + ": no feature columns besides the label '" + header.get(label) + "'");
      int f = featureNames.size();
      float[] feats = new float[1024];
      List<String> rawLabels = new ArrayList<>();
      List<Integer> labelLines = new ArrayList<>();
      int rows = 0;
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        List<String> fields = split(line, file, lineNo);
        if (fields.size() != header.size()) {
          throw new IOException(file + " line " + lineNo + ": expected " + header.size() + " fields (" + header + "), got "
              + fields.size());
        }
        if ((long) (rows + 1) * f > Integer.MAX_VALUE - 8) throw new IOException(file + ": too many values for one table");
        if ((rows + 1) * f > feats.length) feats = Arrays.copyOf(feats, Math.max((rows + 1) * f, feats.length * 2));
        int k = 0;
        for (int c = 0; c < fields.size(); c++) {
          if (c == label) continue;
          feats[rows * f + k++] = number(fields.get(c), file, lineNo, header.get(c));
        }
        rawLabels.add(fields.get(label).trim());
        labelLines.add(lineNo);
        rows++;
      }
      if (rows == 0) throw new IOException(file + ": no data rows after the header");
      float[] features = Arrays.copyOf(feats, rows * f);
      String labelCol = header.get(label);
      if (regression) {
        float[] targets = new float[rows];
        for (int i = 0; i < rows; i++) targets[i] = number(rawLabels.get(i), file, labelLines.get(i), labelCol);
        return new Table(featureNames, features, rows, null, targets, null);
      }
      return classes(featureNames, features, rows, rawLabels);
    }
  }

  private static Table classes(List<String> featureNames, float[] features, int rows, List<String> raw) {
    boolean integers = raw.stream().allMatch(s -> s.matches("\\d{1,9}"));
    int[] labels = new int[rows];
    List<String> names;
    if (integers) {
      int max = 0;
      for (int i = 0; i < rows; i++) max = Math.max(max, labels[i] = Integer.parseInt(raw.get(i)));
      names = new ArrayList<>();
      for (int i = 0; i <= max; i++) names.add(Integer.toString(i));
    } else {
      TreeMap<String, Integer> ids = new TreeMap<>();
      for (String s : raw) ids.put(s, 0);
      int next = 0;
      for (String key : ids.keySet()) ids.put(key, next++);
      for (int i = 0; i < rows; i++) labels[i] = ids.get(raw.get(i));
      names = new ArrayList<>(ids.keySet());
    }
    return new Table(featureNames, features, rows, labels, null, names);
  }

  private int labelColumnIn(List<String> header, Path file) throws IOException {
    if (labelName != null) {
      int i = header.indexOf(labelName);
      if (i < 0) throw new IOException(file + ": no label column '" + labelName + "' in header " + header);
      return i;
    }
    int i = labelIndex < 0 ? header.size() + labelIndex : labelIndex;
    if (i < 0 || i >= header.size()) {
      throw new IOException(file + ": label column index " + labelIndex + " outside the header's " + header.size() + " columns");
    }
    return i;
  }

  private static float number(String field, Path file, int line, String column) throws IOException {
    String s = field.trim();
    try {
      float v = Float.parseFloat(s);
      if (Float.isFinite(v) && !s.isEmpty()) return v;
    } catch (NumberFormatException e) {
      // reported below with the location
    }
    throw new IOException(file + " line " + line + ", column '" + column + "': '" + field
        + "' is not a finite number");
  }

  // Splits one line into fields; "a ""quoted"", field" keeps separators and doubled quotes inside quotes.
  private List<String> split(String line, Path file, int lineNo) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cur.append(ch);
        }
      } else if (ch == '"' && cur.toString().isBlank()) {
        quoted = true;
      } else if (ch == separator) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    if (quoted) throw new IOException(file + " line " + lineNo + ": unterminated quoted field");
    out.add(cur.toString());
    return out;
  }
}
