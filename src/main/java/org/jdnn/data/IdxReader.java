package org.jdnn.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format), plain or gzip-compressed (detected from the content, not
 * the name). Header: two zero bytes, a type byte, a rank byte, then one big-endian int32 per
 * dimension; data follows in big-endian order. Truncated, oversized or malformed files raise an
 * {@link IOException} naming the file and what was wrong; memory is allocated only as data
 * actually arrives, so a corrupt header cannot demand gigabytes.
 */
public final class IdxReader {
  private static final int MAX_RANK = 8;

  private IdxReader() {}

  public static IdxArray read(Path file) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read(), b1 = raw.read();
      raw.reset();
      boolean gzip = b0 == 0x1f && b1 == 0x8b;
      try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
        return read(in, file.toString());
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        throw new IOException("IDX file " + file + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
      }
    }
  }

  /** Reads one IDX array from {@code in}; {@code name} appears in error messages. */
  public static IdxArray read(InputStream in, String name) throws IOException {
    byte[] header = in.readNBytes(4);
    if (header.length < 4) {
      throw new IOException("IDX file " + name + " is truncated: " + header.length + " bytes, a header needs at least 4");
    }
    if (header[0] != 0 || header[1] != 0) {
      throw new IOException(String.format("IDX file %s: bad magic number 0x%02x%02x%02x%02x (must start with two zero bytes)",
          name, header[0], header[1], header[2], header[3]));
    }
    IdxArray.Type type = IdxArray.Type.of(header[2] & 0xff);
    if (type == null) {
      throw new IOException(String.format("IDX file %s: unknown element type 0x%02x", name, header[2] & 0xff));
    }
    int rank = header[3] & 0xff;
    if (rank == 0 || rank > MAX_RANK) {
      throw new IOException("IDX file " + name + ": rank " + rank + " is outside [1, " + MAX_RANK + "]");
    }
    byte[] dimBytes = in.readNBytes(4 * rank);
    if (dimBytes.length < 4 * rank) {
      throw new IOException("IDX file " + name + " is truncated inside its header: " + rank + " dimensions need "
          + 4 * rank + " bytes, found " + dimBytes.length);
    }
    int[] dims = new int[rank];
    long count = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
          | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
      if (dims[i] < 0) throw new IOException("IDX file " + name + ": dimension " + i + " is negative (" + dims[i] + ")");
      count *= dims[i];
    }
    long bytes = count * type.size;
    if (bytes > Integer.MAX_VALUE - 16) {
      throw new IOException("IDX file " + name + ": dimensions " + Arrays.toString(dims) + " declare " + bytes
          + " bytes, more than one array can hold");
    }
    byte[] data = readExactly(in, (int) bytes);
    if (data.length < bytes) {
      throw new IOException("IDX file " + name + " is truncated: dimensions " + Arrays.toString(dims) + " of " + type
          + " need " + bytes + " data bytes, found " + data.length);
    }
    if (in.read() != -1) {
      throw new IOException("IDX file " + name + " has data after the " + bytes + " bytes its dimensions "
          + Arrays.toString(dims) + " declare");
    }
    return new IdxArray(type, dims, data);
  }

  // Grows with the data actually read rather than trusting the header's size.
  private static byte[] readExactly(InputStream in, int n) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(n, 1 << 20));
    byte[] buf = new byte[1 << 16];
    int remaining = n;
    while (remaining > 0) {
      int r = in.read(buf, 0, Math.min(buf.length, remaining));
      if (r < 0) break;
      out.write(buf, 0, r);
      remaining -= r;
    }
    return out.toByteArray();
  }
}
