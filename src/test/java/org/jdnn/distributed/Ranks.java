package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's ranks as separate JVMs on this machine, as scripts/jdnn-run does (RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR=127.0.0.1, a free MASTER_PORT), and collects each rank's exit status and
 * output. A rank still running at the deadline is killed and reported: no test can hang CI.
 */
final class Ranks {
  /** One rank's end: its exit status (-1 when killed at the deadline) and everything it printed. */
  record Result(int rank, int status, String output) {
    @Override
    public String toString() {
      return "rank " + rank + " exited " + status + ":\n" + output;
    }
  }

  private Ranks() {}

  /** Whether this build can run Gloo groups (libjdnn_gloo in the jar). */
  static boolean glooBuilt() {
    return org.jdnn.tensor.Communicator.glooBuilt();
  }

  static List<Result> run(int world, long timeoutSeconds, Class<?> main, String... args) {
    return run(world, timeoutSeconds, Map.of(), main, args);
  }

  static List<Result> run(int world, long timeoutSeconds, Map<String, String> extraEnv, Class<?> main, String... args) {
    int port = freePort();
    List<Process> processes = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    try {
      for (int r = 0; r < world; r++) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir",
                Path.of("target", "javacpp-cache").toAbsolutePath().toString()),
            "-Xss4m", "-cp", classPath(), main.getName()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("jdnn-rank" + r + "-", ".log");
        logs.add(log);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("RANK", Integer.toString(r));
        env.put("WORLD_SIZE", Integer.toString(world));
        env.put("LOCAL_RANK", Integer.toString(r));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(world));
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", Integer.toString(port));
        env.put("JDNN_NUM_THREADS", "1");  // the ranks share this machine's cores
        env.putAll(extraEnv);
        processes.add(pb.start());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      List<Result> results = new ArrayList<>();
      for (int r = 0; r < world; r++) {
        Process p = processes.get(r);
        long left = Math.max(0, deadline - System.nanoTime());
        int status = p.waitFor(left, TimeUnit.NANOSECONDS) ? p.exitValue() : -1;
        if (status == -1) p.destroyForcibly().waitFor();
        results.add(new Result(r, status, Files.readString(logs.get(r), StandardCharsets.UTF_8)));
      }
      return results;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      for (Process p : processes) p.destroyForcibly();
      for (Path log : logs) log.toFile().delete();
    }
  }

  // The ranks' classpath: this JVM's, unless jdnn.ranks.classpath names it (a launcher such as JUnit's
  // console, in the GPU kit, loads the tests through a class loader of its own).
  private static String classPath() {
    String given = System.getProperty("jdnn.ranks.classpath");
    return given != null && !given.isBlank() ? given : System.getProperty("java.class.path");
  }

  /** Fails with every rank's output unless all exited 0. */
  static void requireAllSucceeded(List<Result> results) {
    for (Result r : results) {
      if (r.status() != 0) fail("a rank failed; all ranks' output follows\n" + all(results));
    }
  }

  static String all(List<Result> results) {
    StringBuilder s = new StringBuilder();
    for (Result r : results) s.append(r).append('\n');
    return s.toString();
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
