package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.testing.TestDevice;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A tensor closed by one thread while another computes with it: every op either completes with the
 * right numbers or throws because the tensor is closed; the memory is never freed (and reused by a
 * new tensor) under a running op. The closing thread immediately allocates tensors of the same size
 * filled with a sentinel, so a block freed too early would be overwritten before the op reads it.
 */
class CloseRaceTest {
  static final int ROUNDS = 1200;

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> cases = Stream.builder();
    for (Device dev : devices()) {
      cases.add(Arguments.of(dev, "matmul", dev == Device.cudaEmulated() ? 48 : 192,
          (BinaryOperator<Tensor>) Tensor::matmul));
      cases.add(Arguments.of(dev, "add", 256, (BinaryOperator<Tensor>) Tensor::add));
    }
    return cases.build();
  }

  // Close delays step through about twice the op's running time over 50 rounds.
  static long delayStepNanos(Device dev, String op) {
    return dev == Device.cpu() ? (op.equals("matmul") ? 2_000 : 500) : 20_000;
  }

  static Tensor on(Device dev, float[] values, int n) {
    return Tensor.empty(DType.FLOAT32, dev, n, n).write(values);
  }

  // The GPU where usable; a missing one fails the cases' source under -Djdnn.require.gpu=true.
  static List<Device> devices() {
    List<Device> ds = new ArrayList<>(List.of(Device.cpu()));
    ds.addAll(TestDevice.usableAccelerators());
    return ds;
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("cases")
  void closeDuringAnOpNeverGivesWrongNumbers(Device dev, String op, int n, BinaryOperator<Tensor> f)
      throws Exception {
    int rounds = dev == Device.cudaEmulated() ? ROUNDS / 4 : ROUNDS;  // the emulation is slow
    float[] a = new float[n * n], b = new float[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (i % 7) * 0.25f;
      b[i] = (i % 5) * 0.5f - 1;
    }
    float[] junk = new float[n * n];
    java.util.Arrays.fill(junk, -1e30f);
    float[] expected;
    try (Tensor x = on(dev, a, n); Tensor w = on(dev, b, n); Tensor y = f.apply(x, w);
        Tensor host = y.to(Device.cpu())) {
      expected = host.toFloatArray();
    }
    long handlesBefore = handlesOwned();
    int completed = 0, refused = 0;
    // The closer spins on `round` rather than parking, so that close() lands within microseconds of
    // the op's start, at a delay that sweeps the op's running time from round to round.
    AtomicInteger round = new AtomicInteger(-1);
    AtomicReference<Tensor[]> victims = new AtomicReference<>();
    AtomicReference<Throwable> closerFailure = new AtomicReference<>();
    Thread closer = new Thread(() -> {
      try {
        for (int r = 0; r < rounds; r++) {
          while (round.get() != r) Thread.onSpinWait();
          long until = System.nanoTime() + (r % 50) * delayStepNanos(dev, op);
          while (System.nanoTime() < until) Thread.onSpinWait();
          for (Tensor t : victims.get()) t.close();
          try (Tensor junk1 = on(dev, junk, n); Tensor junk2 = on(dev, junk, n)) {
            round.set(-2 - r);  // done with round r
          }
        }
      } catch (Throwable e) {
        closerFailure.set(e);
        round.set(Integer.MIN_VALUE);
      }
    }, "closer");
    closer.start();
    for (int r = 0; r < rounds; r++) {
      Tensor x = on(dev, a, n);
      Tensor w = on(dev, b, n);
      victims.set(new Tensor[] {x, w});
      float[] got = null;
      round.set(r);
      try (TensorScope scope = new TensorScope()) {
        got = f.apply(x, w).to(Device.cpu()).toFloatArray();
      } catch (RuntimeException e) {
        // IllegalStateException from the Java check, or the native pin's "tensor is closed".
        assertTrue(String.valueOf(e.getMessage()).contains("closed"), "unexpected failure: " + e);
        refused++;
      }
      while (round.get() != -2 - r && round.get() != Integer.MIN_VALUE) Thread.onSpinWait();
      if (closerFailure.get() != null) throw new AssertionError("closing thread failed", closerFailure.get());
      if (got != null) {
        completed++;
        for (int i = 0; i < got.length; i++) {
          if (got[i] != expected[i]) {
            throw new AssertionError(op + " on " + dev + ", round " + r + ": element " + i + " is " + got[i]
                + ", expected " + expected[i] + " (memory freed under a running op)");
          }
        }
      }
    }
    closer.join(10_000);
    assertEquals(rounds, completed + refused);
    System.out.println("CloseRaceTest " + op + " on " + dev + ": " + completed + " completed, " + refused
        + " refused as closed");
    // Tensors other tests leaked may be freed by the garbage collector meanwhile; handlesOwned()
    // discounts them. One freed but not yet counted reads as -1 for a moment: wait it out.
    long left = handlesOwned() - handlesBefore;
    for (int i = 0; i < 100 && left < 0; i++) {
      Thread.sleep(10);
      left = handlesOwned() - handlesBefore;
    }
    assertEquals(0, left, "tensors left alive after the races");
  }

  /** Live native handles plus those the garbage collector has freed: constant unless tensors are created or closed. */
  private static long handlesOwned() {
    while (true) {
      long leaks = TensorDebug.leaksDetected();
      long live = JdnnNative.tensor_live_handles();
      if (leaks == TensorDebug.leaksDetected()) return live + leaks;
    }
  }
}
