package org.jdnn.tensor;

/**
 * cuBLAS or cuDNN, the NVIDIA libraries the CUDA backend calls, returned a failure status (or a
 * library file could not be loaded). The message names the library call and the library's own
 * status text; a status such as NOT_SUPPORTED usually means the combination of shapes, dtypes and
 * settings is one the installed library version does not handle.
 */
public final class VendorLibraryException extends DeviceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the library call, its status and the library's text for it
   */
  public VendorLibraryException(String message) {
    super(message);
  }
}
