package org.jdnn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads tabular data from CSV with a header row: every column except the label column is a
 * numeric feature. The label column is chosen by name or index; it holds class labels or, with
 * {@link #regression}, a numeric target.
 *
 * <p>Classes are the distinct labels present in the file, numbered 0..K-1 in sorted order: numeric
 * order when every label is an integer ({@code 3, 10, 7} become classes 0, 2, 1 named "3", "7",
 * "10"; "07" and "7" are the same class), otherwise {@link String#compareTo} order. A file that
 * lacks some class therefore numbers the others differently: read a test split with
 * {@code classes(train.classNames)} so that both use the training split's indices.
 *
 * <p>The file is UTF-8 (a leading byte-order mark is skipped). Fields may be double-quoted
 * (RFC 4180, within one line); blank lines are skipped. A bad row is an IOException naming the
 * file, the line number and the column. Limits keep a small or hostile file from costing large
 * memory or time, each refused with file:line and the setter that raises it: at most
 * {@value #DEFAULT_MAX_FIELD_CHARS} characters per field ({@link #maxFieldChars}),
 * {@value #DEFAULT_MAX_COLUMNS} columns ({@link #maxColumns}) and {@value #DEFAULT_MAX_CLASSES}
 * distinct class labels ({@link #maxClasses}).
 *
 * <pre>{@code
 * CsvReader.Table train = CsvReader.labelColumn("species").read(Path.of("train.csv"));
 * CsvReader.Table test = CsvReader.labelColumn("species").classes(train.classNames).read(Path.of("test.csv"));
 * try (ArrayDataset d = train.toDataset()) { ... }
 * }</pre>
 *
 * <p>The reader is a reusable configuration: each {@link #read} parses a whole file into a
 * {@link Table} of Java arrays, and {@link Table#toDataset()} copies it into native memory.
 */
public final class CsvReader {
  /** The default of {@link #maxFieldChars}. */
  public static final int DEFAULT_MAX_FIELD_CHARS = 65_536;
  /** The default of {@link #maxColumns}. */
  public static final int DEFAULT_MAX_COLUMNS = 100_000;
  /** The default of {@link #maxClasses}. */
  public static final int DEFAULT_MAX_CLASSES = 10_000;
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

  private final String labelName;
  private final int labelIndex;
  private char separator = ',';
  private boolean regression;
  private int maxFieldChars = DEFAULT_MAX_FIELD_CHARS;
  private int maxColumns = DEFAULT_MAX_COLUMNS;
  private int maxClasses = DEFAULT_MAX_CLASSES;
  private List<String> givenClasses;
  private Map<String, Integer> givenIndex;

  private CsvReader(String labelName, int labelIndex) {
    this.labelName = labelName;
    this.labelIndex = labelIndex;
  }

  /**
   * A reader whose label is in the column whose header is {@code name}.
   *
   * @param name the label column's header, exactly (checked when a file is read)
   * @return a new reader with the defaults: comma-separated, classification, default limits
   */
  public static CsvReader labelColumn(String name) {
    return new CsvReader(name, -1);
  }

  /**
   * A reader whose label is in column {@code index}.
   *
   * @param index 0-based; negative counts from the end, -1 is the last (checked when a file is read)
   * @return a new reader with the defaults: comma-separated, classification, default limits
   */
  public static CsvReader labelColumn(int index) {
    return new CsvReader(null, index);
  }

  /**
   * Sets the field separator.
   *
   * @param c the separator, e.g. ';' or '\t' (default ',')
   * @return this reader
   */
  public CsvReader separator(char c) {
    separator = c;
    return this;
  }

  /**
   * Reads the label as a float target instead of a class.
   *
   * @param on whether the label column is a numeric target (default off)
   * @return this reader
   */
  public CsvReader regression(boolean on) {
    regression = on;
    return this;
  }

  /**
   * Sets the longest field accepted, in characters (default {@value #DEFAULT_MAX_FIELD_CHARS}).
   *
   * @param n the limit, at least 1
   * @return this reader
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public CsvReader maxFieldChars(int n) {
    maxFieldChars = positive("maxFieldChars", n);
    return this;
  }

  /**
   * Sets the most columns accepted in a line (default {@value #DEFAULT_MAX_COLUMNS}).
   *
   * @param n the limit, at least 1
   * @return this reader
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public CsvReader maxColumns(int n) {
    maxColumns = positive("maxColumns", n);
    return this;
  }

  /**
   * Sets the most distinct class labels accepted (default {@value #DEFAULT_MAX_CLASSES}); ignored
   * with {@link #classes}.
   *
   * @param n the limit, at least 1
   * @return this reader
   * @throws IllegalArgumentException when {@code n} &lt; 1
   */
  public CsvReader maxClasses(int n) {
    maxClasses = positive("maxClasses", n);
    return this;
  }

  /**
   * Uses these classes, class i being {@code names.get(i)}, instead of the labels found in the file
   * (for example a training split's {@link Table#classNames}, so that a test split gets the same
   * indices). A label that is not one of them is an IOException naming file and line.
   *
   * @param names the class names in index order; integers are compared by value ("07" is "7")
   * @return this reader
   * @throws IllegalArgumentException when a name is given twice
   */
  public CsvReader classes(List<String> names) {
    Map<String, Integer> index = new HashMap<>();
    for (String name : names) {
      if (index.putIfAbsent(labelKey(name), index.size()) != null) {
        throw new IllegalArgumentException("CsvReader.classes: '" + name + "' given twice in " + names);
      }
    }
    givenClasses = List.copyOf(names);
    givenIndex = index;
    return this;
  }

  private static int positive(String what, int n) {
    if (n < 1) throw new IllegalArgumentException("CsvReader." + what + " must be >= 1, got " + n);
    return n;
  }

  /** The parsed table: feature names and values, labels or targets, class names. */
  public static final class Table {
    /** The feature columns' headers, in file order, without the label column. */
    public final List<String> featureNames;
    /** rows x featureNames.size() values, row by row (the array itself: do not change it). */
    public final float[] features;
    /** The number of data rows. */
    public final int rows;
    /** Class labels (classification) or null. */
    public final int[] labels;
    /** Regression targets or null. */
    public final float[] targets;
    /** Class names in label order, class i being classNames.get(i) (classification), or null. */
    public final List<String> classNames;

    Table(List<String> featureNames, float[] features, int rows, int[] labels, float[] targets, List<String> classNames) {
      this.featureNames = featureNames;
      this.features = features;
      this.rows = rows;
      this.labels = labels;
      this.targets = targets;
      this.classNames = classNames;
    }

    /**
     * Copies the table into native memory.
     *
     * @return a new dataset on the thread's default device: float32 features (N, F) with int32
     *     labels (N) or float32 targets (N, 1); the caller closes it
     */
    public ArrayDataset toDataset() {
      long[] sample = {featureNames.size()};
      return labels != null ? ArrayDataset.withLabels(features, sample, labels)
          : ArrayDataset.withTargets(features, sample, targets, new long[] {1});
    }
  }

  /**
   * Parses a whole file.
   *
   * @param file a UTF-8 CSV file with a header row
   * @return the table, in Java arrays
   * @throws IOException when the file cannot be read, is empty or has no data rows, lacks the label
   *     column, has a row of the wrong length, a non-numeric or non-finite feature, a label outside
   *     the given classes, or passes a limit; the message names file, line and column
   */
  public Table read(Path file) throws IOException {

    try (CsvRecords records = new CsvRecords(file, separator, maxFieldChars, maxColumns)) {
      List<String> header = records.next();
      if (header == null) throw new IOException(file + ": empty file, expected a header row");
      int label = labelColumnIn(header, file);
      String labelCol = header.get(label);
      List<String> featureNames = new ArrayList<>(header);
      featureNames.remove(label);
      if (featureNames.isEmpty()) throw new IOException(file + ": no feature columns besides the label '" + labelCol + "'");
      int f = featureNames.size();
      float[] feats = new float[1024];
      List<String> rawLabels = new ArrayList<>();
      List<Integer> labelLines = new ArrayList<>();
      Set<String> distinct = new HashSet<>();
      int rows = 0;
      List<String> fields;
      while ((fields = records.next()) != null) {
        int lineNo = records.line();
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
        String raw = fields.get(label).trim();
        if (!regression) checkClass(raw, distinct, file, lineNo, labelCol);
        rawLabels.add(raw);
        labelLines.add(lineNo);
        rows++;
      }
      if (rows == 0) throw new IOException(file + ": no data rows after the header");
      float[] features = Arrays.copyOf(feats, rows * f);
      if (regression) {
        float[] targets = new float[rows];
        for (int i = 0; i < rows; i++) targets[i] = number(rawLabels.get(i), file, labelLines.get(i), labelCol);
        return new Table(featureNames, features, rows, null, targets, null);
      }
      List<String> names = givenClasses != null ? givenClasses : sortedClasses(distinct);
      Map<String, Integer> index = givenClasses != null ? givenIndex : indexOf(names);
      int[] labels = new int[rows];
      for (int i = 0; i < rows; i++) labels[i] = index.get(labelKey(rawLabels.get(i)));
      return new Table(featureNames, features, rows, labels, null, names);
    }
  }

  // Refuses a label outside the given classes, or one past the limit on distinct labels, at its line.
  private void checkClass(String raw, Set<String> distinct, Path file, int line, String column) throws IOException {
    String key = labelKey(raw);
    String where = file + " line " + line + ", column '" + column + "': ";
    if (givenIndex != null) {
      if (!givenIndex.containsKey(key)) {
        throw new IOException(where + "label " + shown(raw) + " is not one of the " + givenClasses.size() + " given classes "
            + givenClasses);
      }
    } else if (distinct.add(key) && distinct.size() > maxClasses) {
      throw new IOException(where + "more than " + maxClasses + " distinct class labels; for a numeric target use "
          + "regression(true), or raise the limit with maxClasses(n)");
    }
  }

  // An integer label stands for its value ("07" and "7" are one class); any other label for its text.
  private static String labelKey(String label) {
    String s = label.trim();
    return INTEGER.matcher(s).matches() ? Long.toString(Long.parseLong(s)) : s;
  }

  private static List<String> sortedClasses(Set<String> keys) {
    List<String> names = new ArrayList<>(keys);
    boolean integers = names.stream().allMatch(s -> INTEGER.matcher(s).matches());
    names.sort(integers ? Comparator.comparingLong(Long::parseLong) : Comparator.naturalOrder());
    return names;
  }

  private static Map<String, Integer> indexOf(List<String> names) {
    Map<String, Integer> index = new HashMap<>();
    for (String name : names) index.put(name, index.size());
    return index;
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
    throw new IOException(file + " line " + line + ", column '" + column + "': " + shown(field) + " is not a finite number");
  }

  // A field as quoted in a message: long ones cut, so that one bad field cannot flood a log.
  private static String shown(String field) {
    return field.length() <= 60 ? "'" + field + "'" : "'" + field.substring(0, 60) + "...' (" + field.length() + " characters)";
  }
}
