package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jdnn.tensor.DType;
import org.junit.jupiter.api.Test;

/** The examples' --precision option: fp32 by default, bf16, and fp16 refused with the reason and the alternative. */
class ExampleArgsTest {
  @Test
  void precisionOption() {
    assertSame(DType.FLOAT32, new ExampleArgs(1, new String[0]).precision);
    assertSame(DType.BFLOAT16, new ExampleArgs(1, new String[] {"--precision", "bf16"}).precision);
    assertSame(DType.FLOAT32, new ExampleArgs(1, new String[] {"--precision", "fp32"}).precision);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ExampleArgs(1, new String[] {"--precision", "fp16"}));
    assertTrue(e.getMessage().contains("loss scaling") && e.getMessage().contains("bf16"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new ExampleArgs(1, new String[] {"--precision", "half"}));
    assertTrue(e.getMessage().contains("fp32 or bf16") && e.getMessage().contains("half"), e.getMessage());
  }
}
