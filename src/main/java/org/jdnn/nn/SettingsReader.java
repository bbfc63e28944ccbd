package org.jdnn.nn;

/**
 * A layer's saved settings as read back from a model file, with validated accessors: each throws an
 * {@link IllegalArgumentException} naming the layer ({@link #where()}), the setting, what it must be and
 * what the file holds. The bounds keep a corrupt file from asking for huge layers before anything is
 * allocated. Implemented by the model-file reader ({@link org.jdnn.io.LayerRegistry}).
 */
public interface SettingsReader {
  /** Largest layer width (features, channels) a file may declare. */
  int MAX_FEATURES = 1 << 24;
  /** Largest kernel, stride, dilation or padding a file may declare. */
  int MAX_WINDOW = 1 << 16;
  /** Tensors have at most this many dimensions (bounds reshape targets and concatenation dimensions). */
  int MAX_RANK = 8;

  /** @return the layer's type and place, as in "Linear at '0.inner'", for messages */
  String where();

  /**
   * @param key the setting
   * @param max its largest allowed value
   * @return an integer in [1, {@code max}]
   */
  default int positiveInt(String key, int max) {
    return intIn(key, 1, max);
  }

  /**
   * @param key the setting
   * @param min its smallest allowed value
   * @param max its largest allowed value
   * @return an integer in [{@code min}, {@code max}]
   */
  int intIn(String key, int min, int max);

  /**
   * @param key the setting
   * @param min its smallest allowed value
   * @param max its largest allowed value
   * @param absent the value when the file has no such setting (one that older files do not hold)
   * @return an integer in [{@code min}, {@code max}], or {@code absent}
   */
  int intOr(String key, int min, int max, int absent);

  /**
   * @param key the setting
   * @param min the smallest allowed entry
   * @param max the largest allowed entry
   * @return an array of exactly two integers in [{@code min}, {@code max}] (a {height, width} setting)
   */
  int[] intPair(String key, int min, int max);

  /**
   * @param key the setting
   * @return a finite number
   */
  double finite(String key);

  /**
   * @param key the setting
   * @param absent the value when the file has no such setting (one that older files do not hold)
   * @return a finite number, or {@code absent}
   */
  double finiteOr(String key, double absent);

  /**
   * @param key the setting
   * @return true or false
   */
  boolean bool(String key);

  /**
   * @param key the setting
   * @param absent the value when the file has no such setting (one that older files do not hold)
   * @return true or false, or {@code absent}
   */
  boolean boolOr(String key, boolean absent);

  /**
   * @param key the setting
   * @param text the expected text
   * @return whether the setting is present and is exactly the string {@code text} (for settings that are
   *     either a word or something else, such as padding "same" or [h, w])
   */
  boolean isText(String key, String text);

  /**
   * @param key the setting
   * @param absent the value when the file has no such setting
   * @param allowed the values the setting may take
   * @return one of {@code allowed}, or {@code absent}
   */
  String textOr(String key, String absent, String... allowed);

  /**
   * @param key the setting
   * @return an array of at most {@link #MAX_RANK} sizes, each -1 or positive (a reshape target)
   */
  long[] shape(String key);

  /**
   * @param key the setting
   * @param maxLength the most entries allowed
   * @return an array of at most {@code maxLength} non-empty strings (names)
   */
  String[] texts(String key, int maxLength);

  /**
   * @param key the setting
   * @param maxRows the most rows allowed
   * @param maxRowLength the most entries in one row
   * @return an array of at most {@code maxRows} rows, each of 1 to {@code maxRowLength} non-empty strings
   */
  String[][] textRows(String key, int maxRows, int maxRowLength);
}
