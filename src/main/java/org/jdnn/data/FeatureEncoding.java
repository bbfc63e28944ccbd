package org.jdnn.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a CSV file's feature columns become a row of float features: numeric columns as they are,
 * categorical ones one-hot or as an index ({@link CategoryEncoding}), in column order. A
 * {@link CsvReader} builds it from a training file ({@link CsvReader.Table#encoding}); saved with the
 * model ({@code ModelFile.save(path, model, normalizer, encoding, classNames, metadata)}) it lets a
 * loaded model encode raw rows exactly as in training ({@code SavedModel.predictRows}). An immutable
 * value: Java lists and maps, no native memory.
 *
 * <p>A column with categories blue, red, one-hot, is the features "color=blue" and "color=red";
 * as an index, the one feature "color" holding 0 or 1. With {@link UnknownCategory#BUCKET} a
 * value that is neither is category K (the feature "color=&lt;unknown&gt;", or index 2); with
 * {@link UnknownCategory#ERROR} it is refused, naming the column and the value.
 *
 * <pre>{@code
 * FeatureEncoding enc = train.encoding;                       // from CsvReader
 * float[] x = enc.encode(Map.of("age", "41", "color", "red"));
 * }</pre>
 */
public final class FeatureEncoding {
  /** The category name an unknown value maps to with {@link UnknownCategory#BUCKET}. */
  public static final String UNKNOWN = "<unknown>";
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

  private final List<Column> columns;
  private final int[] offsets;
  private final int width;

  /** One feature column: its header and, when categorical, its categories and encoding. */
  public static final class Column {
    private final String name;
    private final CategoryEncoding encoding;
    private final List<String> categories;
    private final UnknownCategory unknown;
    private final Map<String, Integer> index = new HashMap<>();

    private Column(String name, CategoryEncoding encoding, List<String> categories, UnknownCategory unknown) {
      if (name == null) throw new IllegalArgumentException("FeatureEncoding.Column: the column name is null");
      this.name = name;
      this.encoding = encoding;
      this.categories = List.copyOf(categories);
      this.unknown = unknown;
      for (String c : this.categories) {
        if (index.putIfAbsent(c, index.size()) != null) {
          throw new IllegalArgumentException("FeatureEncoding.Column '" + name + "': category '" + c + "' given twice");
        }
      }
    }

    /**
     * A numeric column, copied into one feature.
     *
     * @param name the column's header
     * @return the column
     */
    public static Column numeric(String name) {
      return new Column(name, null, List.of(), null);
    }

    /**
     * A categorical column.
     *
     * @param name the column's header
     * @param categories the known categories, in feature (or index) order; at least one, distinct,
     *     and not {@value #UNKNOWN} when {@code unknown} is BUCKET
     * @param encoding one-hot or index
     * @param unknown what a value outside {@code categories} does
     * @return the column
     * @throws IllegalArgumentException when categories are missing, repeated or null, or an
     *     argument is null
     */
    public static Column categorical(String name, List<String> categories, CategoryEncoding encoding, UnknownCategory unknown) {
      if (encoding == null || unknown == null) {
        throw new IllegalArgumentException("FeatureEncoding.Column '" + name + "': encoding and unknown-category policy must not be null");
      }
      if (categories.isEmpty()) throw new IllegalArgumentException("FeatureEncoding.Column '" + name + "': no categories");
      // a loop, not contains(null): List.of refuses to look for null
      for (String c : categories) {
        if (c == null) throw new IllegalArgumentException("FeatureEncoding.Column '" + name + "': a category is null");
      }
      if (unknown == UnknownCategory.BUCKET && categories.contains(UNKNOWN)) {
        throw new IllegalArgumentException("FeatureEncoding.Column '" + name + "': a category is named '" + UNKNOWN
            + "', the name of the unknown bucket; rename it in the file or use UnknownCategory.ERROR");
      }
      return new Column(name, encoding, categories, unknown);
    }

    /**
     * The column's header.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * Whether the column holds categories.
     *
     * @return false for a numeric column
     */
    public boolean isCategorical() {
      return encoding != null;
    }

    /**
     * The categorical encoding.
     *
     * @return one-hot or index, or null for a numeric column
     */
    public CategoryEncoding encoding() {
      return encoding;
    }

    /**
     * The known categories, category i being {@code categories().get(i)}.
     *
     * @return unmodifiable; empty for a numeric column; without the unknown bucket
     */
    public List<String> categories() {
      return categories;
    }

    /**
     * What an unknown value does.
     *
     * @return the policy, or null for a numeric column
     */
    public UnknownCategory unknown() {
      return unknown;
    }

    /**
     * The number of distinct encoded values: the categories, plus one for the unknown bucket (the
     * number of rows an embedding over an index column needs).
     *
     * @return K or K + 1; 0 for a numeric column
     */
    public int cardinality() {
      return categories.size() + (unknown == UnknownCategory.BUCKET ? 1 : 0);
    }

    /**
     * The number of features the column becomes.
     *
     * @return {@link #cardinality()} for one-hot, else 1
     */
    public int width() {
      return encoding == CategoryEncoding.ONE_HOT ? cardinality() : 1;
    }

    // The category's index, the bucket's for an unknown value with BUCKET, or -1 when refused.
    int indexOf(String category) {
      Integer i = index.get(category);
      if (i != null) return i;
      return unknown == UnknownCategory.BUCKET ? categories.size() : -1;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Column)) return false;
      Column c = (Column) o;
      return name.equals(c.name) && encoding == c.encoding && categories.equals(c.categories) && unknown == c.unknown;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + categories.hashCode() + (encoding == null ? 0 : encoding.hashCode());
    }

    @Override
    public String toString() {
      if (encoding == null) return name + " (numeric)";
      return name + " (" + (encoding == CategoryEncoding.ONE_HOT ? "one-hot" : "index") + ", " + categories.size()
          + " categories" + (unknown == UnknownCategory.BUCKET ? " and an unknown bucket" : "") + ")";
    }
  }

  /**
   * An encoding of these columns, in feature order.
   *
   * @param columns at least one, with distinct names
   * @throws IllegalArgumentException when there are no columns, two share a name, or the features
   *     would be more than Integer.MAX_VALUE
   */
  public FeatureEncoding(List<Column> columns) {
    if (columns.isEmpty()) throw new IllegalArgumentException("FeatureEncoding: no columns");
    this.columns = List.copyOf(columns);
    this.offsets = new int[columns.size()];
    Set<String> names = new HashSet<>();
    long w = 0;
    for (int i = 0; i < columns.size(); i++) {
      Column c = this.columns.get(i);
      if (!names.add(c.name)) throw new IllegalArgumentException("FeatureEncoding: column '" + c.name + "' given twice");
      offsets[i] = (int) w;
      w += c.width();
      if (w > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("FeatureEncoding: more than " + (Integer.MAX_VALUE - 8) + " features");
    }
    this.width = (int) w;
  }

  /**
   * The columns, in feature order.
   *
   * @return unmodifiable
   */
  public List<Column> columns() {
    return columns;
  }

  /**
   * Where column {@code i}'s features start in an encoded row.
   *
   * @param i the column's position in {@link #columns()}
   * @return the offset of its first feature
   */
  public int offset(int i) {
    return offsets[i];
  }

  /**
   * The number of features in an encoded row.
   *
   * @return the sum of the columns' widths
   */
  public int width() {
    return width;
  }

  /**
   * The features' names: a numeric or index column's header, "column=category" for one-hot.
   *
   * @return {@link #width()} names, in feature order
   */
  public List<String> featureNames() {
    List<String> out = new ArrayList<>(width);
    for (Column c : columns) {
      if (c.encoding != CategoryEncoding.ONE_HOT) {
        out.add(c.name);
        continue;
      }
      for (String k : c.categories) out.add(c.name + "=" + k);
      if (c.unknown == UnknownCategory.BUCKET) out.add(c.name + "=" + UNKNOWN);
    }
    return out;
  }

  /**
   * Encodes one raw row.
   *
   * @param row field text by column header (surrounding spaces ignored); other keys are ignored
   * @return {@link #width()} features
   * @throws IllegalArgumentException when a column is missing or empty, a numeric field is not a
   *     finite number, or a category is unknown to a column that refuses unknown values
   */
  public float[] encode(Map<String, String> row) {
    return encode(List.of(row));
  }

  /**
   * Encodes raw rows into one row-major array.
   *
   * @param rows field text by column header, one map per row; other keys are ignored
   * @return rows.size() x {@link #width()} features, row by row
   * @throws IllegalArgumentException as {@link #encode(Map)}, naming the row (0-based)
   */
  public float[] encode(List<Map<String, String>> rows) {
    if ((long) rows.size() * width > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("FeatureEncoding.encode: " + rows.size() + " rows of " + width
          + " features are too many for one array; encode them in parts");
    }
    float[] out = new float[rows.size() * width];
    for (int r = 0; r < rows.size(); r++) {
      Map<String, String> row = rows.get(r);
      for (int c = 0; c < columns.size(); c++) {
        String field = row.get(columns.get(c).name);
        if (field == null) {
          throw new IllegalArgumentException("FeatureEncoding.encode: row " + r + " has no column '" + columns.get(c).name
              + "'; every row needs the columns " + names());
        }
        try {
          put(out, r * width, c, value(c, field));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("FeatureEncoding.encode: row " + r + ", " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  private List<String> names() {
    List<String> out = new ArrayList<>();
    for (Column c : columns) out.add(c.name);
    return out;
  }

  /**
   * Column {@code c}'s value for a field: the number, or the category's index.
   *
   * @throws IllegalArgumentException "column 'x': ..." for a field that cannot be encoded
   */
  float value(int c, String field) {
    Column col = columns.get(c);
    if (!col.isCategorical()) return number(col.name, field);
    String s = field.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("column '" + col.name + "': empty field (a missing value); every row needs one of its "
          + col.categories.size() + " categories");
    }
    int i = col.indexOf(s);
    if (i < 0) {
      throw new IllegalArgumentException("column '" + col.name + "': unknown category " + shown(s) + ", not one of the "
          + col.categories.size() + " known " + shownList(col.categories) + "; train with it, or read the training file with "
          + "categorical(\"" + col.name + "\", " + col.encoding + ", UnknownCategory.BUCKET) to give unknown values a bucket");
    }
    return i;
  }

  /** Writes column {@code c}'s value (a number or a category index) into the row starting at {@code row}. */
  void put(float[] out, int row, int c, float value) {
    Column col = columns.get(c);
    if (col.encoding == CategoryEncoding.ONE_HOT) out[row + offsets[c] + (int) value] = 1;
    else out[row + offsets[c]] = value;
  }

  static float number(String column, String field) {
    String s = field.trim();
    try {
      float v = Float.parseFloat(s);
      if (Float.isFinite(v) && !s.isEmpty()) return v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("column '" + column + "': " + shown(field) + " is not a finite number");
  }

  /**
   * Categories in their stable order: by value when every one is an integer (ties, such as "07"
   * and "7", by text), otherwise by {@link String#compareTo}.
   */
  static List<String> sorted(Collection<String> categories) {
    List<String> out = new ArrayList<>(categories);
    boolean integers = out.stream().allMatch(s -> INTEGER.matcher(s).matches());
    Comparator<String> text = Comparator.naturalOrder();
    out.sort(integers ? Comparator.<String>comparingLong(Long::parseLong).thenComparing(text) : text);
    return out;
  }

  // A field as quoted in a message: long ones cut, so that one bad field cannot flood a log.
  static String shown(String field) {
    return field.length() <= 60 ? "'" + field + "'" : "'" + field.substring(0, 60) + "...' (" + field.length() + " characters)";
  }

  private static String shownList(List<String> names) {
    return names.size() <= 20 ? names.toString() : names.subList(0, 20).toString().replace("]", ", ...]");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureEncoding && columns.equals(((FeatureEncoding) o).columns);
  }

  @Override
  public int hashCode() {
    return columns.hashCode();
  }

  @Override
  public String toString() {
    return "FeatureEncoding(" + width + " features from " + columns + ")";
  }
}
