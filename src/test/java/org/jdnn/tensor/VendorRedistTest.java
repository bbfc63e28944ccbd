package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.jdnn.bridge.JdnnNative;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cuBLAS/cuDNN from a redist jar on the class path: which files are taken and in what order, their
 * extraction into one directory, and (against stand-in libraries CMake builds with the CUDA
 * backend) that preloading them in that order lets each one's soname dependencies resolve.
 */
class VendorRedistTest {
  private static final Path STUBS = Path.of("target", "native", "build", "src", "cuda", "vendor_stubs", "redist");

  @TempDir Path root;

  private URLClassLoader classPath(String... names) throws IOException {
    Path dir = Files.createDirectories(root.resolve(VendorRedist.DIRECTORY));
    for (String name : names) {
      // Distinct contents, so a stale or wrong copy in the cache cannot pass for the extraction.
      Files.writeString(dir.resolve(name), name + " " + System.nanoTime());
    }
    return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
  }

  @Test
  void findsOnlyPresentLibrariesDependenciesFirst() throws IOException {
    try (URLClassLoader none = classPath()) {
      assertEquals(List.of(), VendorRedist.find(none));
    }
    try (URLClassLoader cuda12 = classPath("libcudnn.so.9", "libcudnn_adv.so.9", "libcublas.so.12", "libcufft.so.11",
        "libcudnn_graph.so.9", "libcublasLt.so.12", "libcudnn_ops.so.9", "libcudnn_engines_precompiled.so.9")) {
      assertEquals(List.of("libcublasLt.so.12", "libcublas.so.12", "libcudnn_graph.so.9",
          "libcudnn_engines_precompiled.so.9", "libcudnn_ops.so.9", "libcudnn_adv.so.9", "libcudnn.so.9"),
          VendorRedist.find(cuda12));
    }
    // With both majors present only the newest cuBLAS is taken; cuBLAS 13 without its Lt still counts.
    try (URLClassLoader both = classPath("libcublas.so.13")) {
      assertEquals(List.of("libcublas.so.13", "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
          "libcudnn_ops.so.9", "libcudnn_adv.so.9", "libcudnn.so.9"), VendorRedist.find(both));
    }
    // Adding the runtime compiler cuDNN's runtime-compiled engines open: nvJitLink and the builtins of the same
    // major before libnvrtc, all before cuDNN (another major's builtins are not taken).
    try (URLClassLoader compiler = classPath("libnvrtc.so.12", "libnvrtc-builtins.so.12.6", "libnvJitLink.so.12",
        "libcudnn_engines_runtime_compiled.so.9", "libnvrtc-builtins.so.11.8")) {
      assertEquals(List.of("libcublas.so.13", "libnvJitLink.so.12", "libnvrtc-builtins.so.12.6", "libnvrtc.so.12",
          "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9",
          "libcudnn_ops.so.9", "libcudnn_adv.so.9", "libcudnn.so.9"), VendorRedist.find(compiler));
    }
  }

  @Test
  void extractsAllIntoOneDirectoryThenPreloadsInOrderAndReportsFailures() throws IOException {
    String[] names = {"libcublasLt.so.12", "libcublas.so.12", "libcudnn_graph.so.9", "libcudnn_cnn.so.9", "libcudnn.so.9"};
    try (URLClassLoader loader = classPath(names)) {
      List<Path> preloaded = new ArrayList<>();
      VendorRedist.Report report = VendorRedist.load(loader, path -> {
        Path file = Path.of(path);
        if (preloaded.isEmpty()) {
          // $ORIGIN dependencies must be on disk before the first library loads.
          for (String name : names) assertTrue(Files.exists(file.resolveSibling(name)), name + " not extracted yet");
        }
        preloaded.add(file);
        if (path.endsWith("libcudnn_cnn.so.9")) throw new RuntimeException("stand-in failure for " + path);
      });

      assertEquals(List.of(names), preloaded.stream().map(p -> p.getFileName().toString()).toList());
      Path source = root.resolve(VendorRedist.DIRECTORY);
      for (Path p : preloaded) {
        assertEquals(preloaded.get(0).getParent(), p.getParent(), "extracted into different directories");
        assertNotEquals(source.resolve(p.getFileName()), p, "loaded from the class path directory, not the cache");
        assertArrayEquals(Files.readAllBytes(source.resolve(p.getFileName())), Files.readAllBytes(p), p.toString());
      }
      assertEquals(List.of("libcublasLt.so.12", "libcublas.so.12", "libcudnn_graph.so.9", "libcudnn.so.9"),
          report.preloaded);
      assertEquals(1, report.failures.size(), report.toString());
      assertTrue(report.failures.get(0).startsWith("stand-in failure for "), report.toString());
      assertTrue(report.toString().contains("failed: stand-in failure"), report.toString());
    }
  }

  @Test
  void ncclFromTheClassPathIsExtractedAndPreloadedWhenPresent() throws IOException {
    try (URLClassLoader none = classPath("libcublas.so.12")) {
      assertEquals("", VendorRedist.loadNccl(none, path -> fail("nothing to preload, got " + path)));
    }
    try (URLClassLoader withNccl = classPath("libnccl.so.2")) {
      List<Path> preloaded = new ArrayList<>();
      String what = VendorRedist.loadNccl(withNccl, path -> preloaded.add(Path.of(path)));
      assertEquals(1, preloaded.size(), what);
      assertEquals("libnccl.so.2", preloaded.get(0).getFileName().toString());
      assertNotEquals(root.resolve(VendorRedist.DIRECTORY).resolve("libnccl.so.2"), preloaded.get(0),
          "loaded from the class path directory, not the cache");
      assertEquals("preloaded libnccl.so.2 from the class path", what);
      String failed = VendorRedist.loadNccl(withNccl, path -> {
        throw new RuntimeException("stand-in failure");
      });
      assertTrue(failed.contains("stand-in failure"), failed);
    }
  }

  @Test
  void preloadFailuresCarryTheLoadersReason() throws IOException {
    JdnnNative.load();
    String missing = root.resolve("absent").resolve("libcudnn.so.9").toString();
    RuntimeException e =
        assertThrows(VendorLibraryException.class, () -> NativeCalls.check(JdnnNative.device_preload_library(missing)));
    assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("No such file"), e.getMessage());

    Path notElf = Files.writeString(root.resolve("libcublas.so.12"), "not a shared library", StandardCharsets.UTF_8);
    e = assertThrows(VendorLibraryException.class,
        () -> NativeCalls.check(JdnnNative.device_preload_library(notElf.toString())));
    String why = e.getMessage();
    assertTrue(why.contains(notElf.toString()) && (why.contains("ELF") || why.contains("too short")), why);
  }

  @Test
  void preloadedStandInsResolveEachOthersSonames() throws IOException {
    if (!"true".equalsIgnoreCase(System.getenv("CI"))) {
      assumeTrue(Files.isDirectory(STUBS), "the CUDA backend was not built here (no nvcc)");
    }
    assertTrue(Files.isDirectory(STUBS), STUBS.toAbsolutePath() + " was not built (CI builds it with nvcc)");
    // A real GPU setup binds its own libraries first, before any stand-in sharing their sonames enters the process.
    boolean gpu = Device.cudaAvailable();
    JdnnNative.load();
    String[] order = {"libcublasLt.so.12", "libcublas.so.12", "libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn.so.9"};
    if (!gpu) {
      // The stand-in has no run path: out of order, its dependency cannot be found.
      String early = STUBS.resolve("libcublas.so.12").toAbsolutePath().toString();
      RuntimeException e = assertThrows(VendorLibraryException.class,
          () -> NativeCalls.check(JdnnNative.device_preload_library(early)));
      assertTrue(e.getMessage().contains("libcublasLt.so.12"), e.getMessage());
    }

    // Packed as a jar, as the redist artifact is: the cache then keeps the jar's own directory
    // (other tests extract plain files into a shared one, which must never hold a loaded library).
    Path jar = root.resolve("cuda-redist-standins.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String name : order) {
        out.putNextEntry(new JarEntry(VendorRedist.DIRECTORY + name));
        out.write(Files.readAllBytes(STUBS.resolve(name)));
        out.closeEntry();
      }
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      VendorRedist.Report report = VendorRedist.load(loader, path -> NativeCalls.check(JdnnNative.device_preload_library(path)));
      // libcudnn.so.9 loading at all shows the ones before it are in the global scope (RTLD_GLOBAL):
      // it uses their jdnn_stub_part without naming any of them.
      assertEquals(List.of(), report.failures, report.toString());
      assertEquals(List.of(order), report.preloaded);
    }
  }
}
