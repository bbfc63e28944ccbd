package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scripts/jdnn-run, the launcher of distributed jobs, run as a user would, with {@link
 * LauncherProbe} as every rank's main class. Each test has a time limit (and bounded waits of its
 * own), and kills whatever it started if it fails, so that a launcher that hangs or leaks a JVM
 * fails the test instead of blocking the build.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LauncherTest {
  private static final Path SCRIPT = Path.of("scripts", "jdnn-run").toAbsolutePath();
  private static final String PROBE = LauncherProbe.class.getName();
  private static final Duration LONG = Duration.ofSeconds(60);

  @BeforeAll
  static void needsBash() {
    assumeTrue(onPath("bash"), "bash is not on the PATH: scripts/jdnn-run is a bash script");
    assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " must exist and be executable");
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
    }
    return false;
  }

  /** The test JVM's classpath, plus the directory of the probe in case a test runner hides it. */
  private static String probeClasspath() {
    try {
      Path probeRoot = Path.of(LauncherProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return System.getProperty("java.class.path") + File.pathSeparator + probeRoot;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Launcher options that keep each rank's JVM small and quick to start. */
  private static List<String> launcher(String... options) {
    List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "--classpath", probeClasspath(), "--jvm-arg",
        "-XX:TieredStopAtLevel=1", "--jvm-arg", "-XX:+UseSerialGC", "--jvm-arg", "-Xmx64m"));
    cmd.addAll(List.of(options));
    return cmd;
  }

  /** One launcher process with its output collected line by line as it comes. */
  private static final class Launch implements AutoCloseable {
    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;
    private long exitNanos;

    Launch(List<String> command, Map<String, String> env, Path dir) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> e = pb.environment();
      e.remove("JDNN_CLASSPATH");
      e.remove("JDNN_RUN_GRACE_S");
      e.remove("JDNN_RUN_POLL");
      e.put("JAVA_HOME", System.getProperty("java.home")); // the ranks run this test's JDK
      e.putAll(env);
      if (dir != null) pb.directory(dir.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      process = pb.start();
      outReader = reader(process.getInputStream(), out);
      errReader = reader(process.getErrorStream(), err);
    }

    private Thread reader(InputStream in, List<String> lines) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null;) {
            synchronized (this) {
              lines.add(line);
              notifyAll();
            }
          }
        } catch (IOException e) {
          // closed by close(): the test is over
        }
      }, "launcher-output");
      t.setDaemon(true);
      t.start();
      return t;
    }

    synchronized List<String> out() {
      return List.copyOf(out);
    }

    synchronized List<String> err() {
      return List.copyOf(err);
    }

    /** Waits until the stdout lines satisfy {@code condition}; fails after {@code timeout}. */
    synchronized void awaitOut(Predicate<List<String>> condition, Duration timeout, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!condition.test(out)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("no " + what + " within " + timeout + "; stdout " + out + ", stderr " + err);
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    /** Waits for the launcher to exit and for the end of its output; returns its exit status. */
    int finish(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the launcher did not exit within " + timeout + "; stdout " + out() + ", stderr " + err());
      }
      exitNanos = System.nanoTime();
      outReader.join(10_000);
      errReader.join(10_000);
      assertFalse(outReader.isAlive() || errReader.isAlive(), "the launcher's output did not end with it");
      return process.exitValue();
    }

    long exitNanos() {
      return exitNanos;
    }

    /** The pids the ranks printed. */
    Set<Long> rankPids() {
      Set<Long> pids = new HashSet<>();
      Pattern p = Pattern.compile("^\\[rank \\d+\\] PID=(\\d+)$");
      for (String line : out()) {
        Matcher m = p.matcher(line);
        if (m.matches()) pids.add(Long.parseLong(m.group(1)));
      }
      return pids;
    }

    /** Kills the launcher and every rank still alive (a failed test leaks nothing). */
    @Override
    public void close() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      for (long pid : rankPids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static Launch launch(List<String> command) throws IOException {
    return new Launch(command, Map.of(), null);
  }

  /** The value the rank printed for {@code key}, from lines "[rank R] KEY=value". */
  private static String value(List<String> out, int rank, String key) {
    String prefix = "[rank " + rank + "] " + key + "=";
    List<String> found = out.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    assertEquals(1, found.size(), "one line " + prefix + "... in " + out);
    return found.get(0);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void assertAllGone(Set<Long> pids, int expected) {
    assertEquals(expected, pids.size(), "pids printed by the ranks: " + pids);
    for (long pid : pids) assertFalse(alive(pid), "rank JVM " + pid + " still running after the launcher exited");
  }

  @Test
  void twoRanksGetTheTorchrunEnvironmentAndPrefixedOutput() throws Exception {
    try (Launch l = launch(launcher("--nproc-per-node", "2", "--jvm-arg", "-Djdnn.probe=hello world", PROBE, "a", "b c"))) {
      assertEquals(0, l.finish(LONG), () -> "stderr " + l.err());
      List<String> out = l.out();
      for (String line : out) assertTrue(line.startsWith("[rank 0] ") || line.startsWith("[rank 1] "), line);
      for (int r = 0; r < 2; r++) {
        assertEquals(String.valueOf(r), value(out, r, "RANK"));
        assertEquals("2", value(out, r, "WORLD_SIZE"));
        assertEquals(String.valueOf(r), value(out, r, "LOCAL_RANK"));
        assertEquals("2", value(out, r, "LOCAL_WORLD_SIZE"));
        assertEquals("127.0.0.1", value(out, r, "MASTER_ADDR"));
        assertEquals("hello world", value(out, r, "PROP"), "--jvm-arg reaches the JVM as one argument");
        assertEquals("null", value(out, r, "CACHEDIR"), "no javacpp cache option with an explicit classpath");
        assertTrue(out.contains("[rank " + r + "] ARG=a") && out.contains("[rank " + r + "] ARG=b c"), out.toString());
        assertTrue(out.contains("[rank " + r + "] DONE"), out.toString());
        assertTrue(l.err().contains("[rank " + r + "] STDERR line"), "stderr is prefixed and stays stderr: " + l.err());
      }
      String port = value(out, 0, "MASTER_PORT");
      assertEquals(port, value(out, 1, "MASTER_PORT"), "one rendezvous port for the job");
      int p = Integer.parseInt(port);
      assertTrue(p > 0 && p < 65536, port);
      assertFalse(String.join("\n", out).contains("STDERR"), "stderr lines stay off stdout");
    }
  }

  @Test
  void theNodeRankOffsetsTheGlobalRanks() throws Exception {
    try (Launch l = launch(launcher("--nnodes", "2", "--node-rank", "1", "--nproc-per-node", "2", "--master",
        "127.0.0.1:1234", PROBE))) {
      assertEquals(0, l.finish(LONG), () -> "stderr " + l.err());
      List<String> out = l.out();
      for (int local = 0; local < 2; local++) {
        int r = 2 + local;
        assertEquals(String.valueOf(r), value(out, r, "RANK"));
        assertEquals("4", value(out, r, "WORLD_SIZE"));
        assertEquals(String.valueOf(local), value(out, r, "LOCAL_RANK"));
        assertEquals("2", value(out, r, "LOCAL_WORLD_SIZE"));
        assertEquals("127.0.0.1", value(out, r, "MASTER_ADDR"));
        assertEquals("1234", value(out, r, "MASTER_PORT"));
      }
      assertTrue(out.stream().noneMatch(s -> s.startsWith("[rank 0]") || s.startsWith("[rank 1]")), out.toString());
    }
  }

  /**
   * Rank 1 exits 3 once rank 0 (which would sleep 5 minutes) is up; the grace period is long, so
   * exiting within 15 s shows that the launcher's SIGTERM stopped rank 0. Both ways of waiting are
   * checked: bash 5.1's {@code wait -n -p} and the polling of older versions.
   */
  @ParameterizedTest(name = "poll={0}")
  @ValueSource(strings = {"", "1"})
  void aFailingRankStopsTheOthersAndItsStatusIsTheLaunchersStatus(String poll, @TempDir Path ready) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("JDNN_RUN_GRACE_S", "30"));
    if (!poll.isEmpty()) env.put("JDNN_RUN_POLL", poll);
    try (Launch l = new Launch(launcher("--nproc-per-node", "2", PROBE, "--ready-dir", ready.toString(), "--fail-rank", "1",
        "--status", "3", "--sleep", "300"), env, null)) {
      l.awaitOut(o -> o.contains("[rank 1] EXITING 3"), LONG, "exit of rank 1");
      long failed = System.nanoTime();
      assertEquals(3, l.finish(LONG), () -> "stderr " + l.err());
      double seconds = (l.exitNanos() - failed) / 1e9;
      assertTrue(seconds < 15, "the launcher took " + seconds + " s to stop after rank 1 failed");
      assertTrue(l.err().contains("jdnn-run: rank 1 exited with status 3; stopping the other ranks"), l.err().toString());
      assertTrue(l.out().contains("[rank 0] SHUTDOWN"), "rank 0 ran its shutdown hooks (SIGTERM): " + l.out());
      assertFalse(l.out().contains("[rank 0] DONE"), l.out().toString());
      assertAllGone(l.rankPids(), 2);
    }
  }

  @Test
  void aRankIgnoringSigtermIsKilledAfterTheGracePeriod(@TempDir Path ready) throws Exception {
    try (Launch l = new Launch(launcher("--nproc-per-node", "2", PROBE, "--ready-dir", ready.toString(), "--fail-rank", "0",
        "--status", "5", "--sleep", "300", "--ignore-term"), Map.of("JDNN_RUN_GRACE_S", "1"), null)) {
      l.awaitOut(o -> o.contains("[rank 0] EXITING 5"), LONG, "exit of rank 0");
      long failed = System.nanoTime();
      assertEquals(5, l.finish(LONG), () -> "stderr " + l.err());
      double seconds = (l.exitNanos() - failed) / 1e9;
      assertTrue(seconds < 15, "the launcher took " + seconds + " s to stop after rank 0 failed");
      List<String> err = l.err();
      assertTrue(err.contains("jdnn-run: rank 0 exited with status 5; stopping the other ranks"), err.toString());
      assertTrue(err.contains("jdnn-run: rank(s) 1 still running after 1s; sending SIGKILL"), err.toString());
      assertTrue(l.out().contains("[rank 1] IGNORED SIGTERM"), l.out().toString());
      assertAllGone(l.rankPids(), 2);
    }
  }

  /** SIGTERM or SIGINT to the launcher reaches every rank, whose shutdown hooks run. */
  @ParameterizedTest(name = "SIG{0}")
  @ValueSource(strings = {"TERM", "INT"})
  void aSignalToTheLauncherIsForwardedToEveryRank(String signal, @TempDir Path ready) throws Exception {
    List<String> cmd = launcher("--nproc-per-node", "2", PROBE, "--ready-dir", ready.toString(), "--sleep", "300");
    if (signal.equals("INT")) {
      // The launcher may inherit SIGINT ignored from the test runner, and bash cannot trap a signal
      // ignored on entry; GNU env restores the default, as an interactive shell would have it.
      assumeTrue(runs("env", "--default-signal=INT", "true"), "env has no --default-signal (GNU coreutils 8.31+)");
      cmd.addAll(0, List.of("env", "--default-signal=INT"));
    }
    try (Launch l = launch(cmd)) {
      // the READY lines must arrive while the ranks still run: output is streamed, not buffered
      l.awaitOut(o -> o.contains("[rank 0] READY") && o.contains("[rank 1] READY"), LONG, "READY from both ranks");
      // (not Process.destroy(), which closes the streams whose last lines the test reads)
      assertTrue(runs("bash", "-c", "kill -" + signal + " \"$1\"", "kill", String.valueOf(l.process.pid())));
      int expected = signal.equals("TERM") ? 143 : 130;
      assertEquals(expected, l.finish(LONG), () -> "stderr " + l.err());
      assertTrue(l.err().contains("jdnn-run: got SIG" + signal + "; forwarding it to the ranks"), l.err().toString());
      for (int r = 0; r < 2; r++) assertTrue(l.out().contains("[rank " + r + "] SHUTDOWN"), l.out().toString());
      assertAllGone(l.rankPids(), 2);
    }
  }

  private static boolean runs(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return false;
    }
    return p.exitValue() == 0;
  }

  @Test
  void aSimpleNameIsAnExampleClass() throws Exception {
    try (Launch l = launch(launcher("NoSuchExample"))) {
      assertEquals(1, l.finish(LONG));
      List<String> err = l.err();
      assertTrue(err.contains("[rank 0] Error: Could not find or load main class org.jdnn.examples.NoSuchExample"),
          err.toString());
      assertTrue(err.contains("jdnn-run: rank 0 exited with status 1"), err.toString());
    }
  }

  static Stream<Arguments> badOptions() {
    return Stream.of(
        Arguments.of(List.of("--nproc-per-node", "two", PROBE), "--nproc-per-node must be a positive integer, got 'two'"),
        Arguments.of(List.of("--nproc-per-node", "0", PROBE), "--nproc-per-node must be a positive integer, got '0'"),
        Arguments.of(List.of("--nnodes", "x", "--master", "h:1", PROBE), "--nnodes must be a positive integer, got 'x'"),
        Arguments.of(List.of("--nnodes", "2", "--node-rank", "2", "--master", "h:1", PROBE),
            "--node-rank must be in [0, 2) with --nnodes 2, got 2"),
        Arguments.of(List.of("--node-rank", "-1", PROBE), "--node-rank must be an integer >= 0, got '-1'"),
        Arguments.of(List.of("--nnodes", "2", "--node-rank", "0", PROBE),
            "a multi-node job (--nnodes 2) needs --master HOST:PORT, the same on every node"),
        Arguments.of(List.of("--master", "localhost", PROBE), "--master must be HOST:PORT, got 'localhost'"),
        Arguments.of(List.of("--master", "h:70000", PROBE), "--master must be HOST:PORT with a port in 1..65535, got 'h:70000'"),
        Arguments.of(List.of("--nproc-per-node", "2"), "missing MAIN_CLASS"),
        Arguments.of(List.of("--nproc-per-node"), "option --nproc-per-node needs a value"),
        Arguments.of(List.of("--frobnicate", PROBE), "unknown option '--frobnicate'"));
  }

  @ParameterizedTest
  @MethodSource("badOptions")
  void badOptionsExitWithStatusTwoAndSayWhy(List<String> args, String message) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
    cmd.addAll(args);
    try (Launch l = launch(cmd)) {
      assertEquals(2, l.finish(LONG));
      assertTrue(String.join("\n", l.err()).contains("jdnn-run: " + message), "expected '" + message + "' in " + l.err());
      assertEquals(List.of(), l.out());
    }
  }

  @Test
  void aBadGracePeriodIsAUsageError() throws Exception {
    try (Launch l = new Launch(List.of(SCRIPT.toString(), PROBE), Map.of("JDNN_RUN_GRACE_S", "soon"), null)) {
      assertEquals(2, l.finish(LONG));
      assertTrue(String.join("\n", l.err()).contains("JDNN_RUN_GRACE_S must be a number of seconds >= 0"), l.err().toString());
    }
  }

  @Test
  void helpDescribesTheOptions() throws Exception {
    try (Launch l = launch(List.of(SCRIPT.toString(), "--help"))) {
      assertEquals(0, l.finish(LONG));
      String help = String.join("\n", l.out());
      for (String s : new String[] {"--nproc-per-node", "--nnodes", "--node-rank", "--master", "--classpath", "--jvm-arg",
          "Multi-node jobs (M > 1) must give it", "JDNN_RUN_GRACE_S", "RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT"}) {
        assertTrue(help.contains(s), "--help mentions " + s);
      }
    }
  }

  /**
   * Without --classpath or JDNN_CLASSPATH the launcher uses the checkout's own build, building it
   * when missing as scripts/run-example.sh does: here in a copy of the script laid out like a
   * checkout, with a stand-in mvn that records its calls and writes what Maven would.
   */
  @Test
  void withoutAClasspathTheCheckoutsBuildIsUsedAndMadeWhenMissing(@TempDir Path tmp) throws Exception {
    Path checkout = tmp.resolve("checkout");
    Files.createDirectories(checkout.resolve("scripts"));
    Path script = Files.copy(SCRIPT, checkout.resolve("scripts/jdnn-run"));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(checkout.resolve("pom.xml"), "<project/>\n");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path mvnLog = tmp.resolve("mvn.log");
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, String.join("\n", "#!/usr/bin/env bash",
        "echo \"$PWD: $*\" >> \"$FAKE_MVN_LOG\"",
        "for a in \"$@\"; do",
        "  case $a in",
        "    -Dmdep.outputFile=*) printf '%s\\n' \"$FAKE_MVN_CLASSPATH\" > \"${a#*=}\" ;;",
        "    package) mkdir -p target/classes/org/jdnn/bridge/linux-x86_64"
            + " && touch target/classes/org/jdnn/bridge/linux-x86_64/libjniJdnnNative.so ;;",
        "  esac",
        "done", ""));
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"), "FAKE_MVN_LOG",
        mvnLog.toString(), "FAKE_MVN_CLASSPATH", probeClasspath());
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Path root = checkout.toRealPath();

    for (int run = 0; run < 2; run++) {
      try (Launch l = new Launch(List.of(script.toString(), PROBE), env, elsewhere)) {
        assertEquals(0, l.finish(LONG), () -> "stderr " + l.err());
        assertEquals(root.resolve("target/javacpp-cache").toString(), value(l.out(), 0, "CACHEDIR"));
        assertEquals("1", value(l.out(), 0, "WORLD_SIZE"));
      }
      List<String> calls = Files.readAllLines(mvnLog);
      assertEquals(List.of(root + ": -B -q -DskipTests package",
          root + ": -B -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt"), calls,
          "Maven runs in the checkout, on the first launch only");
    }

    // JDNN_CLASSPATH comes before the checkout's build: no javacpp cache option then
    Map<String, String> withClasspath = new HashMap<>(env);
    withClasspath.put("JDNN_CLASSPATH", probeClasspath());
    try (Launch l = new Launch(List.of(script.toString(), PROBE), withClasspath, elsewhere)) {
      assertEquals(0, l.finish(LONG), () -> "stderr " + l.err());
      assertEquals("null", value(l.out(), 0, "CACHEDIR"));
    }
  }
}
