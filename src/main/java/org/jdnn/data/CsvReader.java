package org.jdnn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads tabular data from CSV with a header row: every column except the label column is a
 * feature, numeric or categorical. The label column is chosen by name or index; it holds class
 * labels or, with {@link #regression}, a numeric target ({@link #unlabeled()} reads rows to predict).
 *
 * <p>Classes are the distinct labels present in the file, numbered 0..K-1 in sorted order: numeric
 * order when every label is an integer ({@code 3, 10, 7} become classes 0, 2, 1 named "3", "7",
 * "10"; "07" and "7" are the same class), otherwise {@link String#compareTo} order. A file that
 * lacks some class therefore numbers the others differently: read a test split with
 * {@code classes(train.classNames)} so that both use the training split's indices.
 *
 * <p><b>Categorical features.</b> A column declared with {@link #categorical(String, CategoryEncoding)},
 * or whose first value is not a number (detection, {@link #detectCategorical}), holds categories:
 * its distinct values, in the same sorted order as classes but compared as text ("07" and "7"
 * differ), become one-hot features "color=blue", "color=red" or one index feature (see
 * {@link CategoryEncoding}). {@link Table#detectedCategorical} names the columns read so because
 * their values are not numbers; a column whose values mix numbers and text is an error naming both
 * lines (declare it categorical if it is). {@link Table#encoding} records the columns and their
 * categories: read a test split with {@code encoding(train.encoding)}, and save it with the model so
 * that a loaded model encodes raw rows identically. An empty field is a missing value and an error,
 * in numeric and categorical columns alike.
 *
 * <p>The file is UTF-8 (a leading byte-order mark is skipped). Fields may be double-quoted
 * (RFC 4180, within one line); blank lines are skipped; surrounding spaces are ignored. A bad row is
 * an IOException naming the file, the line number and the column. Limits keep a small or hostile
 * file from costing large memory or time, each refused with file:line and the setter that raises
 * it: at most {@value #DEFAULT_MAX_FIELD_CHARS} characters per field ({@link #maxFieldChars}),
 * {@value #DEFAULT_MAX_COLUMNS} columns ({@link #maxColumns}), {@value #DEFAULT_MAX_CLASSES}
 * distinct class labels ({@link #maxClasses}) and {@value #DEFAULT_MAX_CATEGORIES} categories in a
 * column ({@link #maxCategories}).
 *
 * <pre>{@code
 * CsvReader.Table train = CsvReader.labelColumn("species").categorical("soil").read(Path.of("train.csv"));
 * CsvReader.Table test = CsvReader.labelColumn("species").classes(train.classNames).encoding(train.encoding)
 *     .read(Path.of("test.csv"));
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
  /** The default of {@link #maxCategories}. */
  public static final int DEFAULT_MAX_CATEGORIES = 10_000;
  // categories are counted in float32 cells while reading, exact up to 2^24
  private static final int MOST_CATEGORIES = 1 << 24;
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

  private final String labelName;
  private final int labelIndex;
  private final boolean labeled;
  private char separator = ',';
  private boolean regression;
  private int maxFieldChars = DEFAULT_MAX_FIELD_CHARS;
  private int maxColumns = DEFAULT_MAX_COLUMNS;
  private int maxClasses = DEFAULT_MAX_CLASSES;
  private List<String> givenClasses;
  private Map<String, Integer> givenIndex;
  private final Map<String, CategoryEncoding> categorical = new LinkedHashMap<>();
  private final Map<String, UnknownCategory> unknown = new HashMap<>();
  private boolean detectCategorical = true;
  private int maxCategories = DEFAULT_MAX_CATEGORIES;
  private FeatureEncoding givenEncoding;

  private CsvReader(String labelName, int labelIndex, boolean labeled) {
    this.labelName = labelName;
    this.labelIndex = labelIndex;
    this.labeled = labeled;
  }

  /**
   * A reader whose label is in the column whose header is {@code name}.
   *
   * @param name the label column's header, exactly (checked when a file is read)
   * @return a new reader with the defaults: comma-separated, classification, default limits
   */
  public static CsvReader labelColumn(String name) {
    return new CsvReader(name, -1, true);
  }

  /**
   * A reader whose label is in column {@code index}.
   *
   * @param index 0-based; negative counts from the end, -1 is the last (checked when a file is read)
   * @return a new reader with the defaults: comma-separated, classification, default limits
   */
  public static CsvReader labelColumn(int index) {
    return new CsvReader(null, index, true);
  }

  /**
   * A reader of feature rows without a label column (for rows to predict), usually with the
   * training file's {@link #encoding}; its tables have neither labels nor targets.
   *
   * @return a new reader with the defaults: comma-separated, default limits
   */
  public static CsvReader unlabeled() {
    return new CsvReader(null, 0, false);
  }

  /**
   * Declares a categorical column, one-hot encoded, refusing unknown categories.
   *
   * @param column the column's header, exactly (checked when a file is read)
   * @return this reader
   */
  public CsvReader categorical(String column) {
    return categorical(column, CategoryEncoding.ONE_HOT, UnknownCategory.ERROR);
  }

  /**
   * Declares a categorical column, refusing unknown categories.
   *
   * @param column the column's header, exactly (checked when a file is read)
   * @param encoding one-hot or index
   * @return this reader
   */
  public CsvReader categorical(String column, CategoryEncoding encoding) {
    return categorical(column, encoding, UnknownCategory.ERROR);
  }

  /**
   * Declares a categorical column: its values are categories even where they look like numbers.
   *
   * @param column the column's header, exactly (checked when a file is read)
   * @param encoding one-hot or index
   * @param unknown what a later file's (or a loaded model's) value outside this file's categories
   *     does: an error, or an extra bucket
   * @return this reader
   * @throws IllegalArgumentException when an argument is null
   */
  public CsvReader categorical(String column, CategoryEncoding encoding, UnknownCategory unknown) {
    if (column == null || encoding == null || unknown == null) {
      throw new IllegalArgumentException("CsvReader.categorical: column, encoding and unknown-category policy must not be null, got "
          + column + ", " + encoding + ", " + unknown);
    }
    categorical.put(column, encoding);
    this.unknown.put(column, unknown);
    return this;
  }

  /**
   * Sets whether an undeclared column whose first value is not a number is read as categorical
   * (one-hot, unknown categories refused) instead of refused. Either way a column that mixes
   * numbers and text is refused.
   *
   * @param on whether to detect categorical columns (default on)
   * @return this reader
   */
  public CsvReader detectCategorical(boolean on) {
    detectCategorical = on;
    return this;
  }

  /**
   * Sets the most distinct categories accepted in one learned column (default
   * {@value #DEFAULT_MAX_CATEGORIES}).
   *
   * @param n the limit, 1 to 2^24
   * @return this reader
   * @throws IllegalArgumentException when {@code n} is outside that range
   */
  public CsvReader maxCategories(int n) {
    if (n < 1 || n > MOST_CATEGORIES) {
      throw new IllegalArgumentException("CsvReader.maxCategories must be in [1, " + MOST_CATEGORIES + "], got " + n);
    }
    maxCategories = n;
    return this;
  }

  /**
   * Encodes the features as {@code encoding} says (for example a training split's
   * {@link Table#encoding}, or a loaded model's), instead of learning columns and categories from
   * the file: its columns are found by name in any order, other columns are ignored, and a category
   * it does not know follows the column's {@link UnknownCategory} policy.
   *
   * @param encoding the encoding to apply
   * @return this reader
   * @throws IllegalArgumentException when {@code encoding} is null
   */
  public CsvReader encoding(FeatureEncoding encoding) {
    if (encoding == null) throw new IllegalArgumentException("CsvReader.encoding: the encoding is null");
    givenEncoding = encoding;
    return this;
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

  /** The parsed table: feature names and values, labels or targets, class names, the encoding. */
  public static final class Table {
    /** The features' names, in order: numeric and index columns' headers, "column=category" for one-hot. */
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
    /** How the file's columns became the features; save it with the model. */
    public final FeatureEncoding encoding;
    /**
     * The columns read as categorical because their values are not numbers (not declared), in
     * column order; empty when there were none.
     */
    public final List<String> detectedCategorical;

    Table(FeatureEncoding encoding, List<String> detectedCategorical, float[] features, int rows, int[] labels, float[] targets,
        List<String> classNames) {
      this.encoding = encoding;
      this.featureNames = encoding.featureNames();
      this.detectedCategorical = List.copyOf(detectedCategorical);
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
     * @throws IllegalStateException when the table has no labels (read with {@link #unlabeled()})
     */
    public ArrayDataset toDataset() {
      if (labels == null && targets == null) {
        throw new IllegalStateException("CsvReader.Table.toDataset: the table has no labels (read with CsvReader.unlabeled());"
            + " read it with labelColumn(..) to train, or pass its features to the model");
      }
      long[] sample = {featureNames.size()};
      return labels != null ? ArrayDataset.withLabels(features, sample, labels)
          : ArrayDataset.withTargets(features, sample, targets, new long[] {1});
    }

    /**
     * A one-line account of the table: rows, features and how each column was read, naming the
     * columns read as categorical because their values are not numbers.
     *
     * @return e.g. "3 rows, 4 features from age (numeric), color (one-hot, 2 categories); read as
     *     categorical because their values are not numbers: [color]; 2 classes"
     */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder().append(rows).append(" rows, ").append(featureNames.size()).append(" features from ");
      List<FeatureEncoding.Column> cols = encoding.columns();
      for (int c = 0; c < cols.size(); c++) sb.append(c == 0 ? "" : ", ").append(cols.get(c));
      if (!detectedCategorical.isEmpty()) {
        sb.append("; read as categorical because their values are not numbers: ").append(detectedCategorical);
      }
      if (classNames != null) sb.append("; ").append(classNames.size()).append(" classes");
      else if (targets != null) sb.append("; a numeric target");
      return sb.toString();
    }

    /**
     * Fits a per-feature {@link Normalizer} on the numeric columns' features, computed in double
     * precision as {@link Normalizer#fit(Tensor)} defines it (biased std, 1 for a constant feature),
     * leaving categorical features as they are (mean 0, std 1): one-hot stays 0 or 1 and an index
     * stays an exact category index.
     *
     * @return a new normalizer of {@code featureNames.size()} entries
     */
    public Normalizer fitNormalizer() {
      int w = featureNames.size();
      double[] mean = new double[w];
      double[] std = new double[w];
      java.util.Arrays.fill(std, 1);
      List<FeatureEncoding.Column> cols = encoding.columns();
      for (int c = 0; c < cols.size(); c++) {
        if (cols.get(c).isCategorical()) continue;
        int f = encoding.offset(c);
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += features[r * w + f];
        double m = sum / rows;
        double sq = 0;
        for (int r = 0; r < rows; r++) sq += (features[r * w + f] - m) * (features[r * w + f] - m);
        double sd = Math.sqrt(sq / rows);
        mean[f] = m;
        std[f] = sd > 1e-12 ? sd : 1;
      }
      return new Normalizer(false, mean, std);
    }
  }

  /**
   * Parses a whole file.
   *
   * @param file a UTF-8 CSV file with a header row
   * @return the table, in Java arrays
   * @throws IOException when the file cannot be read, is empty or has no data rows, lacks the label
   *     column or a column of a given encoding, has a row of the wrong length, a non-numeric or
   *     non-finite value in a numeric column, an empty field, a column mixing numbers and text, a
   *     label outside the given classes, an unknown category a column refuses, or passes a limit;
   *     the message names file, line and column
   * @throws IllegalStateException when both {@link #encoding} and {@link #categorical} were given
   */
  public Table read(Path file) throws IOException {
    if (givenEncoding != null && !categorical.isEmpty()) {
      throw new IllegalStateException("CsvReader: categorical(" + categorical.keySet() + ") and encoding(..) both given; the"
          + " encoding already fixes every column, so drop the categorical(..) calls");
    }
    try (CsvRecords records = new CsvRecords(file, separator, maxFieldChars, maxColumns)) {
      List<String> header = records.next();
      if (header == null) throw new IOException(file + ": empty file, expected a header row");
      int label = labeled ? labelColumnIn(header, file) : -1;
      String labelCol = label < 0 ? null : header.get(label);
      if (label >= 0 && header.size() == 1) throw new IOException(file + ": no feature columns besides the label '" + labelCol + "'");
      CsvColumns columns;
      try {
        columns = givenEncoding != null ? CsvColumns.fixed(givenEncoding, header, label)
            : CsvColumns.learned(header, label, categorical, unknown, detectCategorical, maxCategories);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": " + e.getMessage(), e);
      }
      int f = columns.count();
      float[] raw = new float[1024];
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
        if ((rows + 1) * f > raw.length) raw = Arrays.copyOf(raw, (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) (rows + 1) * f, raw.length * 2L)));
        for (int j = 0; j < f; j++) {
          try {
            raw[rows * f + j] = columns.value(j, fields.get(columns.source(j)), lineNo);
          } catch (IllegalArgumentException e) {
            throw new IOException(file + " line " + lineNo + ", " + e.getMessage(), e);
          }
        }
        if (label >= 0) {
          String rawLabel = fields.get(label).trim();
          if (!regression) checkClass(rawLabel, distinct, file, lineNo, labelCol);
          rawLabels.add(rawLabel);
          labelLines.add(lineNo);
        }
        rows++;
      }
      if (rows == 0) throw new IOException(file + ": no data rows after the header");
      FeatureEncoding encoding = columns.finish(raw, rows);
      int w = encoding.width();
      if ((long) rows * w > Integer.MAX_VALUE - 8) {
        throw new IOException(file + ": " + rows + " rows of " + w + " encoded features are too many for one table");
      }
      float[] features = new float[rows * w];
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < f; j++) encoding.put(features, r * w, j, raw[r * f + j]);
      }
      List<String> detected = columns.detected();
      if (label < 0) return new Table(encoding, detected, features, rows, null, null, null);
      if (regression) {
        float[] targets = new float[rows];
        for (int i = 0; i < rows; i++) targets[i] = number(rawLabels.get(i), file, labelLines.get(i), labelCol);
        return new Table(encoding, detected, features, rows, null, targets, null);
      }
      List<String> names = givenClasses != null ? givenClasses : sortedClasses(distinct);
      Map<String, Integer> index = givenClasses != null ? givenIndex : indexOf(names);
      int[] labels = new int[rows];
      for (int i = 0; i < rows; i++) labels[i] = index.get(labelKey(rawLabels.get(i)));
      return new Table(encoding, detected, features, rows, labels, null, names);
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
    try {
      return FeatureEncoding.number(column, field);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " line " + line + ", " + e.getMessage(), e);
    }
  }

  private static String shown(String field) {
    return FeatureEncoding.shown(field);
  }
}
