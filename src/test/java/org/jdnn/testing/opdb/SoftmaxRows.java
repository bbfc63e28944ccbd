package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows for softmax and log-softmax over the last dimension, with and without a temperature. */
final class SoftmaxRows {
  private SoftmaxRows() {}

  /** Shapes: rows of 5, batch 1, vectors, one class, ranks 3 and 4, a row wider than a vector register block. */
  static final long[][] SHAPES = {{4, 5}, {1, 3}, {7}, {1}, {1, 1}, {2, 3, 4}, {2, 3, 17}, {3, 1, 2, 9}, {3, 1},
      {2, 129}, {3, 4}, {1, 5}, {4, 10}};

  static List<OpInfo<?>> rows() {
    return List.of(
        softmax("softmax", "Tensor.softmax()", false, false),
        softmax("softmax(temperature)", "Tensor.softmax(double)", false, true),
        softmax("logSoftmax", "Tensor.logSoftmax()", true, false),
        softmax("logSoftmax(temperature)", "Tensor.logSoftmax(double)", true, true));
  }

  static OpInfo<Double> softmax(String name, String method, boolean log, boolean withTemperature) {
    String op = log ? "logSoftmax" : "softmax";
    OpInfo<Double> row = OpInfo.<Double>op(name)
        .covers(method)
        .messageName(op)
        .gradStep(1e-5)  // rows of 129: a smaller step's rounding noise in the projected sum reaches 1e-6
        .call((in, t) -> !withTemperature ? (log ? in[0].logSoftmax() : in[0].softmax())
            : log ? in[0].logSoftmax(t) : in[0].softmax(t))
        .reference((s, in) -> {
          long[] shape = s.shape(0);
          return Expected.of(Formulas.softmax(in[0], (int) shape[shape.length - 1], s.params, log), shape);
        })
        .samples(r -> {
          List<Sample<Double>> out = new ArrayList<>();
          double[] temperatures = withTemperature ? new double[] {1.0, 0.5, 2.0, 10.0, 3.0} : new double[] {1.0};
          for (double t : temperatures) {
            for (long[] shape : SHAPES) {
              out.add(Sample.of("T " + t + " " + Arrays.toString(shape), t,
                  Input.of(Domain.range(0, 5).signed().draw(r, Refs.numel(shape)), shape)));
            }
          }
          // huge logits: a dominant class, ties, both signs; exact through the subtracted maximum
          out.add(Sample.of("huge logits", 1.0,
              Input.of(new double[] {1e4, 0, -1e4, 1e4, 1e4 - 1, 1e4 - 2, -1e4, -1e4 + 3, 5}, 3, 3)));
          out.add(Sample.of("huge logits of both signs", 1.0, Input.of(new double[] {1e4, -1e4, 0, 9999, 3e3, 1e4}, 2, 3)));
          out.add(Sample.of("huge logits, close values", 1.0,
              Input.of(new double[] {1e4, 1e4 - 1, 1e4 - 2.5, -1e4, -1e4 + 0.5, -1e4 + 2}, 2, 3)));
          return out;
        });
    if (withTemperature) {
      for (double t : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
        row.error("temperature " + t, t, List.of(Input.of(new double[] {1, 2}, 1, 2)), IllegalArgumentException.class,
            op, "temperature", String.valueOf(t));
      }
    }
    row.error("rank 0", 1.0, List.of(Input.of(new double[] {1})), IllegalArgumentException.class, op,
        "at least one dimension");
    return row;
  }
}
