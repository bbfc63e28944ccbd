package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made hostile headers: each is refused with a message that says what is wrong. */
class SafeTensorsHeaderTest {
  @TempDir Path dir;

  private String problem(String header, int dataBytes) throws IOException {
    return problem(header.getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8).length, dataBytes);
  }

  private String problem(byte[] header, long declaredLength, int dataBytes) throws IOException {
    Path p = dir.resolve("x.safetensors");
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredLength).put(header);
    Files.write(p, b.array());
    IOException e = assertThrows(IOException.class, () -> SafeTensorsFile.open(p).close());
    String prefix = p + ": ";
    assertEquals(prefix, e.getMessage().substring(0, prefix.length()));
    return e.getMessage().substring(prefix.length());
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  @Test
  void hostileHeadersAreRefusedWithTheirProblemNamed() throws IOException {
    String tooLong = "not a safetensors file: a safetensors file starts with an 8-byte little-endian header length and a JSON"
        + " header starting with '{', but its first 8 bytes";
    assertEquals(tooLong + " (ff ff ff ff ff ff ff ff) give header length 18446744073709551615 for a file of 10 bytes",
        problem(new byte[] {'{', '}'}, -1, 0));
    assertEquals(tooLong + " (03 00 00 00 00 00 00 00) give header length 3 for a file of 10 bytes",
        problem(new byte[] {'{', '}'}, 3, 0));
    String noBrace = "not a safetensors file: its JSON header must start with '{', but starts with ";
    assertEquals(noBrace + "'['", problem("[1]", 0));
    // the format requires the '{' first; leading whitespace is not allowed
    assertEquals(noBrace + "' '", problem(" {}", 0));
    assertEquals(noBrace + "byte 0x00", problem(new byte[] {0, '{', '}'}, 3, 0));
    assertEquals("header is not valid UTF-8", problem(new byte[] {'{', (byte) 0xff, '}'}, 3, 0));
    assertEquals("tensor 'a': shape [4611686018427387904] is larger than the 0-byte data section",
        problem("{" + entry("a", "F32", "[4611686018427387904]", 0, 0) + "}", 0));
    assertEquals("tensor 'a': shape [3037000500,3037000500,4] is larger than the 16-byte data section",
        problem("{" + entry("a", "U8", "[3037000500,3037000500,4]", 0, 16) + "}", 16));
    assertEquals("tensor 'a': unsupported dtype \"F8_E4M3\" (jdnn reads F32, F64, I32, I64, U8, F16, BF16)",
        problem("{" + entry("a", "F8_E4M3", "[2]", 0, 2) + "}", 2));
    assertEquals("tensor 'b' starts at byte 4 but the previous tensor ends at 8 (overlap)",
        problem("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12));
    assertEquals("tensor 'b' starts at byte 12 but the previous tensor ends at 8 (gap)",
        problem("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 12, 16) + "}", 16));
    assertEquals("tensors cover 8 bytes but the data section has 9 (truncated or extra bytes)",
        problem("{" + entry("a", "F32", "[2]", 0, 8) + "}", 9));
    assertEquals("tensor 'a': 8 data bytes, but shape [3] of F32 needs 12", problem("{" + entry("a", "F32", "[3]", 0, 8) + "}", 16));
    assertEquals("tensor 'a': data_offsets [-8, 0] outside the data section of 8 bytes",
        problem("{" + entry("a", "F32", "[2]", -8, 0) + "}", 8));
    assertEquals("__metadata__ value of 'k' must be a string, got NUMBER", problem("{\"__metadata__\":{\"k\":1}}", 0));
    String dup = problem("{" + entry("a", "F32", "[0]", 0, 0) + "," + entry("a", "F32", "[0]", 0, 0) + "}", 0);
    assertEquals("header: invalid JSON: Duplicate field 'a'", dup);
    String deep = problem("{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "}", 0);
    assertEquals("header: invalid JSON: ", deep.substring(0, 22));
  }
}
