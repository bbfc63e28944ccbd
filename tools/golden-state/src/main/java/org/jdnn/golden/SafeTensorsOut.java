package org.jdnn.golden;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal safetensors writer, independent of jdnn's (so the golden test also exercises jdnn's
 * reader on a file jdnn did not write): an 8-byte little-endian header length, a JSON header
 * ({"__metadata__": {...}, name: {"dtype", "shape", "data_offsets"}}) padded with spaces to a
 * multiple of 8 bytes, then each tensor's little-endian bytes in the order added.
 */
final class SafeTensorsOut {
  private record Entry(String name, String dtype, long[] shape, byte[] data) {}

  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Boolean> names = new LinkedHashMap<>();

  void meta(String key, String value) {
    metadata.put(key, value);
  }

  void f32(String name, float[] values, long... shape) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    add(name, "F32", shape, b.array(), values.length);
  }

  void i64(String name, long[] values, long... shape) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) b.putLong(v);
    add(name, "I64", shape, b.array(), values.length);
  }

  private void add(String name, String dtype, long[] shape, byte[] data, int count) {
    long n = 1;
    for (long d : shape) n *= d;
    if (n != count) throw new IllegalArgumentException(name + ": " + count + " values for shape of " + n + " elements");
    if (names.put(name, Boolean.TRUE) != null) throw new IllegalArgumentException("tensor " + name + " added twice");
    entries.add(new Entry(name, dtype, shape.clone(), data));
  }

  /** Bytes of tensor data so far (the header comes on top). */
  long dataBytes() {
    long n = 0;
    for (Entry e : entries) n += e.data.length;
    return n;
  }

  void write(Path path) throws IOException {
    StringBuilder json = new StringBuilder("{\"__metadata__\":{");
    boolean first = true;
    for (Map.Entry<String, String> m : metadata.entrySet()) {
      if (!first) json.append(',');
      first = false;
      json.append(quote(m.getKey())).append(':').append(quote(m.getValue()));
    }
    json.append('}');
    long offset = 0;
    for (Entry e : entries) {
      json.append(',').append(quote(e.name)).append(":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[");
      for (int i = 0; i < e.shape.length; i++) json.append(i == 0 ? "" : ",").append(e.shape[i]);
      json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + e.data.length).append("]}");
      offset += e.data.length;
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    int pad = (8 - header.length % 8) % 8;  // the format allows trailing spaces; they align the data
    Files.createDirectories(path.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(path)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length + pad).array());
      out.write(header);
      out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
      for (Entry e : entries) out.write(e.data);
    }
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
