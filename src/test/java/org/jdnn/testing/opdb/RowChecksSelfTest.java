package org.jdnn.testing.opdb;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jdnn.tensor.Autograd;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** The generic checks catch what they exist to catch: rows with a planted defect each fail. */
class RowChecksSelfTest {

  /** exp on a few values; {@code call} and {@code reference} say what to plant. */
  static OpInfo<Void> expRow(String name, OpInfo.Call<Void> call, double factor) {
    return OpInfo.<Void>op(name)
        .call(call)
        .reference((s, in) -> Expected.of(Refs.map(in[0], x -> factor * Math.exp(x)), s.shape(0)))
        .samples(r -> List.of(Sample.of("[2, 3]", null, Input.of(Domain.range(-1, 1).draw(r, 6), 2, 3))));
  }

  @Test
  void aCorrectRowPassesEveryCheck() {
    OpInfo<Void> row = expRow("exp", (in, p) -> in[0].exp(), 1);
    RowChecks.forward(row);
    RowChecks.gradients(row);
    RowChecks.errors(row);
    try (Device.DefaultScope on = Device.useDefault(Device.cudaEmulated())) {
      RowChecks.parity(row);
    }
  }

  @Test
  void aWrongResultFailsTheForwardCheck() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> RowChecks.forward(expRow("exp", (in, p) -> in[0].exp(), 1 + 1e-4)));
    assertTrue(e.getMessage().contains("exp [[2, 3]] float32 on cpu"), e.getMessage());
  }

  @Test
  void aWrongBackwardFailsTheGradientCheck() {
    // exp's value with a backward that forgets the factor e^x
    OpInfo<Void> row = expRow("badExp", (in, p) -> Autograd.record("badExp", in[0].exp().detach(),
        g -> new Tensor[] {g}, in[0]), 1);
    RowChecks.forward(row);
    AssertionError e = assertThrows(AssertionError.class, () -> RowChecks.gradients(row));
    assertTrue(e.getMessage().contains("badExp"), e.getMessage());
  }

  @Test
  void aResultThatIsRecordedFailsANotRecordedRow() {
    assertThrows(AssertionError.class, () -> RowChecks.gradients(expRow("exp", (in, p) -> in[0].exp(), 1).notRecorded()));
  }

  @Test
  void anErrorInputTheOpAcceptsFailsTheErrorCheck() {
    OpInfo<Void> row = expRow("exp", (in, p) -> in[0].exp(), 1)
        .error("a valid call", null, List.of(Input.of(new double[] {1, 2}, 2)), IllegalArgumentException.class, "exp");
    assertThrows(AssertionError.class, () -> RowChecks.errors(row));
  }

  @Test
  void aMessageLackingAFragmentFailsTheErrorCheck() {
    OpInfo<Void> row = expRow("exp", (in, p) -> in[0].exp(), 1).messageName("not the op's name");
    AssertionError e = assertThrows(AssertionError.class, () -> RowChecks.errors(row));
    assertTrue(e.getMessage().contains("not the op's name"), e.getMessage());
  }

  @Test
  void aDeviceThatComputesSomethingElseFailsTheParityCheck() {
    OpInfo<Void> row = expRow("exp", (in, p) -> in[0].device() == Device.cpu() ? in[0].exp() : in[0].exp().mul(1.001), 1);
    try (TensorScope s = new TensorScope(); Device.DefaultScope on = Device.useDefault(Device.cudaEmulated())) {
      assertThrows(AssertionError.class, () -> RowChecks.parity(row));
    }
  }
}
