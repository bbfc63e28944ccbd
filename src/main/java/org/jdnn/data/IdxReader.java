package org.jdnn.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format), plain or gzip-compressed (detected from the content, not
 * the name). Header: two zero bytes, a type byte, a rank byte, then one big-endian int32 per
 * dimension (each at least 1); data follows in big-endian order and must fill the file exactly.
 * Truncated, oversized or malformed files (a size that overflows, a zero or negative dimension, an
 * unknown type code, data missing or left over, damaged gzip data) raise an {@link IOException}
 * naming the file and what was wrong; memory is allocated only as data actually arrives, so a
 * corrupt header cannot demand gigabytes.
 */
public final class IdxReader {
  private static final int MAX_RANK = 8;
  private static final int MAX_BYTES = Integer.MAX_VALUE - 16;

  private IdxReader() {}

  /**
   * Reads one IDX file, gzipped or not.
   *
   * @param file the file
   * @return its contents
   * @throws IOException when the file cannot be read, or is truncated, oversized (more than 2 GiB
   *     of data) or malformed; the message names the file
   */
  public static IdxArray read(Path file) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read(), b1 = raw.read();
      raw.reset();
      boolean gzip = b0 == 0x1f && b1 == 0x8b;
      try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
        return read(in, file.toString());
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        // EOFException without a message: the file ends inside the gzip header, data or trailer
        String why = e.getMessage() != null ? e.getMessage() : "the gzip data ends early";
        throw new IOException("IDX file " + file + " is truncated or corrupt: " + why + "; download or copy the file again", e);
      }
    }
  }

  /**
   * Reads one IDX array from an uncompressed stream, which must end right after the data.
   *
   * @param in the stream, positioned at the header; read to its end, not closed
   * @param name names the source in error messages
   * @return its contents
   * @throws IOException when reading fails, or the header or the data's size is invalid
   */
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
    for (int i = 0; i < rank; i++) {
      dims[i] = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
          | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
    }
    for (int i = 0; i < rank; i++) {
      if (dims[i] < 0) throw new IOException("IDX file " + name + ": dimension " + i + " is negative (" + dims[i] + ")");
      if (dims[i] == 0) {
        throw new IOException("IDX file " + name + ": dimension " + i + " is 0 in " + Arrays.toString(dims)
            + "; an IDX array holds at least one element");
      }
    }
    // exact product: up to 8 dimensions of 2^31 overflow a long, which would wrap to a small or negative size
    BigInteger declared = BigInteger.valueOf(type.size);
    for (int d : dims) declared = declared.multiply(BigInteger.valueOf(d));
    if (declared.compareTo(BigInteger.valueOf(MAX_BYTES)) > 0) {
      throw new IOException("IDX file " + name + ": dimensions " + Arrays.toString(dims) + " of " + type + " declare " + declared
          + " bytes, more than one array can hold (" + MAX_BYTES + ")");
    }
    long bytes = declared.longValue();
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
