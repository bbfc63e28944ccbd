package org.jdnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Collects the per-JVM result files of one comparison run (run-SYSTEM-LABEL-REP.properties) and
 * writes the markdown table and the JSON file: medians over repeats per system and setting, the
 * best SGEMM rate as the ceiling, achieved GFLOP/s against it, and jdnn / faster peer ratios
 * (peers with OMP_WAIT_POLICY=PASSIVE, the headline setting).
 *
 * <p>Usage: {@code Report RAW_DIR OUT.md OUT.json "command line"}
 */
public final class Report {
  /** Columns: system and setting label, in table order. */
  private static final String[][] COLUMNS = {
    {"jdnn", "own-pool", "jdnn"},
    {"dl4j", "passive", "DL4J, passive"},
    {"pytorch", "passive", "PyTorch, passive"},
    {"dl4j", "spin", "DL4J, default (spinning)"},
    {"pytorch", "spin", "PyTorch, default (spinning)"},
  };

  /** Rows: key, label, higher is better (+1), lower is better (-1), or no ratio (0), decimals. */
  private static final Object[][] ROWS = {
    {"w1.samples_per_s", "W1 train samples/s (median of epochs 2-3)", 1, 0},
    {"w1.epoch1.s", "W1 first epoch, s", 0, 2},
    {"w1.accuracy", "W1 test accuracy after 3 epochs", 0, 4},
    {"w1.vmhwm_mb", "W1 peak resident memory, MB (VmHWM)", -1, 0},
    {"w1.gflops", "W1 achieved GFLOP/s", 0, 1},
    {"w2.samples_per_s", "W2 train samples/s", 1, 0},
    {"w2.accuracy", "W2 test accuracy after 1 epoch", 0, 4},
    {"w2.gflops", "W2 achieved GFLOP/s", 0, 1},
    {"w3.b1", "W3 batch 1, samples/s", 1, 0},
    {"w3.b256", "W3 batch 256, samples/s", 1, 0},
    {"w3.b1x8", "W3 batch 1 from 8 threads, one model, samples/s", 1, 0},
    {"w3.b256.gflops", "W3 batch 256 achieved GFLOP/s", 0, 1},
    {"w3.b1.bf16", "W3 batch 1, opt-in bf16 inference, samples/s", 0, 0},
    {"w3.b256.bf16", "W3 batch 256, opt-in bf16 inference, samples/s", 0, 0},
    {"w1.accuracy.bf16", "W1 test accuracy with bf16 inference", 0, 4},
    {"gemm.gflops", "SGEMM GFLOP/s (own matmul, best of 5)", 0, 1},
    {"w4.steps_per_s", "W4 tiny MLP 64-64-64-10 training steps/s (batch 8, Adam)", 1, 0},
    {"w4.step_us", "W4 microseconds per tiny training step", 0, 1},
    {"w4.ops_per_s", "W4 tiny ops/s (4-element add, 4x4 matmul, relu)", 1, 0},
    {"w4.op_ns", "W4 nanoseconds per tiny op", 0, 0},
  };

  private Report() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) throw new IllegalArgumentException("usage: Report RAW_DIR OUT.md OUT.json [command]");
    Path raw = Paths.get(args[0]);
    String command = args.length > 3 ? args[3] : "scripts/bench-compare.sh";
    // config "system/label" -> key -> values over repeats
    Map<String, Map<String, List<String>>> runs = new TreeMap<>();
    Map<String, Integer> runCount = new TreeMap<>();
    try (Stream<Path> files = Files.list(raw)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (!f.getFileName().toString().endsWith(".properties")) continue;
        Map<String, String> kv = read(f);
        String cfg = kv.get("system") + "/" + kv.get("label");
        runCount.merge(cfg, 1, Integer::sum);
        Map<String, List<String>> m = runs.computeIfAbsent(cfg, k -> new TreeMap<>());
        kv.forEach((k, v) -> m.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
      }
    }
    if (runs.isEmpty()) throw new IOException("no run-*.properties in " + raw);

    double ceiling = 0;
    String ceilingBy = "";
    for (Map.Entry<String, Map<String, List<String>>> e : runs.entrySet()) {
      double g = max(e.getValue().get("gemm.gflops"));
      if (g > ceiling) {
        ceiling = g;
        ceilingBy = e.getKey();
      }
    }
    Map<String, String> any = first(runs.values().iterator().next());

    StringBuilder md = new StringBuilder();
    StringBuilder js = new StringBuilder("{\n");
    md.append("## jdnn vs Deeplearning4j vs PyTorch (JavaCPP), CPU\n\n");
    md.append("- Machine: ").append(any.get("cpu")).append(", ").append(any.get("cores")).append(" cores (")
        .append(any.get("cpu.flags")).append("), ").append(any.get("java")).append("\n");
    md.append("- Date: ").append(any.get("date")).append("\n");
    md.append("- Command: `").append(command).append("`\n");
    md.append("- Settings: batch ").append(any.get("batch")).append(", ").append(any.get("threads"))
        .append(" intra-op threads per system (jdnn `Device.setCpuThreads` + JDNN_NUM_THREADS; PyTorch `set_num_threads`; "
            + "ND4J `Environment.setMaxThreads`/`setMaxMasterThreads`; OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS = threads "
            + "for the peers); each system and setting in its own JVM; medians over repeats (runs per column below).\n");
    md.append("- Versions: ");
    for (Map.Entry<String, Map<String, List<String>>> e : runs.entrySet()) {
      if (!e.getKey().endsWith("/spin")) {
        md.append(e.getKey().split("/")[0]).append(" ").append(versions(first(e.getValue()))).append("; ");
      }
    }
    md.setLength(md.length() - 2);
    md.append("\n");
    md.append("- Environment per column:");
    for (String[] c : COLUMNS) {
      String cfg = c[0] + "/" + c[1];
      if (!runs.containsKey(cfg)) continue;
      StringBuilder env = new StringBuilder();
      first(runs.get(cfg)).forEach((k, v) -> {
        if (k.startsWith("env.") && !v.isEmpty()) env.append(env.length() == 0 ? "" : " ").append(k.substring(4)).append('=').append(v);
      });
      md.append(" ").append(c[2]).append(": `").append(env.length() == 0 ? "(none)" : env).append("`;");
    }
    md.setLength(md.length() - 1);
    md.append("\n");
    if (any.containsKey("data.train")) {
      md.append("- W1 data: ").append(any.get("data.train")).append(" training / ").append(any.get("data.test"))
          .append(" test images. W2: ").append(w2Setting(runs)).append(".\n");
    }
    if (any.containsKey("w4.batch")) {
      md.append("- W4: tiny MLP 64-64-64-10 at batch ").append(any.get("w4.batch")).append(" on fixed random data, Adam lr 1e-3;"
          + " tiny ops on fixed random 4-element and 4x4 inputs; each part an untimed warm-up, then the median of"
          + " timed windows on one thread (bench/README.md, \"What is measured\"); jdnn / PyTorch is a ratio within this run.\n");
    }
    if (ceiling > 0) md.append(String.format(Locale.ROOT, "- Ceiling: best large SGEMM on this machine %.1f GFLOP/s (%s, n = %s). FLOPs per sample: "
        + "W1 forward %,d, training %,d; W2 forward %,d, training %,d (%s).%n",
        ceiling, ceilingBy, any.getOrDefault("gemm.n", "?"), Flops.w1Forward(), Flops.training(Flops.w1Forward()),
        Flops.w2Forward(), Flops.training(Flops.w2Forward()), Flops.convention()));
    md.append("\n");

    md.append("| workload |");
    for (String[] c : COLUMNS) if (runs.containsKey(c[0] + "/" + c[1])) md.append(" ").append(c[2]).append(" |");
    md.append(" jdnn / faster peer (passive) |\n|---|");
    for (String[] c : COLUMNS) if (runs.containsKey(c[0] + "/" + c[1])) md.append("---:|");
    md.append("---:|\n");

    js.append("  \"date\": ").append(q(any.get("date"))).append(",\n");
    js.append("  \"command\": ").append(q(command)).append(",\n");
    js.append("  \"machine\": {\"cpu\": ").append(q(any.get("cpu"))).append(", \"cores\": ").append(any.get("cores"))
        .append(", \"flags\": ").append(q(any.get("cpu.flags"))).append(", \"java\": ").append(q(any.get("java"))).append("},\n");
    js.append("  \"settings\": {\"batch\": ").append(any.get("batch")).append(", \"threads\": ").append(any.get("threads"))
        .append(", \"w2\": ").append(q(w2Setting(runs))).append(", \"flops_convention\": ").append(q(Flops.convention()))
        .append(", \"w1_train_flops_per_sample\": ").append(Flops.training(Flops.w1Forward()))
        .append(", \"w2_train_flops_per_sample\": ").append(Flops.training(Flops.w2Forward()))
        .append(", \"w1_forward_flops_per_sample\": ").append(Flops.w1Forward()).append("},\n");
    js.append(String.format(Locale.ROOT, "  \"ceiling_sgemm_gflops\": %.2f,%n  \"ceiling_by\": %s,%n", ceiling, q(ceilingBy)));

    js.append("  \"results\": {\n");
    boolean firstCfg = true;
    for (Map.Entry<String, Map<String, List<String>>> e : runs.entrySet()) {
      js.append(firstCfg ? "" : ",\n").append("    ").append(q(e.getKey())).append(": {\"runs\": ")
          .append(runCount.get(e.getKey())).append(", \"env\": {");
      firstCfg = false;
      Map<String, String> f = first(e.getValue());
      boolean fe = true;
      for (String k : f.keySet()) {
        if (k.startsWith("env.") || k.startsWith("version.")) {
          js.append(fe ? "" : ", ").append(q(k)).append(": ").append(q(f.get(k)));
          fe = false;
        }
      }
      js.append("}");
      for (Object[] r : ROWS) {
        List<String> v = e.getValue().get((String) r[0]);
        if (v == null) continue;
        js.append(",\n      ").append(q((String) r[0])).append(": {\"median\": ").append(num(median(v)))
            .append(", \"runs\": ").append(v.toString().replace(" ", "")).append("}");
      }
      for (String k : e.getValue().keySet()) {
        if (k.endsWith(".error") || k.endsWith(".skipped")) {
          js.append(",\n      ").append(q(k)).append(": ").append(q(e.getValue().get(k).get(0)));
        }
      }
      js.append("}");
    }
    js.append("\n  },\n  \"ratios_jdnn_to_faster_passive_peer\": {");

    boolean firstRatio = true;
    for (Object[] r : ROWS) {
      String key = (String) r[0];
      int better = (Integer) r[2], dec = (Integer) r[3];
      StringBuilder line = new StringBuilder("| " + r[1] + " |");
      boolean anyValue = false;
      for (String[] c : COLUMNS) {
        String cfg = c[0] + "/" + c[1];
        if (!runs.containsKey(cfg)) continue;
        Map<String, List<String>> m = runs.get(cfg);
        List<String> v = m.get(key);
        String cell;
        if (v != null) {
          anyValue = true;
          cell = fmt(median(v), dec);
          if (key.endsWith("gflops") && !key.startsWith("gemm") && ceiling > 0) {
            cell += String.format(Locale.ROOT, " (%.0f%%)", 100 * median(v) / ceiling);
          }
          if (v.size() > 1 && better != 0) cell += " <sub>" + fmt(min(v), dec) + "-" + fmt(max(v), dec) + "</sub>";
        } else {
          String prefix = key.substring(0, key.indexOf('.'));
          List<String> why = m.get(prefix + ".skipped");
          List<String> err = m.get(prefix + ".error");
          cell = why != null ? "skipped" : err != null ? "failed" : (key.equals("w2.accuracy") ? "n/a" : "—");
        }
        line.append(" ").append(cell).append(" |");
      }
      String ratio = "";
      if (better != 0) {
        double j = medianOf(runs, "jdnn/own-pool", key);
        double peer = better > 0 ? Math.max(medianOf(runs, "dl4j/passive", key), medianOf(runs, "pytorch/passive", key))
            : minPositive(medianOf(runs, "dl4j/passive", key), medianOf(runs, "pytorch/passive", key));
        if (j > 0 && peer > 0) {
          double rr = better > 0 ? j / peer : j / peer;
          ratio = String.format(Locale.ROOT, "%.2fx", rr);
          js.append(firstRatio ? "" : ", ").append(q(key)).append(": ").append(String.format(Locale.ROOT, "%.4f", rr));
          firstRatio = false;
        }
      }
      line.append(" ").append(ratio).append(" |\n");
      if (anyValue) md.append(line);
    }
    js.append("}\n}\n");

    md.append("\nRuns per column: ");
    for (String[] c : COLUMNS) {
      String cfg = c[0] + "/" + c[1];
      if (runCount.containsKey(cfg)) md.append(c[2]).append(" ").append(runCount.get(cfg)).append("; ");
    }
    md.setLength(md.length() - 2);
    md.append(". Small figures are the range over runs. Ratios: jdnn / the faster passive peer for throughput "
        + "(higher is better), jdnn / the smaller passive peer for memory (lower is better). Peak memory is the whole "
        + "process (JVM, the data set as Java arrays plus the library's copy, model) read from /proc/self/status after W1.\n");
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, Map<String, List<String>>> e : runs.entrySet()) {
      for (Map.Entry<String, List<String>> kv : e.getValue().entrySet()) {
        if (kv.getKey().endsWith(".skipped") || kv.getKey().endsWith(".error")) {
          notes.add(e.getKey() + " " + kv.getKey() + ": " + kv.getValue().get(0));
        }
      }
    }
    for (String n : notes) md.append("\n- ").append(n);
    md.append("\n");
    Files.writeString(Paths.get(args[1]), md.toString());
    Files.writeString(Paths.get(args[2]), js.toString());
    System.out.print(md);
  }

  private static String w2Setting(Map<String, Map<String, List<String>>> runs) {
    for (Map<String, List<String>> m : runs.values()) {
      if (m.containsKey("w2.timed_batches")) {
        Map<String, String> f = first(m);
        return "true".equals(f.get("w2.full_epoch"))
            ? "one full epoch (" + f.get("w2.warmup_batches") + " warm-up batches untimed, then " + f.get("w2.timed_batches") + " timed)"
            : f.get("w2.timed_batches") + " timed batches after " + f.get("w2.warmup_batches") + " warm-up batches of epoch 1";
      }
    }
    return "not run";
  }

  private static String versions(Map<String, String> f) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : f.entrySet()) {
      if (e.getKey().startsWith("version.") && !e.getKey().equals("version.parallel_info")) {
        sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey().substring(8)).append(" ").append(e.getValue().trim());
      }
    }
    return sb.toString();
  }

  private static Map<String, String> read(Path f) throws IOException {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : Files.readAllLines(f)) {
      int i = line.indexOf('=');
      if (i > 0) kv.put(line.substring(0, i), line.substring(i + 1));
    }
    return kv;
  }

  private static Map<String, String> first(Map<String, List<String>> m) {
    Map<String, String> f = new LinkedHashMap<>();
    m.forEach((k, v) -> f.put(k, v.get(0)));
    return f;
  }

  private static double[] nums(List<String> v) {
    if (v == null) return new double[0];
    return v.stream().mapToDouble(s -> {
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }).filter(d -> !Double.isNaN(d)).toArray();
  }

  private static double median(List<String> v) {
    return Stats.median(nums(v));
  }

  private static double max(List<String> v) {
    double m = 0;
    for (double d : nums(v)) m = Math.max(m, d);
    return m;
  }

  private static double min(List<String> v) {
    double m = Double.MAX_VALUE;
    for (double d : nums(v)) m = Math.min(m, d);
    return m;
  }

  private static double medianOf(Map<String, Map<String, List<String>>> runs, String cfg, String key) {
    Map<String, List<String>> m = runs.get(cfg);
    if (m == null || m.get(key) == null) return 0;
    double d = median(m.get(key));
    return Double.isNaN(d) ? 0 : d;
  }

  private static double minPositive(double a, double b) {
    if (a <= 0) return b;
    if (b <= 0) return a;
    return Math.min(a, b);
  }

  private static String fmt(double d, int decimals) {
    if (Double.isNaN(d)) return "—";
    return decimals == 0 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%." + decimals + "f", d);
  }

  private static String num(double d) {
    return Double.isNaN(d) ? "null" : String.format(Locale.ROOT, "%.6g", d);
  }

  private static String q(String s) {
    if (s == null) return "null";
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.append('"').toString();
  }
}
