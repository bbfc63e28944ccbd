package org.jdnn.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdnn.io.Json;

/**
 * Writes one line per epoch to a file, as CSV (a header, then {@code epoch,loss,...,lr,seconds})
 * or as JSON lines ({@code {"epoch": 1, "loss": 0.52, ..., "lr": 0.001, "seconds": 3.1}}): the
 * epoch (from 1), every logged value in the trainer's order, the learning rate the epoch trained
 * with (the first parameter group's) and the epoch's wall time. A fit from epoch 0 starts the file
 * afresh; a resumed fit appends. Each line is written and flushed at its epoch's end, so the file
 * is current while the run goes on. Only the main process writes.
 *
 * <pre>{@code
 * trainer.callbacks(MetricsLog.csv(Path.of("runs/1/metrics.csv")));
 * }</pre>
 *
 * <p>A write failure ends the fit with an {@link UncheckedIOException} naming the file.
 */
public final class MetricsLog implements Callback {
  private final Path file;
  private final boolean csv;
  private List<String> columns;
  private double lr;
  private long epochStart;

  private MetricsLog(Path file, boolean csv) {
    if (file == null) throw new IllegalArgumentException("MetricsLog: file must not be null");
    this.file = file;
    this.csv = csv;
  }

  /**
   * A CSV log; its columns are fixed by the first epoch's logs.
   *
   * @param file the file to write, its directory created when missing
   * @return the callback
   */
  public static MetricsLog csv(Path file) {
    return new MetricsLog(file, true);
  }

  /**
   * A JSON-lines log: one JSON object per line (NaN and infinite values written as null).
   *
   * @param file the file to write, its directory created when missing
   * @return the callback
   */
  public static MetricsLog jsonLines(Path file) {
    return new MetricsLog(file, false);
  }

  /**
   * {@inheritDoc}
   *
   * @return 60: after the progress line
   */
  @Override
  public int order() {
    return 60;
  }

  @Override
  public void onTrainBegin(Trainer trainer) {
    columns = null;
    if (!trainer.isMainProcess()) return;
    boolean append = trainer.startEpoch() > 0 && Files.exists(file);
    try {
      if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
      if (!append) Files.write(file, new byte[0]);
      else if (csv) columns = header();
    } catch (IOException e) {
      throw new UncheckedIOException("MetricsLog: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  // The header of the CSV file a resumed fit appends to: its columns stay those of the first run.
  private List<String> header() throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.isEmpty() ? null : List.of(lines.get(0).split(",", -1));
  }

  @Override
  public void onEpochBegin(Trainer trainer, int epoch) {
    lr = trainer.optimizer().learningRate();  // before a schedule changes it at the epoch's end
    epochStart = System.nanoTime();
  }

  /**
   * @throws IllegalStateException for a CSV log, when this epoch logs a value the first did not
   *     (a CSV file has one header; use {@link #jsonLines} for changing columns)
   */
  @Override
  public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
    if (!trainer.isMainProcess()) return;
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    String line = csv ? csvLine(epoch, logs, seconds) : jsonLine(epoch, logs, seconds);
    try {
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("MetricsLog: cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private String csvLine(int epoch, Map<String, Double> logs, double seconds) {
    StringBuilder sb = new StringBuilder();
    if (columns == null) {
      columns = new ArrayList<>();
      columns.add("epoch");
      columns.addAll(logs.keySet());
      columns.add("lr");
      columns.add("seconds");
      sb.append(String.join(",", columns)).append('\n');
    }
    for (String k : logs.keySet()) {
      if (!columns.contains(k)) {
        throw new IllegalStateException("MetricsLog: epoch " + (epoch + 1) + " logs '" + k + "', which is not a column of " + file
            + " " + columns + "; use MetricsLog.jsonLines for logs whose names change");
      }
    }
    for (int i = 0; i < columns.size(); i++) {
      String c = columns.get(i);
      if (i > 0) sb.append(',');
      if (c.equals("epoch")) sb.append(epoch + 1);
      else if (c.equals("lr")) sb.append(number(lr));
      else if (c.equals("seconds")) sb.append(String.format(Locale.ROOT, "%.3f", seconds));
      else if (logs.containsKey(c)) sb.append(number(logs.get(c)));
    }
    return sb.toString();
  }

  private String jsonLine(int epoch, Map<String, Double> logs, double seconds) {
    ObjectNode o = Json.object();
    o.put("epoch", epoch + 1);
    for (Map.Entry<String, Double> e : logs.entrySet()) put(o, e.getKey(), e.getValue());
    put(o, "lr", lr);
    o.put("seconds", Math.round(seconds * 1000) / 1000.0);
    return Json.write(o);
  }

  private static void put(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) o.put(key, v);
    else o.putNull(key);
  }

  // Shortest text that reads back as the same double.
  private static String number(double v) {
    return Double.toString(v);
  }
}
