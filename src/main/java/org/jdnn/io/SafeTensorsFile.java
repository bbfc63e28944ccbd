package org.jdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;

/**
 * An open safetensors file whose header has been fully validated: header length within the file,
 * strict UTF-8 JSON starting with '{', known dtypes, non-negative shapes, data offsets in range,
 * matching shape times element size, non-overlapping and covering the data section exactly, and
 * the "jdnn.crc32" checksum ({@link #open} requires it, {@link #openForeign} verifies it when
 * present). Every problem is an IOException naming the file and what is wrong. Tensors are read
 * one at a time; nothing larger than the file is ever allocated.
 *
 * <pre>{@code
 * try (SafeTensorsFile f = SafeTensorsFile.open(path); TensorScope scope = new TensorScope()) {
 *   for (SafeTensorsEntry e : f.entries().values()) System.out.println(e);
 *   Tensor w = f.read("0.weight");           // freed with the scope
 * }
 * }</pre>
 */
public final class SafeTensorsFile implements AutoCloseable {
  /** Header size limit, as in the reference implementation: beyond it a length field is corrupt. */
  static final long MAX_HEADER = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, String> metadata;
  private final Map<String, SafeTensorsEntry> entries;
  private final boolean checksummed;

  private SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
      Map<String, SafeTensorsEntry> entries, boolean checksummed) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.metadata = metadata;
    this.entries = entries;
    this.checksummed = checksummed;
  }

  /**
   * Opens and validates {@code path}, which must carry jdnn's checksum (every file jdnn writes does);
   * the caller closes the result. The whole file is read once to verify the checksum.
   *
   * @param path a safetensors file written by jdnn
   * @return the open file; close it to release the file handle
   * @throws IOException when the file cannot be read, is not safetensors (the message names the
   *     kind it looks like: PNG, ZIP/torch.save, HDF5, ...), its header is invalid, or the checksum
   *     is missing or wrong; the message starts with the path
   */
  public static SafeTensorsFile open(Path path) throws IOException {
    return open(path, true);
  }

  /**
   * Opens a safetensors file written by another program (PyTorch's safetensors.torch.save_file,
   * NumPy, ...): its layout is validated as by {@link #open}, and a jdnn checksum is verified when
   * present, but a file without one is read without an integrity check. A file with jdnn metadata
   * and no checksum is refused: it is a jdnn file whose checksum key is damaged.
   *
   * @param path a safetensors file from any program
   * @return the open file; close it to release the file handle
   * @throws IOException when the file cannot be read, is not safetensors, its header is invalid, a
   *     checksum it carries is wrong, or it has jdnn metadata but no checksum
   */
  public static SafeTensorsFile openForeign(Path path) throws IOException {
    return open(path, false);
  }

  private static SafeTensorsFile open(Path path, boolean requireChecksum) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return parse(path, ch, requireChecksum);
    } catch (IOException | RuntimeException e) {
      ch.close();
      if (e instanceof IOException) throw (IOException) e;
      throw new IOException(path + ": " + e.getMessage(), e);
    }
  }

  private static SafeTensorsFile parse(Path path, FileChannel ch, boolean requireChecksum) throws IOException {
    long size = ch.size();
    if (size < 8) throw bad(path, "file of " + size + " bytes is too short for the 8-byte header length");
    ByteBuffer lenBuf = readAt(ch, 0, 8, path).order(ByteOrder.LITTLE_ENDIAN);
    long n = lenBuf.getLong(0);
    if (n < 2 || n > size - 8) {
      String kind = FileSignatures.describe(lenBuf.array());
      throw bad(path, "not a safetensors file" + (kind == null ? "" : " (it starts like " + kind + ")")
          + ": a safetensors file starts with an 8-byte little-endian header length and a JSON header starting with '{', but"
          + " its first 8 bytes (" + FileSignatures.hex(lenBuf.array()) + ") give header length " + Long.toUnsignedString(n)
          + " for a file of " + size + " bytes");
    }
    if (n > MAX_HEADER) throw bad(path, "header length " + n + " exceeds the " + MAX_HEADER + "-byte limit");
    byte[] headerBytes = readAt(ch, 8, (int) n, path).array();
    if (headerBytes[0] != '{') {
      int c = headerBytes[0] & 0xff;
      throw bad(path, "not a safetensors file: its JSON header must start with '{', but starts with "
          + (c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c)));
    }
    String text;
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(headerBytes));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      throw bad(path, "header is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = Json.parse(text, "header");
    } catch (IllegalArgumentException e) {
      throw bad(path, e.getMessage());
    }
    long dataSize = size - 8 - n;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, SafeTensorsEntry> entries = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (f.getKey().equals("__metadata__")) {
        readMetadata(path, f.getValue(), metadata);
      } else {
        entries.put(f.getKey(), readEntry(path, f.getKey(), f.getValue(), dataSize));
      }
    }
    checkLayout(path, entries, dataSize);
    boolean checksummed = metadata.containsKey(SafeTensors.CRC_KEY);
    if (checksummed) verifyChecksum(path, ch, lenBuf, headerBytes, metadata.get(SafeTensors.CRC_KEY), size);
    else checkNoChecksumAllowed(path, metadata, requireChecksum);
    return new SafeTensorsFile(path, ch, 8 + n, Collections.unmodifiableMap(metadata),
        Collections.unmodifiableMap(entries), checksummed);
  }

  private static void readMetadata(Path path, JsonNode node, Map<String, String> out) throws IOException {
    if (!node.isObject()) throw bad(path, "__metadata__ must be an object of strings, got " + node.getNodeType());
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw bad(path, "__metadata__ value of '" + e.getKey() + "' must be a string, got " + e.getValue().getNodeType());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
  }

  private static SafeTensorsEntry readEntry(Path path, String name, JsonNode node, long dataSize) throws IOException {
    String where = "tensor '" + name + "'";
    if (name.isEmpty()) throw bad(path, "tensor with an empty name");
    if (!node.isObject()) throw bad(path, where + " must be an object, got " + node.getNodeType());
    if (node.size() != 3 || !node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
      throw bad(path, where + " must have exactly dtype, shape and data_offsets");
    }
    JsonNode dt = node.get("dtype");
    DType dtype = dt.isTextual() ? SafeTensorsEntry.fromCode(dt.textValue()) : null;
    if (dtype == null) throw bad(path, where + ": unsupported dtype " + dt + " (jdnn reads F32, F64, I32, I64, U8, F16, BF16)");
    JsonNode sh = node.get("shape");
    if (!sh.isArray() || sh.size() > 8) throw bad(path, where + ": shape must be an array of at most 8 sizes, got " + sh);
    long[] shape = new long[sh.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
        throw bad(path, where + ": shape entry " + i + " must be a non-negative integer, got " + d);
      }
      shape[i] = d.longValue();
    }
    try {
      for (long d : shape) numel = Math.multiplyExact(numel, d);
      if (Math.multiplyExact(numel, (long) dtype.byteSize()) > dataSize) throw new ArithmeticException();
    } catch (ArithmeticException e) {
      throw bad(path, where + ": shape " + sh + " is larger than the " + dataSize + "-byte data section");
    }
    JsonNode off = node.get("data_offsets");
    if (!off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
        || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
      throw bad(path, where + ": data_offsets must be two integers, got " + off);
    }
    long begin = off.get(0).longValue();
    long end = off.get(1).longValue();
    if (begin < 0 || end < begin || end > dataSize) {
      throw bad(path, where + ": data_offsets [" + begin + ", " + end + "] outside the data section of " + dataSize + " bytes");
    }
    if (end - begin != numel * dtype.byteSize()) {
      throw bad(path, where + ": " + (end - begin) + " data bytes, but shape " + sh + " of " + dt.textValue() + " needs "
          + numel * dtype.byteSize());
    }
    return new SafeTensorsEntry(name, dtype, shape, begin, end);
  }

  private static void checkLayout(Path path, Map<String, SafeTensorsEntry> entries, long dataSize) throws IOException {
    List<SafeTensorsEntry> sorted = new ArrayList<>(entries.values());
    sorted.sort((a, b) -> a.begin != b.begin ? Long.compare(a.begin, b.begin) : Long.compare(a.end, b.end));
    long expected = 0;
    for (SafeTensorsEntry e : sorted) {
      if (e.begin != expected) {
        throw bad(path, "tensor '" + e.name + "' starts at byte " + e.begin + " but the previous tensor ends at " + expected
            + (e.begin < expected ? " (overlap)" : " (gap)"));
      }
      expected = e.end;
    }
    if (expected != dataSize) {
      throw bad(path, "tensors cover " + expected + " bytes but the data section has " + dataSize + " (truncated or extra bytes)");
    }
  }

  // A checksum key damaged by a single bit must not switch the check off: jdnn's loaders require the
  // checksum, and a foreign read refuses files that carry jdnn's other metadata without it.
  private static void checkNoChecksumAllowed(Path path, Map<String, String> metadata, boolean requireChecksum)
      throws IOException {
    if (requireChecksum) {
      throw bad(path, "no " + SafeTensors.CRC_KEY + " checksum: every file jdnn writes carries one, so this file is damaged or was"
          + " written by another program; to read a safetensors file from another program (e.g. PyTorch's"
          + " safetensors.torch.save_file) without an integrity check, use ModelFile.loadForeignWeights or"
          + " SafeTensorsFile.openForeign");
    }
    for (String key : metadata.keySet()) {
      if (key.startsWith("jdnn.")) {
        throw bad(path, "carries jdnn metadata ('" + key + "') but no " + SafeTensors.CRC_KEY + " checksum: a jdnn file whose"
            + " checksum key is damaged; it cannot be verified, so it is not read (restore it from a good copy)");
      }
    }
  }

  private static void verifyChecksum(Path path, FileChannel ch, ByteBuffer lenBuf, byte[] header, String stored,
      long size) throws IOException {
    if (!stored.matches("[0-9a-f]{8}")) throw bad(path, "checksum '" + stored + "' is not 8 hex digits");
    byte[] zeroed = SafeTensors.replaceChecksum(header, stored, SafeTensors.CRC_PLACEHOLDER);
    if (zeroed == null) throw bad(path, "checksum field is not written in jdnn's form");
    CRC32 crc = new CRC32();
    crc.update(lenBuf.duplicate().position(0));
    crc.update(zeroed);
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    long pos = 8 + header.length;
    while (pos < size) {
      chunk.clear();
      chunk.limit((int) Math.min(chunk.capacity(), size - pos));
      int r = ch.read(chunk, pos);
      if (r <= 0) throw bad(path, "file shrank while reading");
      pos += r;
      chunk.flip();
      crc.update(chunk);
    }
    String actual = String.format("%08x", crc.getValue());
    if (!actual.equals(stored)) throw bad(path, "checksum mismatch: stored " + stored + ", computed " + actual + " (corrupt file)");
  }

  private static ByteBuffer readAt(FileChannel ch, long pos, int len, Path path) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      int r = ch.read(b, pos + b.position());
      if (r < 0) throw bad(path, "unexpected end of file at byte " + (pos + b.position()));
    }
    b.flip();
    return b;
  }

  static IOException bad(Path path, String problem) {
    return new IOException(path + ": " + problem);
  }

  /**
   * The file's path.
   *
   * @return the path given to open
   */
  public Path path() {
    return path;
  }

  /**
   * The header's "__metadata__" entries, jdnn's own ("jdnn.format", "jdnn.crc32", ...) included.
   *
   * @return an unmodifiable map, empty when the file has no metadata
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Tensor records in header order.
   *
   * @return an unmodifiable map from name to record
   */
  public Map<String, SafeTensorsEntry> entries() {
    return entries;
  }

  /**
   * Whether the file's integrity was verified.
   *
   * @return true when the file carried jdnn's checksum and it matched (always for {@link #open})
   */
  public boolean isChecksummed() {
    return checksummed;
  }

  /**
   * Reads one tensor.
   *
   * @param name a name among {@link #entries()}
   * @return a new tensor on the thread's default device, in the innermost open scope (else owned by
   *     the caller)
   * @throws IOException when there is no such tensor or the file cannot be read (e.g. closed)
   * @throws ArithmeticException when the tensor holds more than 2 GiB
   */
  public Tensor read(String name) throws IOException {
    SafeTensorsEntry e = entries.get(name);
    if (e == null) throw bad(path, "no tensor named '" + name + "'");
    ByteBuffer b = readAt(channel, dataStart + e.begin, Math.toIntExact(e.end - e.begin), path);
    return TensorBytes.fromBytes(b, e.dtype, e.shape());
  }

  /**
   * Closes the file handle; tensors already read stay valid.
   *
   * @throws IOException when closing the channel fails
   */
  @Override
  public void close() throws IOException {

    channel.close();
  }
}
