package org.jdnn.nn;

/**
 * Where a layer writes its constructor settings when it is saved (a model file's architecture JSON). Keys
 * and value types are part of the file format: a reader of files written earlier depends on them.
 */
public interface SettingsWriter {
  /**
   * @param key the setting
   * @param value its value
   * @return this writer
   */
  SettingsWriter put(String key, int value);

  /**
   * @param key the setting
   * @param value its value
   * @return this writer
   */
  SettingsWriter put(String key, double value);

  /**
   * @param key the setting
   * @param value its value
   * @return this writer
   */
  SettingsWriter put(String key, boolean value);

  /**
   * @param key the setting
   * @param value its value
   * @return this writer
   */
  SettingsWriter put(String key, String value);

  /**
   * @param key the setting
   * @param values its values, written as an array
   * @return this writer
   */
  SettingsWriter putArray(String key, int[] values);

  /**
   * @param key the setting
   * @param values its values, written as an array
   * @return this writer
   */
  SettingsWriter putArray(String key, long[] values);

  /**
   * @param key the setting
   * @param values its values, written as an array of strings (names, such as a graph's inputs)
   * @return this writer
   */
  SettingsWriter putArray(String key, String[] values);

  /**
   * @param key the setting
   * @param rows its rows, written as an array of arrays of strings (a graph's nodes and what feeds them)
   * @return this writer
   */
  SettingsWriter putArray(String key, String[][] rows);
}
