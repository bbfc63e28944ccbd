package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
