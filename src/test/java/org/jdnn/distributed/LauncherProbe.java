package org.jdnn.distributed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A rank for {@link LauncherTest}: prints the launcher's environment and its own pid, then does
 * what its arguments say.
 *
 * <ul>
 *   <li>{@code --ready-dir DIR}: once its lines are printed, a rank creates {@code DIR/ready-RANK}
 *       and prints {@code READY}.
 *   <li>{@code --fail-rank R --status S}: rank R waits (up to 60 s) until every other rank of the
 *       job is ready, then exits with status S.
 *   <li>{@code --sleep SECONDS}: the other ranks sleep that long, then exit 0.
 *   <li>{@code --ignore-term}: SIGTERM does nothing (only SIGKILL stops the rank).
 * </ul>
 *
 * A shutdown hook prints {@code SHUTDOWN}, so a test sees whether a rank ended by a signal it
 * handled. System properties {@code jdnn.probe} and {@code org.bytedeco.javacpp.cachedir} are
 * printed as {@code PROP=...} and {@code CACHEDIR=...}, other arguments as {@code ARG=...}.
 */
public final class LauncherProbe {
  private LauncherProbe() {}

  public static void main(String[] args) throws Exception {
    Path readyDir = null;
    int failRank = -1;
    int status = 0;
    double sleepSeconds = 0;
    boolean ignoreTerm = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ready-dir" -> readyDir = Path.of(args[++i]);
        case "--fail-rank" -> failRank = Integer.parseInt(args[++i]);
        case "--status" -> status = Integer.parseInt(args[++i]);
        case "--sleep" -> sleepSeconds = Double.parseDouble(args[++i]);
        case "--ignore-term" -> ignoreTerm = true;
        default -> System.out.println("ARG=" + args[i]);
      }
    }
    if (ignoreTerm) sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> System.out.println("IGNORED SIGTERM"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("SHUTDOWN")));
    for (String v : new String[] {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) {
      System.out.println(v + "=" + System.getenv(v));
    }
    System.out.println("PID=" + ProcessHandle.current().pid());
    System.out.println("PROP=" + System.getProperty("jdnn.probe"));
    System.out.println("CACHEDIR=" + System.getProperty("org.bytedeco.javacpp.cachedir"));
    System.err.println("STDERR line");
    int rank = Integer.parseInt(System.getenv("RANK"));
    int world = Integer.parseInt(System.getenv("WORLD_SIZE"));
    if (rank == failRank) {
      if (readyDir != null) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int r = 0; r < world; r++) {
          if (r == rank) continue;
          while (!Files.exists(readyDir.resolve("ready-" + r)) && System.nanoTime() < deadline) Thread.sleep(20);
        }
      }
      System.out.println("EXITING " + status);
      System.exit(status);
    }
    if (readyDir != null) {
      Files.createFile(readyDir.resolve("ready-" + rank));
      System.out.println("READY");
    }
    Thread.sleep((long) (sleepSeconds * 1000));
    System.out.println("DONE");
  }
}
