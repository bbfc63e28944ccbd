package org.jdnn.train;

/** Whether a monitored metric improves downwards (loss) or upwards (accuracy). */
public enum MonitorMode {
  /** Lower is better (losses). */
  MIN,
  /** Higher is better (accuracies). */
  MAX,
  /** MAX for names containing "acc", MIN for the rest (the default). */
  AUTO
}

