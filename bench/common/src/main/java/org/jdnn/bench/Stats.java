package org.jdnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/** Medians, process memory and machine facts. */
public final class Stats {
  private Stats() {}

  public static double median(double... v) {
    if (v.length == 0) return Double.NaN;
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  public static double max(double... v) {
    double m = Double.NaN;
    for (double d : v) m = Double.isNaN(m) ? d : Math.max(m, d);
    return m;
  }

  /** A field of /proc/self/status in kB (VmHWM: peak resident set; VmRSS: current), or -1. */
  public static long procStatusKb(String field) {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no figure
    }
    return -1;
  }

  public static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.arch");
  }

  /** CPU feature flags of interest (avx2, avx512f, avx512_bf16, amx_tile...) present in /proc/cpuinfo. */
  public static String cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          StringBuilder sb = new StringBuilder();
          for (String f : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
            if (f.equals("avx2") || f.equals("fma") || f.equals("avx512f") || f.equals("avx512_bf16")
                || f.equals("avx512_vnni") || f.equals("amx_tile") || f.equals("amx_bf16")) {
              sb.append(sb.length() == 0 ? "" : " ").append(f);
            }
          }
          return sb.toString();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "";
  }

  /** A version from bench-versions.properties (filtered from bench/pom.xml at build time). */
  public static String declaredVersion(String key) {
    try (java.io.InputStream in = Stats.class.getResourceAsStream("/bench-versions.properties")) {
      java.util.Properties p = new java.util.Properties();
      if (in != null) p.load(in);
      return p.getProperty(key, "?");
    } catch (IOException e) {
      return "?";
    }
  }
}
