package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void aWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporary() throws IOException {
    Path target = dir.resolve("model.safetensors");
    Files.writeString(target, "old complete file");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
      ch.write(ByteBuffer.wrap(new byte[1000]));
      throw new IOException("disk full (simulated)");
    }));
    assertEquals("disk full (simulated)", e.getMessage());
    assertEquals("old complete file", Files.readString(target));
    try (var files = Files.list(dir)) {
      assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    }
    AtomicFiles.write(target, ch -> ch.write(ByteBuffer.wrap("new".getBytes())));
    assertEquals("new", Files.readString(target));
  }

  private List<String> names() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static Path aged(Path p) throws IOException {
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
    return p;
  }

  @Test
  void theNextWriteRemovesStaleTemporariesOfItsTargetAndNothingElse() throws IOException {
    Path target = dir.resolve("last.ckpt.safetensors");
    for (String stale : new String[] {"last.ckpt.safetensors.123456.tmp", "last.ckpt.safetensors.9876543210987654321.tmp"}) {
      aged(Files.writeString(dir.resolve(stale), "half a checkpoint"));
    }
    List<String> kept = List.of("best.safetensors.123.tmp", "last.ckpt.safetensors.notes.tmp", "last.ckpt.safetensors.123.tmp.bak",
        "old.last.ckpt.safetensors.123.tmp", "last.ckpt.safetensors.5.tmp", "last.ckpt.safetensors.6.tmp",
        "last.ckpt.safetensors.7.tmp");
    for (String name : kept) Files.writeString(dir.resolve(name), "someone else's");
    for (String name : kept.subList(0, 4)) aged(dir.resolve(name));
    // .5 is young: maybe another process's write that has created but not yet locked its temporary
    Files.delete(dir.resolve("last.ckpt.safetensors.6.tmp"));
    aged(Files.createDirectory(dir.resolve("last.ckpt.safetensors.6.tmp")));
    // .7 is old but locked: a live write of another writer
    try (FileChannel ch = FileChannel.open(aged(dir.resolve("last.ckpt.safetensors.7.tmp")), StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      AtomicFiles.write(target, c -> c.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
    }
    assertEquals("new", Files.readString(target));
    List<String> expected = new java.util.ArrayList<>(kept);
    expected.add("last.ckpt.safetensors");
    assertEquals(expected.stream().sorted().collect(Collectors.toList()), names());
  }

  @Test
  void targetNamesWithPatternCharactersAreMatchedLiterally() throws IOException {
    Path target = dir.resolve("run[1]{a,b}*.safetensors");
    aged(Files.writeString(dir.resolve("run[1]{a,b}*.safetensors.42.tmp"), "stale"));
    aged(Files.writeString(dir.resolve("run1a.safetensors.42.tmp"), "another target's"));
    AtomicFiles.write(target, c -> c.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
    assertEquals(List.of("run1a.safetensors.42.tmp", "run[1]{a,b}*.safetensors"), names());
  }

  /** Run in a child JVM: starts writing {@code args[0]} and hangs until killed. */
  public static final class HangingWriter {
    public static void main(String[] args) throws IOException {
      AtomicFiles.write(Path.of(args[0]), ch -> {
        ch.write(ByteBuffer.wrap(new byte[4096]));
        System.out.println("writing");
        System.out.flush();
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      });
    }
  }

  @Test
  void aWriteKilledWithSigkillLeavesATemporaryTheNextWriteRemoves() throws Exception {
    Path target = dir.resolve("last.ckpt.safetensors");
    Files.writeString(target, "epoch 1");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HangingWriter.class.getName(),
        target.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("writing", out.readLine());
      List<String> during = names();
      assertEquals(2, during.size(), "the target and the child's temporary: " + during);
      Path temporary = dir.resolve(during.get(1));
      // a live write is never removed, however old its temporary looks
      aged(temporary);
      AtomicFiles.write(target, c -> c.write(ByteBuffer.wrap("epoch 2".getBytes(StandardCharsets.UTF_8))));
      assertTrue(Files.exists(temporary), "the child's live temporary was removed");
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      aged(temporary);
      AtomicFiles.write(target, c -> c.write(ByteBuffer.wrap("epoch 3".getBytes(StandardCharsets.UTF_8))));
      assertEquals(List.of("last.ckpt.safetensors"), names());
      assertEquals("epoch 3", Files.readString(target));
    } finally {
      child.destroyForcibly();
    }
  }
}
