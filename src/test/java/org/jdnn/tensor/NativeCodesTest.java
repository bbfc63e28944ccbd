package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.Test;

/**
 * The codes Java passes to native code are positions in native/include/jdnn/ops.def's tables: each
 * Java enum must list the table's names in the table's order, or an op would silently run another.
 */
class NativeCodesTest {
  // jdnn.h CodeTable.
  private static final int DTYPE = 0, DEVICE = 1, UNARY_OP = 2, BINARY_OP = 3, POINT_LOSS = 4, ERROR_KIND = 5,
      COMPARE_OP = 6;

  private static List<String> nativeNames(int table) {
    JdnnNative.load();
    return List.of(JdnnNative.code_names(table).split(","));
  }

  private static List<String> javaNames(Enum<?>[] values) {
    return Arrays.stream(values).map(Enum::name).toList();
  }

  @Test
  void unaryOpsMatchTheNativeTable() {
    assertEquals(nativeNames(UNARY_OP), javaNames(UnaryOp.values()));
    for (UnaryOp op : UnaryOp.values()) assertEquals(op.ordinal(), op.code, op.name());
  }

  @Test
  void binaryOpsMatchTheNativeTable() {
    assertEquals(nativeNames(BINARY_OP), javaNames(BinaryOp.values()));
    for (BinaryOp op : BinaryOp.values()) assertEquals(op.ordinal(), op.code, op.name());
  }

  @Test
  void compareOpsMatchTheNativeTable() {
    assertEquals(nativeNames(COMPARE_OP), javaNames(CompareOp.values()));
    for (CompareOp op : CompareOp.values()) assertEquals(op.ordinal(), op.code, op.name());
  }

  @Test
  void pointLossesMatchTheNativeTable() {
    assertEquals(nativeNames(POINT_LOSS), javaNames(PointLoss.values()));
  }

  @Test
  void errorKindsMatchTheNativeTable() {
    assertEquals(nativeNames(ERROR_KIND), javaNames(NativeErrors.Kind.values()));
  }

  @Test
  void dtypesMatchTheNativeTable() {
    assertEquals(nativeNames(DTYPE), javaNames(DType.values()));
    for (DType d : DType.values()) assertEquals(d.ordinal(), d.code, d.name());
  }

  /** Device is a class, not an enum: its codes and names ("cuda-emu" for CUDA_EMU) are checked one by one. */
  @Test
  void devicesMatchTheNativeTable() {
    List<String> names = nativeNames(DEVICE);
    assertEquals(3, names.size(), names.toString());
    assertEquals("CUDA", names.get(Device.CUDA_CODE));
    for (Device d : new Device[] {Device.cpu(), Device.cudaEmulated()}) {
      assertEquals(d.toString().toUpperCase().replace('-', '_'), names.get(d.code), d.toString());
    }
  }

  @Test
  void anUnknownTableHasNoNames() {
    JdnnNative.load();
    assertNull(JdnnNative.code_names(99));
  }
}
