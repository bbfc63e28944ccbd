package org.jdnn.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jdnn.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * {@code -Djdnn.require.gpu=true} turns every "no usable GPU" skip into a failure. Each way a test reaches the GPU
 * (a class on "cuda", a {@link TestDevice} parameter, {@link EveryDevice}, a loop over
 * {@link TestDevice#usableAccelerators()}) and the real RealGpuTest are run in-process through the JUnit launcher,
 * once without the property and once with it. Without a GPU: skipped with the reason, then failed naming the
 * missing GPU, while their cpu and cuda-emu cases pass both times. With a usable GPU: every case passes both times.
 */
class RequireGpuTest {
  private static final String PROPERTY = "jdnn.require.gpu";
  private static final Class<?>[] FIXTURES = {
      OnCuda.class, DeviceParameter.class, OnEveryDevice.class, LoopOverAccelerators.class};

  /** One finished or skipped test or container: its display names from the class down, and how it ended. */
  record Outcome(String path, String status, String message) {
    boolean gpuCase() {
      return path.contains("OnCuda") || path.contains("RealGpuTest") || path.contains("LoopOverAccelerators")
          || path.replace("cuda-emu", "").contains("cuda");
    }
  }

  @Test
  void withoutThePropertyGpuCasesAreSkippedWithTheReason() {
    List<Outcome> run = run(false);
    if (gpuUsable()) {
      assertEveryCasePassed(run);
      return;
    }
    assertTrue(run.stream().noneMatch(o -> o.status.equals("FAILED")), "nothing fails without the property: " + run);
    for (String gpuCase : List.of("OnCuda", "DeviceParameter/resolvesTheDevice/[2] cuda", "OnEveryDevice/[cuda]/runsOnItsDevice",
        "RealGpuTest")) {
      Outcome o = find(run, gpuCase);
      assertTrue(o.status.equals("SKIPPED") || o.status.equals("ABORTED"), o.toString());
      assertTrue(o.message.startsWith("no usable GPU: "), "the skip says why: " + o);
    }
    // a test looping over the devices itself still checks the emulation
    assertEquals("SUCCESSFUL", find(run, "LoopOverAccelerators/emulationAlwaysAndGpuWhereUsable").status);
    assertNonGpuCasesPassed(run);
  }

  @Test
  void withThePropertyEveryGpuCaseFailsNamingTheMissingGpu() {
    List<Outcome> run = run(true);
    if (gpuUsable()) {
      assertEveryCasePassed(run);
      return;
    }
    assertTrue(run.stream().noneMatch(o -> o.status.equals("SKIPPED") || o.status.equals("ABORTED")),
        "nothing is skipped under -D" + PROPERTY + "=true: " + run);
    List<Outcome> failed = run.stream().filter(o -> o.status.equals("FAILED")).collect(Collectors.toList());
    for (String gpuCase : List.of("OnCuda/runsOnTheGpu", "DeviceParameter/resolvesTheDevice/[2] cuda", "OnEveryDevice/[cuda]/runsOnItsDevice",
        "LoopOverAccelerators/emulationAlwaysAndGpuWhereUsable", "RealGpuTest/describeNamesTheGpuAndBestPicksIt")) {
      Outcome o = find(failed, gpuCase);
      assertTrue(o.message.contains("no usable GPU: ") && o.message.contains(PROPERTY + "=true"),
          "the failure names the missing GPU and the property: " + o);
    }
    assertTrue(failed.stream().allMatch(Outcome::gpuCase), "only GPU cases fail: " + failed);
    assertNonGpuCasesPassed(run);
  }

  private static boolean gpuUsable() {
    return TestDevice.CUDA.unavailableReason() == null;
  }

  private static Outcome find(List<Outcome> run, String path) {
    return run.stream().filter(o -> o.path.endsWith(path)).findFirst()
        .orElseThrow(() -> new AssertionError(path + " did not run: " + run));
  }

  private static void assertEveryCasePassed(List<Outcome> run) {
    assertTrue(run.stream().allMatch(o -> o.status.equals("SUCCESSFUL")), "a GPU is usable, so all pass: " + run);
    assertTrue(run.stream().anyMatch(o -> o.path.endsWith("DeviceParameter/resolvesTheDevice/[2] cuda")), run.toString());
  }

  private static void assertNonGpuCasesPassed(List<Outcome> run) {
    for (String path : List.of("DeviceParameter/resolvesTheDevice/[1] cuda-emu", "OnEveryDevice/[cpu]/runsOnItsDevice",
        "OnEveryDevice/[cuda-emu]/runsOnItsDevice")) {
      assertEquals("SUCCESSFUL", find(run, path).status, path + " in " + run);
    }
  }

  /** The fixtures and RealGpuTest run in-process, with the property set as asked (restored afterwards). */
  private static List<Outcome> run(boolean required) {
    List<Outcome> outcomes = new ArrayList<>();
    String before = System.getProperty(PROPERTY);
    System.setProperty(PROPERTY, Boolean.toString(required));
    try {
      LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
      for (Class<?> c : FIXTURES) request.selectors(selectClass(c));
      request.selectors(selectClass("org.jdnn.device.RealGpuTest"));
      LauncherDiscoveryRequest built = request.build();
      Launcher launcher = LauncherFactory.create();
      launcher.execute(built, new Recorder(outcomes));
    } finally {
      if (before == null) System.clearProperty(PROPERTY);
      else System.setProperty(PROPERTY, before);
    }
    assertFalse(outcomes.isEmpty(), "the launcher ran nothing");
    return outcomes;
  }

  /** Collects each test's and each class or invocation container's outcome; the engine's own root is left out. */
  private static final class Recorder implements TestExecutionListener {
    private final List<Outcome> outcomes;
    private TestPlan plan;

    Recorder(List<Outcome> outcomes) {
      this.outcomes = outcomes;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
      plan = testPlan;
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      if (id.getParentId().isPresent()) outcomes.add(new Outcome(path(id), "SKIPPED", reason));
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      if (id.getParentId().isEmpty()) return;
      String message = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
      outcomes.add(new Outcome(path(id), result.getStatus().name(), message));
    }

    private String path(TestIdentifier id) {
      List<String> names = new ArrayList<>();
      for (TestIdentifier at = id; at != null && at.getParentId().isPresent();
          at = plan.getParent(at).orElse(null)) {
        names.add(0, at.getDisplayName().replaceAll("\\(.*\\)$", ""));  // a method's name without its parameters
      }
      return String.join("/", names);
    }
  }

  // ---- fixtures: run only through the launcher above (nested classes are not picked up by the build's run) ----

  @OnDevice("cuda")
  static class OnCuda {
    @Test
    void runsOnTheGpu() {
      assertSame(Device.cuda(), Device.defaultDevice());
    }
  }

  static class DeviceParameter {
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("org.jdnn.testing.TestDevice#accelerators")
    void resolvesTheDevice(TestDevice device) {
      assertEquals(device.label, device.device().toString());
    }
  }

  @EveryDevice
  static class OnEveryDevice {
    @Test
    void runsOnItsDevice(TestDevice device) {
      assertEquals(device.label, Device.defaultDevice().toString());
    }
  }

  static class LoopOverAccelerators {
    @Test
    void emulationAlwaysAndGpuWhereUsable() {
      List<Device> ds = TestDevice.usableAccelerators();
      assertSame(Device.cudaEmulated(), ds.get(0));
      assertEquals(gpuUsable() ? 2 : 1, ds.size(), ds.toString());
    }
  }
}
