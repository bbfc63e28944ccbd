package org.jdnn.train;

import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;

/**
 * The lines {@link Trainer#fit} prints to {@link Trainer#messages}: what a run is about to do
 * (device, CPU threads, parameters, samples) and, at the end, how long it took.
 */
final class FitReport {
  private FitReport() {}

  static String startLine(Trainer t, ArrayDataset train, ArrayDataset validation, ValidationSplit split) {
    long params = 0;
    for (Tensor p : t.model().parameters()) params += p.numel();
    Device device = t.model().device();
    StringBuilder sb = new StringBuilder("fit: ");
    sb.append(t.startEpoch() > 0 ? "epochs " + (t.startEpoch() + 1) + "-" + t.epochs() : t.epochs() + " epochs");
    sb.append(" on ").append(device).append(String.format(Locale.ROOT, " (%d CPU threads), %,d parameters, %,d training samples",
        Device.cpuThreads(), params, train.size()));
    if (validation != null) sb.append(String.format(Locale.ROOT, ", %,d validation samples", validation.size()));
    if (split != null) sb.append(" (").append(split).append(')');
    return sb.toString();
  }

  static String endLine(int epochsRun, int lastEpoch, boolean stoppedEarly, long nanos) {
    return String.format(Locale.ROOT, "fit: %d epoch%s in %s%s", epochsRun, epochsRun == 1 ? "" : "s", duration(nanos),
        stoppedEarly ? " (stopped after epoch " + (lastEpoch + 1) + ")" : "");
  }

  static String duration(long nanos) {
    double s = nanos / 1e9;
    return s < 60 ? String.format(Locale.ROOT, "%.1f s", s) : ProgressLogger.clock(s) + String.format(Locale.ROOT, " (%.0f s)", s);
  }
}
