package org.jdnn.tensor;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.jdnn.bridge.JdnnNative;

/**
 * cuBLAS and cuDNN (and NCCL, {@link #loadNccl}) shipped as plain files inside a jar on the class
 * path, laid out as in {@code org.bytedeco:cuda:12.6-9.5-1.5.11:linux-x86_64-redist} (no presets
 * classes needed).
 * Used only after libjdnn_cuda's probe found a usable GPU and reported the vendor libraries
 * missing: the libraries need the driver. They are extracted into JavaCPP's cache and preloaded
 * globally, so that libjdnn_cuda's vendor binder, and cuDNN opening its own sub-libraries, find
 * them by soname.
 */
final class VendorRedist {
  static final String DIRECTORY = "org/bytedeco/cuda/linux-x86_64/";

  /** cuBLAS, one major only (the newest present), each library after the one it needs. */
  private static final String[][] CUBLAS = {
      {"libcublasLt.so.13", "libcublas.so.13"}, {"libcublasLt.so.12", "libcublas.so.12"}};

  /** cuDNN 9's sub-libraries after libcudnn_graph, which they all need; the front library last. */
  private static final String[] CUDNN = {"libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
      "libcudnn_engines_runtime_compiled.so.9", "libcudnn_engines_tensor_ir.so.9", "libcudnn_heuristic.so.9",
      "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn_ext.so.9", "libcudnn.so.9"};

  /**
   * NVRTC and nvJitLink, which cuDNN's runtime-compiled engines open by soname when they first need
   * them (the 12.6-9.5 redist jar carries libnvrtc.so.12, libnvrtc-builtins.so.12.6 and
   * libnvJitLink.so.12). The builtins' name carries the minor version, so minors are probed.
   */
  private static final int[] COMPILER_MAJORS = {13, 12};

  /** Loads one extracted library into the process; throws with the reason. */
  interface Preloader {
    void preload(String path);
  }

  /** What {@link #load} did, for the exception message when the retry still fails. */
  static final class Report {
    final List<String> preloaded = new ArrayList<>();
    final List<String> failures = new ArrayList<>();

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder("cuBLAS/cuDNN from the class path (" + DIRECTORY + "): ");
      s.append(preloaded.isEmpty() ? "none preloaded" : "preloaded " + String.join(", ", preloaded));
      if (!failures.isEmpty()) s.append("; failed: ").append(String.join("; ", failures));
      return s.toString();
    }
  }

  private VendorRedist() {}

  /** The file names of the redist libraries {@code loader} can see, in load order. */
  static List<String> find(ClassLoader loader) {
    List<String> found = new ArrayList<>();
    for (String[] major : CUBLAS) {
      if (loader.getResource(DIRECTORY + major[1]) == null) continue;
      for (String name : major) {
        if (loader.getResource(DIRECTORY + name) != null) found.add(name);
      }
      break;
    }
    for (int major : COMPILER_MAJORS) {
      if (loader.getResource(DIRECTORY + "libnvrtc.so." + major) == null) continue;
      List<String> compiler = new ArrayList<>();
      compiler.add("libnvJitLink.so." + major);
      for (int minor = 0; minor <= 9; minor++) compiler.add("libnvrtc-builtins.so." + major + "." + minor);
      compiler.add("libnvrtc.so." + major);
      for (String name : compiler) {
        if (loader.getResource(DIRECTORY + name) != null) found.add(name);
      }
      break;
    }
    for (String name : CUDNN) {
      if (loader.getResource(DIRECTORY + name) != null) found.add(name);
    }
    return found;
  }

  /** NCCL, which the redist jar carries beside cuBLAS (the presets link it); bound only by GPU collectives. */
  static final String NCCL = "libnccl.so.2";

  /**
   * Extracts the redist jar's NCCL, when {@code loader} sees one, and preloads it globally, so the
   * CUDA backend's NCCL binder finds it by soname. Called before a process's first GPU collective.
   *
   * @return what happened, for messages: "" when the jar has no NCCL
   */
  static String loadNccl(ClassLoader loader, Preloader preloader) {
    URL url = loader.getResource(DIRECTORY + NCCL);
    if (url == null) return "";
    try {
      preloader.preload(Loader.cacheResource(url).getAbsolutePath());
      return "preloaded " + NCCL + " from the class path";
    } catch (Exception | LinkageError e) {  // the binder's own search then runs, and its message says what is missing
      return "cannot load " + NCCL + " from the class path: " + e.getMessage();
    }
  }

  static boolean present() {
    return !find(VendorRedist.class.getClassLoader()).isEmpty();
  }

  static Report load() {
    return load(VendorRedist.class.getClassLoader(), path -> NativeErrors.check(JdnnNative.device_preload_library(path)));
  }

  /**
   * Extracts every library {@link #find} reports, then preloads them in that order. A failure is
   * recorded and the rest still tried: cuDNN loads some sub-libraries only when needed, so the
   * retried device load decides whether what did load is enough.
   */
  static Report load(ClassLoader loader, Preloader preloader) {
    Report report = new Report();
    // Extract all before loading any: a library's $ORIGIN dependencies must already be on disk,
    // beside it (JavaCPP caches one jar's directory as one directory).
    Map<String, File> files = new LinkedHashMap<>();
    for (String name : find(loader)) {
      try {
        URL url = loader.getResource(DIRECTORY + name);
        files.put(name, Loader.cacheResource(url));
      } catch (Exception | LinkageError e) {
        report.failures.add("cannot extract " + name + ": " + e);
      }
    }
    for (Map.Entry<String, File> e : files.entrySet()) {
      try {
        preloader.preload(e.getValue().getAbsolutePath());
        report.preloaded.add(e.getKey());
      } catch (RuntimeException | LinkageError t) {  // never let a bad library take the caller down
        report.failures.add(t.getMessage() != null ? t.getMessage() : e.getKey() + ": " + t);
      }
    }
    return report;
  }
}
