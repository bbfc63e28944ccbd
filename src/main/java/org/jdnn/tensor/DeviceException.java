package org.jdnn.tensor;

/**
 * A device failed while running an op: a CUDA runtime error (a failed launch, an illegal memory
 * access), or an op the device's backend does not implement. The message names the op, the call
 * that failed and the device's own error text. After a CUDA error that leaves the context broken
 * (an illegal address, a launch failure) the process must be restarted to use that GPU again, as
 * with PyTorch.
 *
 * <p>Its subclasses say more: {@link DeviceOutOfMemoryException} (a device, the host included, ran
 * out of memory) and {@link VendorLibraryException} (cuBLAS or cuDNN returned a failure status).
 * A device that cannot be used at all is reported earlier, when it loads, as a
 * {@link DeviceUnavailableException}.
 */
public class DeviceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, on which device, and the device's own error text
   */
  public DeviceException(String message) {
    super(message);
  }
}
