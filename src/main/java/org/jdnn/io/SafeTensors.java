package org.jdnn.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.jdnn.tensor.Tensor;

/**
 * Writes the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets"}}), then the tensors'
 * raw little-endian bytes back to back in header order. PyTorch's and NumPy's safetensors loaders
 * read these files.
 *
 * <p>The JSON is compact and its length is padded to a multiple of 8 (so the data is aligned for
 * loaders that map it) inside a metadata value rather than with trailing spaces: every byte of the
 * file is then covered by the "jdnn.crc32" checksum (CRC-32 of the whole file, computed with the
 * checksum's own value set to "00000000"), which lets the reader reject any corruption. Every file
 * written here carries the checksum, and jdnn's loaders require it. {@link SafeTensorsFile} reads
 * what this class writes; {@link ModelFile} and training checkpoints are built on both.
 */
public final class SafeTensors {
  static final String CRC_KEY = "jdnn.crc32";
  static final String PAD_KEY = "jdnn.pad";
  static final String CRC_PLACEHOLDER = "00000000";

  private SafeTensors() {}

  /**
   * Writes {@code tensors} (in map order) and {@code metadata} to {@code path}, atomically, with the
   * checksum. The checksum and padding entries of {@code metadata}, if any (as when rewriting a
   * file's metadata), are replaced by this file's own.
   *
   * @param path the file to create or replace; its directory is created when missing
   * @param tensors the tensors by name, on any device (each is copied to the host while writing);
   *     neither closed nor changed
   * @param metadata string entries for the header's "__metadata__"
   * @throws IOException when the file cannot be written; the previous file, if any, is intact
   * @throws ArithmeticException when a tensor holds more than 2 GiB (they are written through one
   *     Java buffer each)
   */
  public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {

    ObjectNode header = Json.object();
    ObjectNode meta = header.putObject("__metadata__");
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!e.getKey().equals(PAD_KEY) && !e.getKey().equals(CRC_KEY)) meta.put(e.getKey(), e.getValue());
    }
    meta.put(PAD_KEY, "");
    meta.put(CRC_KEY, CRC_PLACEHOLDER);
    long offset = 0;
    Map<String, Tensor> ordered = new LinkedHashMap<>(tensors);
    for (Map.Entry<String, Tensor> e : ordered.entrySet()) {
      Tensor t = e.getValue();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", SafeTensorsEntry.code(t.dtype()));
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) shape.add(d);
      long bytes = t.numel() * t.dtype().byteSize();
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    String json = Json.write(header);
    int len = json.getBytes(StandardCharsets.UTF_8).length;
    meta.put(PAD_KEY, " ".repeat((8 - len % 8) % 8));
    byte[] headerBytes = Json.write(header).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(path, ch -> {
      CRC32 crc = new CRC32();
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length);
      lenBuf.flip();
      crc.update(lenBuf.duplicate());
      crc.update(headerBytes);
      writeFully(ch, lenBuf);
      writeFully(ch, ByteBuffer.wrap(headerBytes));
      for (Tensor t : ordered.values()) {
        ByteBuffer data = TensorBytes.toBytes(t);
        crc.update(data.duplicate());
        writeFully(ch, data);
      }
      String hex = String.format("%08x", crc.getValue());
      byte[] finalHeader = replaceChecksum(headerBytes, CRC_PLACEHOLDER, hex);
      ch.position(8);
      writeFully(ch, ByteBuffer.wrap(finalHeader));
    });
  }

  /** {@code header} with the checksum's value {@code from} replaced by {@code to} (same length); null if absent or repeated. */
  static byte[] replaceChecksum(byte[] header, String from, String to) {
    byte[] needle = ("\"" + CRC_KEY + "\":\"" + from + "\"").getBytes(StandardCharsets.UTF_8);
    int at = -1;
    for (int i = 0; i + needle.length <= header.length; i++) {
      if (regionMatches(header, i, needle)) {
        if (at >= 0) return null;
        at = i;
      }
    }
    if (at < 0) return null;
    byte[] out = header.clone();
    byte[] value = to.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(value, 0, out, at + needle.length - 1 - value.length, value.length);
    return out;
  }

  private static boolean regionMatches(byte[] a, int at, byte[] b) {
    for (int j = 0; j < b.length; j++) if (a[at + j] != b[j]) return false;
    return true;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) ch.write(b);
  }
}
