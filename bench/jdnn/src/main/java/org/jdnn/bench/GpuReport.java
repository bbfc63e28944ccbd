package org.jdnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The results of one {@link GpuBench} run: flat keys in order, rendered as a Markdown page and as JSON. */
final class GpuReport {
  private final Map<String, Object> values = new LinkedHashMap<>();

  void put(String key, Object value) {
    values.put(key, value);
    System.err.println("   " + key + " = " + value);
  }

  double num(String key) {
    Object v = values.get(key);
    return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
  }

  boolean bool(String key) {
    return Boolean.TRUE.equals(values.get(key));
  }

  /** Samples/s of the repetitions (median and range) and the GFLOP/s the median achieves. */
  void putRates(String key, double[] samplesPerS, int batch, long flopsPerSample) {
    double median = Stats.median(samplesPerS);
    double min = Double.POSITIVE_INFINITY, max = 0;
    for (double r : samplesPerS) {
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    put(key + ".repetitions", samplesPerS.length);
    put(key + ".samples_per_s", median);
    put(key + ".samples_per_s_min", min);
    put(key + ".samples_per_s_max", max);
    put(key + ".flops_per_sample", flopsPerSample);
    put(key + ".gflops", median * flopsPerSample / 1e9);
  }

  /**
   * Device time per step from a profiled stretch against the unprofiled wall time per step
   * ({@code samplesPerStep} / the median samples/s already recorded under {@code key}).
   */
  void putOverhead(String key, int steps, int samplesPerStep, double profiledWallMs, double deviceMs, long ops) {
    double wallMs = samplesPerStep / num(key + ".samples_per_s") * 1e3;
    double devicePerStep = deviceMs / steps;
    put(key + ".profiled_steps", steps);
    put(key + ".ops_per_step", (double) ops / steps);
    put(key + ".device_ms_per_step", devicePerStep);
    put(key + ".wall_ms_per_step", wallMs);
    put(key + ".profiled_wall_ms_per_step", profiledWallMs / steps);
    put(key + ".overhead_ms_per_step", wallMs - devicePerStep);
    put(key + ".overhead_fraction", (wallMs - devicePerStep) / wallMs);
    // The same difference within the profiled stretch: never compares two different stretches
    // (noise on a busy host), but includes profiling's own host cost.
    double profiledWall = profiledWallMs / steps;
    put(key + ".profiled_overhead_ms_per_step", profiledWall - devicePerStep);
    put(key + ".profiled_overhead_fraction", (profiledWall - devicePerStep) / profiledWall);
  }

  // ---- rendering -------------------------------------------------------------------------------

  String markdown() {
    StringBuilder sb = new StringBuilder();
    boolean emu = "cuda-emu".equals(values.get("device"));
    sb.append("# jdnn GPU benchmark").append(emu ? " (cuda-emu dry run, NOT a performance figure)" : "").append("\n\n");
    if (emu) {
      sb.append("**Dry run on the CPU emulation of the CUDA backend, at tiny sizes: it shows that every op of the"
          + " workloads runs on the CUDA code path, and nothing about speed.**\n\n");
    }
    for (String k : new String[] {"machine", "date", "command", "commit", "mode", "tf32", "batch", "data", "host_cpu", "java"}) {
      if (values.containsKey(k)) sb.append("- ").append(k).append(": ").append(values.get(k)).append('\n');
    }
    sb.append("\n## Ceilings\n\n| figure | value |\n|---|---|\n");
    row(sb, "SGEMM float32, n = " + values.get("gemm.n") + " (GFLOP/s)", "gemm.fp32_gflops");
    row(sb, "GEMM float32 with TF32 (GFLOP/s)", "gemm.tf32_gflops");
    row(sb, "device copy (GB/s, read + write)", "copy.d2d_gbps");
    row(sb, "host to device (GB/s)", "copy.h2d_gbps");
    row(sb, "device to host (GB/s)", "copy.d2h_gbps");

    sb.append("\n## Workloads\n\n");
    sb.append("Samples/s: median of the repetitions after warm-up (range in brackets). GFLOP/s: samples/s x FLOPs per"
        + " sample (").append(values.get("flops_convention")).append("). Overhead: wall time per step minus the device"
        + " time of its ops (from a separate profiled stretch); in the profiled stretch: the same difference within"
        + " that stretch, which includes profiling's own host cost. An op's device time is the span between events"
        + " recorded before and after it, so a GPU waiting inside an op for the host to issue its kernels counts as"
        + " device time: the overhead is a lower bound of the host's cost.\n\n");
    sb.append("| workload | samples/s | GFLOP/s | % of SGEMM | % of TF32 GEMM | ops/step | device ms/step | wall ms/step"
        + " | overhead ms/step | overhead in the profiled stretch |\n|---|---|---|---|---|---|---|---|---|---|\n");
    workload(sb, "W1 train (MLP)", "w1");
    workload(sb, "W1 train, CUDA graph", "w1_graph");
    workload(sb, "W1 train, bf16 autocast", "w1_bf16");
    workload(sb, "W1 train, fp16 autocast + GradScaler", "w1_fp16");
    workload(sb, "W2 train (CNN)", "w2");
    workload(sb, "W2 train, CUDA graph", "w2_graph");
    workload(sb, "W2 train, bf16 autocast", "w2_bf16");
    workload(sb, "W2 train, fp16 autocast + GradScaler", "w2_fp16");
    workload(sb, "W3 batch 1", "w3.b1");
    workload(sb, "W3 batch 256", "w3.b256");
    workload(sb, "W3 batch 1, 8 threads", "w3.b1x8");

    sb.append("\nCUDA graph rows: each full training step replayed from a graph captured after ")
        .append(values.get("graph_warmup_steps")).append(" eager steps (StepGraph.feeding: the graph gathers its batch from")
        .append(" the epoch order on the device and takes Adam's and Dropout's per-step values from its constant table, so")
        .append(" a step is one launch), the same batches as the eager row, the epoch's last, smaller batch eager; not")
        .append(" profiled (a replay has no per-op events), so only samples/s and wall ms/step.\n");
    sb.append("\nbf16 autocast rows: the same steps with forward and loss under Autocast.enable(BFLOAT16): Linear's three"
        + " products as bf16 GEMMs with float32 sums, convolutions in cuDNN on bf16 data with float32 accumulation,"
        + " parameters and Adam in float32; GFLOP/s counted as for float32. fp16 rows: the same"
        + " in float16 (float16 GEMMs), the loss scaled by a GradScaler (PyTorch's defaults, steps skipped on the"
        + " device when a gradient overflows).\n");
    StringBuilder other = new StringBuilder();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String k = e.getKey();
      if (k.endsWith("accuracy") || k.contains("accuracy_") || k.matches("w1(_graph|_bf16|_fp16)?\\.epoch\\d+_s") || k.endsWith("all_layers")) {
        other.append("- ").append(k).append(": ").append(format(e.getValue())).append('\n');
      }
    }
    if (other.length() > 0) sb.append("\n## Other figures\n\n").append(other);
    StringBuilder errors = new StringBuilder();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (e.getKey().endsWith(".error")) errors.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    if (errors.length() > 0) sb.append("\n## Failures\n\n").append(errors);
    return sb.toString();
  }

  private void row(StringBuilder sb, String label, String key) {
    sb.append("| ").append(label).append(" | ").append(format(values.get(key))).append(" |\n");
  }

  private void workload(StringBuilder sb, String label, String key) {
    if (!values.containsKey(key + ".samples_per_s")) {
      sb.append("| ").append(label).append(" | not measured |  |  |  |  |  |  |  |  |\n");
      return;
    }
    String rate = format(values.get(key + ".samples_per_s"));
    if (values.containsKey(key + ".samples_per_s_min")) {
      rate += " (" + format(values.get(key + ".samples_per_s_min")) + "-" + format(values.get(key + ".samples_per_s_max")) + ")";
    }
    double gflops = num(key + ".gflops");
    sb.append("| ").append(label).append(" | ").append(rate)
        .append(" | ").append(format(values.get(key + ".gflops")))
        .append(" | ").append(percent(gflops, num("gemm.fp32_gflops")))
        .append(" | ").append(percent(gflops, num("gemm.tf32_gflops")))
        .append(" | ").append(format(values.get(key + ".ops_per_step")))
        .append(" | ").append(format(values.get(key + ".device_ms_per_step")))
        .append(" | ").append(format(values.get(key + ".wall_ms_per_step")))
        .append(" | ").append(withShare(key + ".overhead"))
        .append(" | ").append(withShare(key + ".profiled_overhead"))
        .append(" |\n");
  }

  /** "2.59 (8.5%)": milliseconds per step and the share of the step's wall time. */
  private String withShare(String prefix) {
    String ms = format(values.get(prefix + "_ms_per_step"));
    return ms.isEmpty() ? "" : ms + " (" + percent(num(prefix + "_fraction"), 1) + ")";
  }

  private static String percent(double part, double whole) {
    if (Double.isNaN(part) || Double.isNaN(whole) || whole <= 0) return "";
    return String.format(Locale.ROOT, "%.1f%%", 100 * part / whole);
  }

  private static String format(Object v) {
    if (v == null) return "";
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d)) return "";
      if (Math.abs(d) >= 1000) return String.format(Locale.ROOT, "%,.0f", d);
      return String.format(Locale.ROOT, "%.3g", d);
    }
    return String.valueOf(v);
  }

  void writeMarkdown(Path file) throws IOException {
    write(file, markdown());
  }

  void writeJson(Path file) throws IOException {
    StringBuilder sb = new StringBuilder("{\n");
    int i = 0;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      sb.append("  ").append(quote(e.getKey())).append(": ").append(json(e.getValue()));
      sb.append(++i < values.size() ? ",\n" : "\n");
    }
    write(file, sb.append("}\n").toString());
  }

  private static String json(Object v) {
    if (v instanceof Boolean) return v.toString();
    if (v instanceof Number) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) return "null";
      return v instanceof Double || v instanceof Float ? String.format(Locale.ROOT, "%.6g", d) : v.toString();
    }
    return quote(String.valueOf(v));
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static void write(Path file, String text) throws IOException {
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
