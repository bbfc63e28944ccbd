package org.jdnn.data;

/**
 * How a categorical CSV column becomes features ({@link CsvReader#categorical(String, CategoryEncoding)}).
 */
public enum CategoryEncoding {
  /** One feature per category, named "column=category": 1 for the row's category, 0 for the others. */
  ONE_HOT,
  /**
   * One feature holding the category's index 0..K-1 (an exact integer in float32), for an
   * embedding layer; leave it out of normalization ({@link CsvReader.Table#fitNormalizer()} does).
   */
  INDEX
}
