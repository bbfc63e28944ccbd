package org.jdnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Writes a file so that readers only ever see the old or the complete new version: the bytes go to
 * a temporary file "&lt;name&gt;.&lt;digits&gt;.tmp" in the same directory (same file system, so the
 * rename is atomic), are forced to disk, and the temporary file is renamed over the target. A crash
 * mid-write leaves at most such a temporary file, never a half-written target; the next write of
 * the same target removes it.
 *
 * <p>A temporary file counts as stale, and is removed, only when its name is exactly the target's
 * name, a dot, digits and ".tmp", it is a regular file last modified more than {@link #STALE_AFTER}
 * ago, and no writer holds it: each write keeps its temporary file locked (an OS file lock, released
 * when the writing process dies) until it is renamed. Files of other targets, other names, and
 * temporaries on file systems without locks are left alone.
 */
public final class AtomicFiles {
  /** Age beyond which an unlocked temporary file is stale (covers a writer between creating and locking it). */
  static final Duration STALE_AFTER = Duration.ofSeconds(10);
  /** Temporaries this JVM is writing: never opened by the cleanup, whose closing could drop their locks. */
  private static final Set<Path> WRITING = ConcurrentHashMap.newKeySet();

  private AtomicFiles() {}

  /** Writes a file's content into a channel (a lambda, for {@link #write}). */
  public interface Body {
    /**
     * Writes the whole content.
     *
     * @param out the temporary file's channel, positioned at 0; closed by {@link #write}, not here
     * @throws IOException when writing fails; the target is then left as it was
     */
    void write(FileChannel out) throws IOException;
  }

  /**
   * Writes through {@code body} into a temporary file and atomically replaces {@code target} with
   * it, creating the target's directory when missing.
   *
   * @param target the file to create or replace
   * @param body writes the content
   * @throws IOException when the directory, the temporary file or the rename fails, or
   *     {@code body} throws it; the temporary file is deleted and the target left as it was
   */
  public static void write(Path target, Body body) throws IOException {

    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) Files.createDirectories(dir);
    String name = abs.getFileName().toString();
    removeStaleTemporaries(dir, name);
    Path tmp = Files.createTempFile(dir, name + ".", ".tmp");
    WRITING.add(tmp);
    boolean done = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          FileLock lock = lockIfSupported(ch)) {
        body.write(ch);
        ch.force(true);
      }
      try {
        // temporary files are created owner-only; the result should read like any other file
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: keep the default
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      done = true;
    } finally {
      if (!done) Files.deleteIfExists(tmp);
      WRITING.remove(tmp);
    }
  }

  // The lock marks the temporary as in use for other processes' cleanup; without lock support the
  // write goes ahead unmarked (the cleanup cannot lock such files either, so it never removes them).
  private static FileLock lockIfSupported(FileChannel ch) {
    try {
      return ch.tryLock();
    } catch (IOException | OverlappingFileLockException e) {
      return null;
    }
  }

  /** Best effort: a temporary that cannot be checked or removed is left, and never fails the write. */
  private static void removeStaleTemporaries(Path dir, String name) {
    Pattern ours = Pattern.compile(Pattern.quote(name) + "\\.[0-9]+\\.tmp");
    Instant staleBefore = Instant.now().minus(STALE_AFTER);
    DirectoryStream.Filter<Path> temporaryOfTarget = p -> ours.matcher(p.getFileName().toString()).matches();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, temporaryOfTarget)) {
      for (Path p : entries) if (!WRITING.contains(p)) removeIfStale(p, staleBefore);
    } catch (IOException | RuntimeException e) {
      // cleanup is an extra: the write itself does not depend on it
    }
  }

  private static void removeIfStale(Path p, Instant staleBefore) {
    try {
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          || Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(staleBefore)) {
        return;
      }
      boolean unheld;
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
          FileLock lock = ch.tryLock()) {
        unheld = lock != null;
      }
      if (unheld) Files.deleteIfExists(p);
    } catch (IOException | OverlappingFileLockException e) {
      // held by a writer of this JVM, locks unsupported, or gone meanwhile: leave it
    }
  }
}
