package org.jdnn.tensor;

/**
 * A device ran out of memory for a tensor or an op's workspace: GPU memory on CUDA, host memory on
 * the CPU. jdnn has already returned its cached blocks to the device and retried once. The message
 * says how many bytes were asked for and how many live tensors hold; close tensors (a
 * {@link TensorScope} per step), use smaller batches, or call {@link Device#releaseCached()}.
 */
public final class DeviceOutOfMemoryException extends DeviceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the size asked for, the memory held, and what to do
   */
  public DeviceOutOfMemoryException(String message) {
    super(message);
  }
}
