package org.jdnn.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The devices every device-dependent test runs on: the CPU, the CUDA backend on its CPU emulation
 * (always built, so failing to load it fails the test) and the real GPU, which is skipped with
 * {@link Device#cuda()}'s explanation where none is usable. {@code -Djdnn.require.gpu=true} turns
 * that skip into a failure, for runs on a GPU machine that must not silently test nothing.
 *
 * <p>Two ways to use them: a JUnit parameter ({@code @MethodSource} over {@link #all()}, then
 * {@link #use()} in the test), as the op-database tests do, or {@link EveryDevice} on a class,
 * which runs every test of the class once per device.
 */
public enum TestDevice {
  CPU("cpu"), CUDA_EMU("cuda-emu"), CUDA("cuda");

  /** Appended to a missing GPU's reason when it fails a test: what made it a failure and how to get the skip back. */
  static final String REQUIRED = " (-Djdnn.require.gpu=true makes this a failure: run on a machine with a usable"
      + " NVIDIA GPU, or drop the property to skip GPU tests)";

  /** The name {@link Device#byName} takes, shown in test names. */
  public final String label;

  TestDevice(String label) {
    this.label = label;
  }

  /** Every test device, the GPU included (its tests skip themselves where none is usable). */
  public static Stream<TestDevice> all() {
    return Stream.of(values());
  }

  /**
   * The devices compared with the CPU by parity tests, as test parameters: the GPU case calls {@link #device()},
   * which skips it (or fails it under {@code -Djdnn.require.gpu=true}) where no GPU is usable.
   */
  public static Stream<TestDevice> accelerators() {
    return Stream.of(CUDA_EMU, CUDA);
  }

  /**
   * The CUDA devices a test that loops over devices itself compares with the CPU: the emulation, and the GPU where
   * one is usable. A missing GPU leaves it out, or fails the calling test under {@code -Djdnn.require.gpu=true}.
   */
  public static List<Device> usableAccelerators() {
    List<Device> out = new ArrayList<>();
    out.add(Device.cudaEmulated());
    String reason = CUDA.unavailableReason();
    if (reason == null) out.add(Device.cuda());
    else if (gpuRequired()) Assertions.fail(reason + REQUIRED);
    return out;
  }

  /** Why this device cannot run tests here, or null when it can. Only the real GPU can be missing. */
  public String unavailableReason() {
    if (this != CUDA) return null;
    try {
      Device.cuda();
      return null;
    } catch (DeviceUnavailableException e) {
      return "no usable GPU: " + e.getMessage();
    }
  }

  /** Whether a missing GPU must fail the tests instead of skipping them. */
  public static boolean gpuRequired() {
    return Boolean.getBoolean("jdnn.require.gpu");
  }

  /**
   * The device, after making sure it is usable: a missing GPU aborts the calling test (reported as
   * skipped, with the reason), or fails it under {@code -Djdnn.require.gpu=true}.
   */
  public Device device() {
    String reason = unavailableReason();
    if (reason != null) {
      if (gpuRequired()) Assertions.fail(reason + REQUIRED);
      Assumptions.abort(reason);
    }
    return Device.byName(label);
  }

  /** Makes this device the thread's default (device-less factories then create tensors on it) until closed. */
  public Device.DefaultScope use() {
    return Device.useDefault(device());
  }

  /** A device other than {@code d}, for "tensors on different devices" checks: the emulation, or the CPU. */
  public static Device other(Device d) {
    return d == Device.cpu() ? Device.cudaEmulated() : Device.cpu();
  }

  @Override
  public String toString() {
    return label;
  }
}
