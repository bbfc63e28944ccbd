package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.junit.jupiter.api.Test;

/** The examples' --precision option: fp32 by default, bf16, fp16, and anything else refused with the choices. */
class ExampleArgsTest {
  @Test
  void precisionOption() {
    assertSame(DType.FLOAT32, new ExampleArgs(1, new String[0]).precision);
    assertSame(DType.BFLOAT16, new ExampleArgs(1, new String[] {"--precision", "bf16"}).precision);
    assertSame(DType.FLOAT32, new ExampleArgs(1, new String[] {"--precision", "fp32"}).precision);
    assertSame(DType.FLOAT16, new ExampleArgs(1, new String[] {"--precision", "fp16"}).precision);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ExampleArgs(1, new String[] {"--precision", "half"}));
    assertTrue(e.getMessage().contains("fp32, bf16 or fp16") && e.getMessage().contains("half"), e.getMessage());
  }
}
