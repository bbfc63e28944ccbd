package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorScopeTest {
  @Test
  void closeFreesEverythingCreatedInsideExceptKeptTensors() {
    Tensor kept;
    Tensor inner;
    try (TensorScope s = new TensorScope()) {
      Tensor a = Tensor.ones(1000);
      inner = a.mul(2).add(1);
      kept = s.keep(inner.sum());
      assertTrue(s.size() >= 3);
    }
    assertTrue(inner.isClosed());
    assertFalse(kept.isClosed());
    assertEquals(3000.0, kept.item());
    kept.close();
    assertTrue(kept.isClosed());
  }

  @Test
  void escapeHandsATensorToTheEnclosingScope() {
    Tensor escaped;
    try (TensorScope outer = new TensorScope()) {
      try (TensorScope inner = new TensorScope()) {
        escaped = inner.escape(Tensor.ones(4).mul(5));
      }
      assertFalse(escaped.isClosed());
      assertEquals(20.0, escaped.sum().item());
    }
    assertTrue(escaped.isClosed());
  }

  @Test
  void aLoopOfScopedStepsReturnsNativeMemoryToItsStartingLevel() {
    Device cpu = Device.cpu();
    try (Tensor w = Tensor.ones(256, 256).requiresGrad(true)) {
      for (int i = 0; i < 3; i++) step(w); // warm the allocator
      long before = cpu.bytesInUse();
      for (int i = 0; i < 200; i++) step(w);
      assertEquals(before, cpu.bytesInUse(), "bytes in use after 200 scoped steps");
    }
  }

  private static void step(Tensor w) {
    try (TensorScope s = new TensorScope()) {
      Tensor x = Tensor.full(0.01, DType.FLOAT32, 32, 256);
      x.matmul(w).relu().mean().backward();
    }
  }

  @Test
  void usingAClosedTensorThrowsAndTheNextCallWorks() {
    Tensor t = Tensor.of(new float[] {1, 2, 3});
    t.close();
    long before = Device.cpu().bytesInUse();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(1));
    try (Tensor other = Tensor.ones(3); Tensor row = other.reshape(1, 3)) {
      assertThrows(IllegalStateException.class, () -> other.add(t));
      assertThrows(IllegalStateException.class, () -> row.matmul(t));
      assertThrows(IllegalStateException.class, () -> t.reshape(3, 1));
    }
    assertEquals(before, Device.cpu().bytesInUse(), "a failed op on a closed tensor allocates nothing");
    assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("float32[3]"), e.getMessage());
    try (Tensor u = Tensor.of(new float[] {1, 2, 3}); Tensor v = u.add(1); Tensor sum = v.sum()) {
      assertEquals(9.0, sum.item());
    }
  }

  @Test
  void closingOutOfOrderIsRefused() {
    TensorScope outer = new TensorScope();
    TensorScope inner = new TensorScope();
    assertThrows(IllegalStateException.class, outer::close);
    inner.close();
    outer.close();
  }

  @Test
  void debugModeNamesWhereLiveTensorsWereCreated() {
    boolean wasEnabled = TensorDebug.isEnabled();
    TensorDebug.enable();
    try {
      Tensor leaked = Tensor.zeros(7, 3);
      String report = String.join("\n", TensorDebug.liveTensors());
      assertTrue(report.contains("float32[7, 3]"), report);
      assertTrue(report.contains("TensorScopeTest.debugModeNamesWhereLiveTensorsWereCreated"), report);
      leaked.close();
      assertFalse(String.join("\n", TensorDebug.liveTensors()).contains("float32[7, 3]"));
    } finally {
      if (!wasEnabled) TensorDebug.disable();
    }
  }
}
