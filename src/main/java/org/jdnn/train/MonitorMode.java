package org.jdnn.train;

/** Whether a monitored metric improves downwards (loss) or upwards (accuracy); AUTO: MAX for names containing "acc". */
public enum MonitorMode {
  MIN,
  MAX,
  AUTO
}
