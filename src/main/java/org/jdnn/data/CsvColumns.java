package org.jdnn.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature columns of one {@link CsvReader#read}: turns each field into a float as the rows
 * stream by, and at the end builds the {@link FeatureEncoding} and the encoded features. A column
 * is numeric, categorical with fixed categories (from a given encoding), categorical with
 * categories learned from the file (declared), or undecided until its first value (detection: a
 * number makes it numeric, anything else categorical, and a later value of the other kind is an
 * error, so one typo cannot turn a numeric column into thousands of categories).
 *
 * <p>While reading, a learned column's cell holds the category's first-seen id; {@link #finish}
 * sorts the categories into their stable order and renumbers the cells.
 */
final class CsvColumns {
  private enum Kind { NUMERIC, FIXED, LEARNED, UNDECIDED }

  private final FeatureEncoding given;
  private final int[] source; // header index of each feature column
  private final String[] names;
  private final Kind[] kinds;
  private final CategoryEncoding[] encodings;
  private final UnknownCategory[] unknowns;
  private final boolean[] detected;
  private final String[] firstValue; // the first field of an undecided column, for messages
  private final int[] firstLine;
  private final List<Map<String, Integer>> seen = new ArrayList<>(); // learned columns: category -> first-seen id
  private final boolean detect;
  private final int maxCategories;

  private CsvColumns(FeatureEncoding given, int[] source, String[] names, boolean detect, int maxCategories) {
    this.given = given;
    this.source = source;
    this.names = names;
    int n = source.length;
    this.kinds = new Kind[n];
    this.encodings = new CategoryEncoding[n];
    this.unknowns = new UnknownCategory[n];
    this.detected = new boolean[n];
    this.firstValue = new String[n];
    this.firstLine = new int[n];
    this.detect = detect;
    this.maxCategories = maxCategories;
    for (int j = 0; j < n; j++) seen.add(null);
  }

  /** Columns fixed by a given encoding, found in the header by name. */
  static CsvColumns fixed(FeatureEncoding given, List<String> header, int label) {
    List<FeatureEncoding.Column> cols = given.columns();
    int[] source = new int[cols.size()];
    String[] names = new String[cols.size()];
    List<String> missing = new ArrayList<>();
    for (int j = 0; j < cols.size(); j++) {
      names[j] = cols.get(j).name();
      source[j] = header.indexOf(names[j]);
      if (source[j] < 0 || source[j] == label) missing.add(names[j]);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("no feature column " + missing + " in header " + header + "; the encoding reads "
          + List.of(names));
    }
    CsvColumns c = new CsvColumns(given, source, names, false, 0);
    for (int j = 0; j < cols.size(); j++) c.kinds[j] = cols.get(j).isCategorical() ? Kind.FIXED : Kind.NUMERIC;
    return c;
  }

  /**
   * Every header column but the label, categorical where declared, the others decided by their
   * values (or numeric when detection is off).
   */
  static CsvColumns learned(List<String> header, int label, Map<String, CategoryEncoding> declared,
      Map<String, UnknownCategory> unknown, boolean detect, int maxCategories) {
    List<String> absent = new ArrayList<>();
    for (String d : declared.keySet()) {
      int i = header.indexOf(d);
      if (i < 0 || i == label) absent.add(d);
    }
    if (!absent.isEmpty()) {
      throw new IllegalArgumentException("columns " + absent + " were declared categorical but are not feature columns of header "
          + header);
    }
    int n = header.size() - (label >= 0 ? 1 : 0);
    int[] source = new int[n];
    String[] names = new String[n];
    for (int h = 0, j = 0; h < header.size(); h++) {
      if (h == label) continue;
      source[j] = h;
      names[j++] = header.get(h);
    }
    CsvColumns c = new CsvColumns(null, source, names, detect, maxCategories);
    for (int j = 0; j < n; j++) {
      CategoryEncoding e = declared.get(names[j]);
      c.kinds[j] = e != null ? Kind.LEARNED : Kind.UNDECIDED;
      if (e != null) c.learn(j, e, unknown.get(names[j]));
    }
    return c;
  }

  private void learn(int j, CategoryEncoding e, UnknownCategory unknown) {
    kinds[j] = Kind.LEARNED;
    encodings[j] = e;
    unknowns[j] = unknown;
    seen.set(j, new HashMap<>());
  }

  int count() {
    return source.length;
  }

  /** The header index of feature column {@code j}. */
  int source(int j) {
    return source[j];
  }

  /**
   * Feature column {@code j}'s value for {@code field} on file line {@code line}.
   *
   * @throws IllegalArgumentException "column 'x': ..." when the field cannot be read
   */
  float value(int j, String field, int line) {
    switch (kinds[j]) {
      case NUMERIC:
        return given != null ? FeatureEncoding.number(names[j], field) : numberOfDecided(j, field);
      case FIXED:
        return given.value(j, field);
      case LEARNED:
        return category(j, field);
      default:
        return decide(j, field, line);
    }
  }

  // An undecided column's first value: a number makes it numeric, other text categorical.
  private float decide(int j, String field, int line) {
    firstValue[j] = field.trim();
    firstLine[j] = line;
    String s = field.trim();
    if (!detect || s.isEmpty() || parses(s)) {
      kinds[j] = Kind.NUMERIC;
      return numberOfDecided(j, field);
    }
    learn(j, CategoryEncoding.ONE_HOT, UnknownCategory.ERROR);
    detected[j] = true;
    return category(j, field);
  }

  private float numberOfDecided(int j, String field) {
    try {
      return FeatureEncoding.number(names[j], field);
    } catch (IllegalArgumentException e) {
      if (field.trim().isEmpty() || parses(field.trim())) throw e; // missing, or NaN / Infinity: not text
      String hint = !detect ? "" : " (its first value, " + FeatureEncoding.shown(firstValue[j]) + " on line " + firstLine[j]
          + ", is a number)";
      throw new IllegalArgumentException(e.getMessage() + hint + "; if the column holds categories, declare it with categorical(\""
          + names[j] + "\")", e);
    }
  }

  private float category(int j, String field) {
    String s = field.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("column '" + names[j] + "': empty field (a missing value); every row needs a category");
    }
    if (detected[j] && parses(s)) {
      throw new IllegalArgumentException("column '" + names[j] + "': " + FeatureEncoding.shown(s) + " is a number, but the column's"
          + " first value, " + FeatureEncoding.shown(firstValue[j]) + " on line " + firstLine[j] + ", is not; fix the file, or"
          + " declare categorical(\"" + names[j] + "\") to read every value as a category");
    }
    Map<String, Integer> ids = seen.get(j);
    Integer id = ids.get(s);
    if (id == null) {
      if (ids.size() == maxCategories) {
        throw new IllegalArgumentException("column '" + names[j] + "': more than " + maxCategories + " distinct categories (the"
            + " limit; raise it with maxCategories(n))");
      }
      id = ids.size();
      ids.put(s, id);
    }
    return id;
  }

  private static boolean parses(String s) {
    try {
      Float.parseFloat(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The columns read as categorical because their values are not numbers, in column order. */
  List<String> detected() {
    List<String> out = new ArrayList<>();
    for (int j = 0; j < names.length; j++) if (detected[j]) out.add(names[j]);
    return out;
  }

  /**
   * The encoding of the columns as read; renumbers learned columns' cells in {@code raw} (rows x
   * count()) from first-seen ids to their sorted categories' indices.
   */
  FeatureEncoding finish(float[] raw, int rows) {
    if (given != null) return given;
    int n = names.length;
    List<FeatureEncoding.Column> cols = new ArrayList<>(n);
    for (int j = 0; j < n; j++) {
      if (kinds[j] != Kind.LEARNED) {
        cols.add(FeatureEncoding.Column.numeric(names[j]));
        continue;
      }
      Map<String, Integer> ids = seen.get(j);
      List<String> categories = FeatureEncoding.sorted(ids.keySet());
      int[] renumber = new int[categories.size()];
      for (int k = 0; k < categories.size(); k++) renumber[ids.get(categories.get(k))] = k;
      for (int r = 0; r < rows; r++) raw[r * n + j] = renumber[(int) raw[r * n + j]];
      cols.add(FeatureEncoding.Column.categorical(names[j], categories, encodings[j], unknowns[j]));
    }
    return new FeatureEncoding(cols);
  }
}
