package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The op database: every row of every family, and the JUnit parameter sources the generic op
 * tests run on (each row on each device). To add an op, add a row to its family's file (or a new
 * family listed here); the coverage test names the API members no row covers.
 */
public final class OpDatabase {
  private static final List<OpInfo<?>> ROWS = build();

  private OpDatabase() {}

  private static List<OpInfo<?>> build() {
    List<OpInfo<?>> rows = new ArrayList<>();
    rows.addAll(ElementwiseRows.rows());
    rows.addAll(ActivationRows.rows());
    rows.addAll(ClampRows.rows());
    rows.addAll(ComparisonRows.rows());
    rows.addAll(SoftmaxRows.rows());
    rows.addAll(MaskedSoftmaxRows.rows());
    rows.addAll(ReductionRows.rows());
    rows.addAll(DimReductionRows.rows());
    rows.addAll(ShapeRows.rows());
    rows.addAll(LinalgRows.rows());
    rows.addAll(LossRows.rows());
    rows.addAll(LossOptionRows.rows());
    rows.addAll(ConvRows.rows());
    rows.addAll(PoolRows.rows());
    rows.addAll(NormRows.rows());
    rows.addAll(DropoutRows.rows());
    rows.addAll(GatherRows.rows());
    rows.addAll(LayoutRows.rows());
    rows.addAll(IndexRows.rows());
    Set<String> names = new HashSet<>();
    for (OpInfo<?> row : rows) {
      if (!names.add(row.name)) throw new IllegalStateException("two op database rows named " + row.name);
    }
    return Collections.unmodifiableList(rows);
  }

  public static List<OpInfo<?>> rows() {
    return ROWS;
  }

  /** (device, row) for every row on every device it runs on. */
  public static Stream<Arguments> rowsOnEveryDevice() {
    return TestDevice.all().flatMap(d -> ROWS.stream().filter(r -> r.runsOn(d)).map(r -> Arguments.of(d, r)));
  }

  /** (device, row) for the devices compared with the CPU. */
  public static Stream<Arguments> rowsOnAccelerators() {
    return TestDevice.accelerators().flatMap(d -> ROWS.stream().filter(r -> r.runsOn(d)).map(r -> Arguments.of(d, r)));
  }

  /** Every API member some row covers. */
  public static Set<String> covered() {
    Set<String> out = new HashSet<>();
    for (OpInfo<?> row : ROWS) out.addAll(row.covers());
    return out;
  }
}
