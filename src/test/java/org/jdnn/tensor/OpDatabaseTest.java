package org.jdnn.tensor;

import org.jdnn.testing.TestDevice;
import org.jdnn.testing.opdb.RowChecks;
import org.jdnn.testing.opdb.OpInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generic op tests: every row of the op database (org.jdnn.testing.opdb) on every device, one
 * test per (device, row). The GPU's runs are skipped, with the reason, where none is usable.
 */
class OpDatabaseTest {

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.opdb.OpDatabase#rowsOnEveryDevice")
  void forwardMatchesTheFloat64Reference(TestDevice device, OpInfo<?> row) {
    try (Device.DefaultScope on = device.use()) {
      RowChecks.forward(row);
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.opdb.OpDatabase#rowsOnEveryDevice")
  void gradientsMatchCentralDifferences(TestDevice device, OpInfo<?> row) {
    try (Device.DefaultScope on = device.use()) {
      RowChecks.gradients(row);
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.opdb.OpDatabase#rowsOnAccelerators")
  void deviceAgreesWithTheCpu(TestDevice device, OpInfo<?> row) {
    try (Device.DefaultScope on = device.use()) {
      RowChecks.parity(row);
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("org.jdnn.testing.opdb.OpDatabase#rowsOnEveryDevice")
  void badCallsAreRefusedNamingTheProblem(TestDevice device, OpInfo<?> row) {
    try (Device.DefaultScope on = device.use()) {
      RowChecks.errors(row);
    }
  }
}
