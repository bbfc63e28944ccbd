package org.jdnn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes IDX files, well-formed or not, for the reader's tests. */
final class IdxFiles {
  private IdxFiles() {}

  /** An IDX file of ubyte elements: header for {@code dims}, then {@code data} as given. */
  static byte[] ubytes(int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put(new byte[] {0, 0, 0x08, (byte) dims.length});
    for (int d : dims) b.putInt(d);
    return b.put(data).array();
  }

  /** Writes {@code content} to {@code p}, gzip-compressed when asked; returns p. */
  static Path write(Path p, byte[] content, boolean gzip) throws IOException {
    if (gzip) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (OutputStream out = new GZIPOutputStream(buf)) {
        out.write(content);
      }
      content = buf.toByteArray();
    }
    Files.write(p, content);
    return p;
  }
}
