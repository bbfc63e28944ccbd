package org.jdnn.tensor;

/**
 * cuBLAS and cuDNN from the org.bytedeco:cuda presets, when those are on the classpath; tried after
 * {@link VendorRedist}. Used only after libjdnn_cuda's own probe found a usable GPU and reported
 * the vendor libraries missing: the presets cannot even load without the NVIDIA driver.
 * Reflection keeps the presets an optional dependency.
 */
final class VendorPresets {
  private static final String[] CLASSES = {"org.bytedeco.cuda.global.cudart", "org.bytedeco.cuda.global.cublas",
      "org.bytedeco.cuda.global.cudnn"};

  private VendorPresets() {}

  static boolean present() {
    try {
      Class.forName(CLASSES[0], false, VendorPresets.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Loads the presets' libraries into the process; returns null, or why it failed. */
  static String load() {
    try {
      for (String name : CLASSES) {
        Class<?> c = Class.forName(name, true, VendorPresets.class.getClassLoader());
        org.bytedeco.javacpp.Loader.load(c);
      }
      return null;
    } catch (Throwable t) {  // UnsatisfiedLinkError and friends: report, never crash the caller
      return "the org.bytedeco:cuda presets could not load: " + t;
    }
  }
}
