package org.jdnn.testing.opdb;

import java.util.List;

/**
 * A call a row's op must refuse: its inputs and parameters, the exception type and fragments its
 * message must contain ("{device}" stands for the device the test runs on). The call runs in
 * float32 unless an input fixes its dtype.
 */
public final class ErrorInput<P> {
  public final String label;
  final Sample<P> sample;
  final Class<? extends RuntimeException> type;
  final List<String> fragments;

  ErrorInput(String label, Sample<P> sample, Class<? extends RuntimeException> type, List<String> fragments) {
    this.label = label;
    this.sample = sample;
    this.type = type;
    this.fragments = List.copyOf(fragments);
  }

  @Override
  public String toString() {
    return label;
  }
}
