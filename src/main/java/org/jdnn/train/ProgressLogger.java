package org.jdnn.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress. On a terminal (System.console() present) a live single line redrawn with
 * '\r': a bar, batch count, running loss, samples/s and ETA, never wider than the terminal (the
 * COLUMNS environment variable, else 80 columns; the bar shrinks, then the line is cut), since a
 * line that wraps cannot be redrawn and would stack up. Otherwise (CI, logs) a plain line every
 * {@code intervalSeconds}. Both print a summary line per epoch with every logged metric and the
 * learning rate the epoch trained with (the first parameter group's).
 */
public final class ProgressLogger implements Callback {
  private static final int BAR = 24;
  /** The width assumed when COLUMNS is not set, or not a number. */
  static final int DEFAULT_COLUMNS = 80;
  private final PrintStream out;
  private final boolean live;
  private final long intervalNanos;
  private long epochStart;
  private long lastPrint;
  private double lossSum;
  private long samples;
  private int lastWidth;
  private final int columns;
  private double lr;

  /**
   * A progress printer.
   *
   * @param out where to print; not closed by the logger
   * @param live whether to redraw one line with '\r' (for a terminal) instead of printing lines
   * @param intervalSeconds the least time between two progress prints, at least 0 (0: after
   *     every read of the loss, which is every batch unless {@link Trainer#logEvery} says otherwise)
   * @throws IllegalArgumentException when {@code intervalSeconds} is negative or NaN
   */
  public ProgressLogger(PrintStream out, boolean live, double intervalSeconds) {
    this(out, live, intervalSeconds, terminalColumns(System.getenv("COLUMNS")));
  }

  /**
   * A progress printer for a terminal of a given width.
   *
   * @param out where to print; not closed by the logger
   * @param live whether to redraw one line with '\r' (for a terminal) instead of printing lines
   * @param intervalSeconds the least time between two progress prints, at least 0
   * @param columns the terminal's width; a live line stays at least one column narrower, at least 20
   * @throws IllegalArgumentException when {@code intervalSeconds} is negative or NaN, or
   *     {@code columns} &lt; 20
   */
  public ProgressLogger(PrintStream out, boolean live, double intervalSeconds, int columns) {
    if (!(intervalSeconds >= 0)) throw new IllegalArgumentException("ProgressLogger: interval must be >= 0, got " + intervalSeconds);
    if (columns < 20) throw new IllegalArgumentException("ProgressLogger: columns must be >= 20, got " + columns);
    this.out = out;
    this.live = live;
    this.intervalNanos = (long) (intervalSeconds * 1e9);
    this.columns = columns;
  }

  // The terminal's width from the COLUMNS variable (shells set it; a JVM does not learn it otherwise).
  static int terminalColumns(String env) {
    if (env == null) return DEFAULT_COLUMNS;
    try {
      int c = Integer.parseInt(env.trim());
      return c >= 20 ? c : DEFAULT_COLUMNS;
    } catch (NumberFormatException e) {
      return DEFAULT_COLUMNS;
    }
  }

  /**
   * Progress on System.out: a live bar redrawn at most every 0.1 s on a terminal, a line every
   * 10 s otherwise.
   *
   * @return a new logger
   */
  public static ProgressLogger auto() {
    boolean terminal = System.console() != null;
    return new ProgressLogger(System.out, terminal, terminal ? 0.1 : 10);
  }

  /**
   * {@inheritDoc}
   *
   * @return 50: after schedules and early stopping, before checkpoints
   */
  @Override
  public int order() {
    return 50;
  }


  @Override
  public void onEpochBegin(Trainer trainer, int epoch) {
    epochStart = System.nanoTime();
    lastPrint = epochStart;
    lr = trainer.optimizer().learningRate();  // read now: a schedule changes it at the epoch's end
    lossSum = 0;
    samples = 0;
  }

  @Override
  public void onBatchEnd(Trainer trainer, int epoch, int batch, int batches, int n, double loss) {
    if (!trainer.isMainProcess()) return;  // in a distributed fit only rank 0 reports
    lossSum += loss * n;
    samples += n;
    long now = System.nanoTime();
    boolean last = batch + 1 == batches;
    if (now - lastPrint < intervalNanos || (last && !live)) return;
    lastPrint = now;
    double secs = Math.max(1e-9, (now - epochStart) / 1e9);
    double rate = samples / secs;
    double eta = secs / (batch + 1) * (batches - batch - 1);
    String stats = String.format(Locale.ROOT, "%d/%d  loss %.4f  %,.0f samples/s  ETA %s", batch + 1, batches,
        lossSum / samples, rate, clock(eta));
    String head = "epoch " + (epoch + 1) + "/" + trainer.epochs();
    if (live) {
      String line = liveLine(head, stats, batch + 1, batches);
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
    } else {
      out.println(head + "  batch " + stats);
    }
    out.flush();
  }

  @Override
  public void onEpochEnd(Trainer trainer, int epoch, Map<String, Double> logs) {
    if (!trainer.isMainProcess()) return;
    StringBuilder sb = new StringBuilder("epoch ").append(epoch + 1).append('/').append(trainer.epochs());
    for (Map.Entry<String, Double> e : logs.entrySet()) {
      sb.append("  ").append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.4f", e.getValue()));
    }
    sb.append(String.format(Locale.ROOT, "  lr %.3g", lr));
    double secs = (System.nanoTime() - epochStart) / 1e9;
    sb.append(String.format(Locale.ROOT, "  %.1f s  %,.0f samples/s", secs, samples / Math.max(secs, 1e-9)));
    String line = sb.toString();
    if (live) out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())) + "\n");
    else out.println(line);
    lastWidth = 0;
    out.flush();
  }

  // The redrawn line in at most columns - 1 characters: the bar narrows (down to 5), is dropped, then the text is cut.
  String liveLine(String head, String stats, int done, int batches) {
    int room = columns - 1;
    int bar = Math.min(BAR, room - head.length() - stats.length() - 4);
    if (bar < 5) {
      String line = head + " " + stats;
      return line.length() <= room ? line : line.substring(0, room);
    }
    int filled = (int) ((long) bar * done / batches);
    return head + " [" + "=".repeat(filled) + (filled < bar ? ">" : "") + " ".repeat(Math.max(0, bar - filled - 1)) + "] " + stats;
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
