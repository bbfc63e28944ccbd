package org.jdnn.examples;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options of the small demonstrations: {@code --name value} pairs out of a fixed list,
 * and {@code --help}. It touches nothing but java.base, so {@code --help} answers from the jar alone
 * (no native library, no XChart on the class path): a demonstration's main parses its options
 * before it creates a tensor.
 */
final class Options {
  /** Where pictures go unless --out says otherwise. */
  static final Path DEFAULT_OUT = Path.of("target", "examples");

  private final Map<String, String> values = new HashMap<>();
  private String usage;

  private Options() {}

  /**
   * Parses {@code args}; prints {@code usage} and returns null for --help or -h; prints the error
   * and the usage to stderr and exits with status 2 for a name not in {@code names}, a missing
   * value or a value of the wrong type (see the getters).
   */
  static Options parse(String[] args, String usage, String... names) {
    Options o = new Options();
    List<String> known = List.of(names);
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--help") || name.equals("-h")) {
        System.out.println(usage);
        return null;
      }
      if (!known.contains(name)) fail("unknown argument " + name + " (expected " + String.join(", ", names) + " or --help)", usage);
      if (i + 1 >= args.length) fail("missing value after " + name, usage);
      o.values.put(name, args[++i]);
    }
    o.usage = usage;
    return o;
  }

  /** The integer value of {@code name}, or {@code fallback}; exits as parse does when it is not an integer at least {@code min}. */
  int integer(String name, int fallback, int min) {
    String v = values.get(name);
    if (v == null) return fallback;
    try {
      int n = Integer.parseInt(v);
      if (n >= min) return n;
    } catch (NumberFormatException e) {
      // reported below with the expected range
    }
    fail(name + " must be an integer of at least " + min + ", got " + v, usage);
    return fallback;  // not reached
  }

  /** The value of {@code name} as a long, or {@code fallback}; exits as parse does when it is not one. */
  long longValue(String name, long fallback) {
    String v = values.get(name);
    if (v == null) return fallback;
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      fail(name + " must be an integer, got " + v, usage);
      return fallback;  // not reached
    }
  }

  /** The value of {@code name} if it is one of {@code choices} (the first is the default); exits as parse does otherwise. */
  String choice(String name, String... choices) {
    String v = values.getOrDefault(name, choices[0]);
    if (!List.of(choices).contains(v)) fail(name + " must be one of " + String.join(", ", choices) + ", got " + v, usage);
    return v;
  }

  /** --out as a path, or {@link #DEFAULT_OUT}. */
  Path out() {
    String v = values.get("--out");
    return v == null ? DEFAULT_OUT : Path.of(v);
  }

  private static void fail(String message, String usage) {
    System.err.println("error: " + message);
    System.err.println(usage);
    System.exit(2);
  }
}
