package org.jdnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Safetensors files as another program writes them: no jdnn metadata, no checksum, the header padded with spaces. */
final class ForeignFiles {
  private ForeignFiles() {}

  /** One F32 tensor record for a header. */
  static String f32(String name, long[] shape, long begin) {
    long n = 1;
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      n *= d;
      dims.append(dims.length() == 0 ? "" : ",").append(d);
    }
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[" + begin + "," + (begin + 4 * n) + "]}";
  }

  /** Writes {"__metadata__":{"format":"pt"}, records...} padded with spaces to 8 bytes, then {@code data}. */
  static void write(Path path, String records, float[] data) throws IOException {
    String json = "{\"__metadata__\":{\"format\":\"pt\"}," + records + "}";
    byte[] header = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header);
    for (float v : data) b.putFloat(v);
    Files.write(path, b.array());
  }
}
