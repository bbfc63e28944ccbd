package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * safetensors F16 and BF16 (the spellings of the format's specification, as PyTorch writes float16 and bfloat16):
 * written and read back pattern for pattern, and read from a file laid out by hand as the specification says
 * (little-endian 16-bit patterns) with known values.
 */
class SafeTensorsHalfTest {
  @Test
  void halfTensorsRoundTripPatternForPattern(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("halves.safetensors");
    short[] f16 = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, (short) 0x8000, 0x7c00, 0x7e00, 0x3555};
    short[] bf16 = {0x3f80, (short) 0xc000, 0x7f7f, 0x0001, (short) 0x8000, 0x7f80, 0x7fc0, 0x3eab};
    try (TensorScope s = new TensorScope()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("h", Tensor.ofHalfBits(DType.FLOAT16, f16, 2, 4));
      tensors.put("b", Tensor.ofHalfBits(DType.BFLOAT16, bf16, 8));
      SafeTensors.write(file, tensors, Map.of());
      String header = new String(Files.readAllBytes(file), 8, 200, StandardCharsets.UTF_8);
      assertTrue(header.contains("\"dtype\":\"F16\"") && header.contains("\"dtype\":\"BF16\""), header);
      try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
        Tensor h = f.read("h"), b = f.read("b");
        assertEquals(DType.FLOAT16, h.dtype());
        assertArrayEquals(new long[] {2, 4}, h.shape());
        assertArrayEquals(f16, h.toHalfBits());
        assertEquals(DType.BFLOAT16, b.dtype());
        assertArrayEquals(bf16, b.toHalfBits());
      }
    }
  }

  @Test
  void readsHalvesWrittenAsTheSpecificationLaysThemOut(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("foreign.safetensors");
    String json = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[6,12]}}";
    byte[] header = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(8 + header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
    data.putLong(header.length).put(header);
    data.putShort((short) 0x3c00).putShort((short) 0xc100).putShort((short) 0x0400);  // 1, -2.5, 2^-14
    data.putShort((short) 0x3f80).putShort((short) 0xc020).putShort((short) 0x0080);  // 1, -2.5, 2^-126
    Files.write(file, data.array());
    try (TensorScope s = new TensorScope(); SafeTensorsFile f = SafeTensorsFile.openForeign(file)) {
      assertArrayEquals(new float[] {1f, -2.5f, 0x1p-14f}, f.read("h").toFloatArray(), 0f);
      assertArrayEquals(new float[] {1f, -2.5f, 0x1p-126f}, f.read("b").toFloatArray(), 0f);
    }
  }
}
