package org.jdnn.tensor;

/**
 * A device was asked for that this machine cannot provide: no NVIDIA driver, no GPU, no cuBLAS or
 * cuDNN, or a jdnn build without the CUDA backend. The message names what is missing and how to
 * fix it. Nothing is left half-loaded: the CPU keeps working, and {@link Device#best()} falls
 * back to it.
 */
public final class DeviceUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * An unavailable device.
   *
   * @param message what is missing and how to fix it
   */
  public DeviceUnavailableException(String message) {
    super(message);
  }
}
