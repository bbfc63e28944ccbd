package org.jdnn.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;
import org.junit.jupiter.api.Test;

/**
 * The real CUDA backend, built by nvcc. CI builds it on every run (pom.xml's ci-cuda profile), so
 * there a build that silently skipped nvcc must fail here. Elsewhere the checks run only where the
 * library was built.
 */
class CudaBuildTest {
  private static final Path LIBRARY = Paths.get("target/classes/org/jdnn/bridge/linux-x86_64/libjdnn_cuda.so");
  /** Where distributions and NVIDIA's installers put the driver's libcuda.so.1. */
  private static final List<String> DRIVER_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
      "/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib");

  private static boolean ci() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  private static void requireLibraryOrSkip() {
    if (!ci()) assumeTrue(Files.isRegularFile(LIBRARY), "libjdnn_cuda.so was not built here (no nvcc)");
  }

  @Test
  void backendLibraryIsBuiltAndExportsItsEntryPoint() throws IOException {
    requireLibraryOrSkip();
    assertTrue(Files.isRegularFile(LIBRARY),
        LIBRARY + " is missing: CI must build the CUDA backend with nvcc (JDNN_CUDA=ON)");
    Set<String> exported = exportedSymbols(Files.readAllBytes(LIBRARY));
    assertTrue(exported.contains("jdnn_backend_init"), "libjdnn_cuda.so does not export jdnn_backend_init");
    // The runtime is linked statically and its symbols kept private: only the entry point is ours.
    assertTrue(exported.stream().noneMatch(s -> s.startsWith("cuda")), "CUDA runtime symbols leak: " + exported);
  }

  @Test
  void withoutDriverTheGpuIsUnavailableAndTheMessageNamesTheDriver() {
    requireLibraryOrSkip();
    assumeTrue(DRIVER_DIRS.stream().noneMatch(d -> Files.exists(Paths.get(d, "libcuda.so.1"))),
        "an NVIDIA driver is installed: the missing-driver message cannot be checked");
    DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, Device::cuda);
    // Written by jdnn_backend_init itself: proves the library loaded and its entry point ran.
    assertTrue(e.getMessage().contains("NVIDIA driver") && e.getMessage().contains("libcuda.so.1"), e.getMessage());
    assertEquals(Device.cpu(), Device.best());
  }

  /** Names of the defined, default-visibility global or weak symbols in an ELF64 file's .dynsym. */
  static Set<String> exportedSymbols(byte[] elf) {
    ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
    assertTrue(elf.length > 64 && b.getInt(0) == 0x464c457f && elf[4] == 2 && elf[5] == 1,
        "not a little-endian ELF64 file");
    long sectionTable = b.getLong(0x28);
    int entrySize = b.getShort(0x3A) & 0xffff;
    int sections = b.getShort(0x3C) & 0xffff;
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sections; i++) {
      int header = (int) (sectionTable + (long) i * entrySize);
      if (b.getInt(header + 4) != 11) continue;  // SHT_DYNSYM
      int symbols = (int) b.getLong(header + 0x18);
      int symbolsSize = (int) b.getLong(header + 0x20);
      int symbolSize = (int) b.getLong(header + 0x38);
      int strings = (int) b.getLong((int) (sectionTable + (long) b.getInt(header + 0x28) * entrySize) + 0x18);
      for (int s = symbols; s + symbolSize <= symbols + symbolsSize; s += symbolSize) {
        int bind = (elf[s + 4] & 0xff) >> 4;
        boolean defaultVisibility = (elf[s + 5] & 3) == 0;
        boolean defined = b.getShort(s + 6) != 0;
        if ((bind == 1 || bind == 2) && defaultVisibility && defined) {
          int start = strings + b.getInt(s);
          int end = start;
          while (elf[end] != 0) end++;
          names.add(new String(elf, start, end - start, StandardCharsets.US_ASCII));
        }
      }
    }
    return names;
  }
}
