package org.jdnn.testing;

import org.jdnn.tensor.Device;

/**
 * Bytes in use on a device once tensors that earlier tests left to the garbage collector are freed. bytesInUse is
 * global to the JVM: a leak check that reads it while the collector frees someone else's tensor would see memory come
 * back that it never took, so it settles first, running the collector until the figure stops moving.
 */
public final class SettledMemory {
  private SettledMemory() {}

  /**
   * @param device the device to read
   * @return its bytes in use, after the garbage collector has freed what it can
   */
  public static long bytesInUse(Device device) {
    long last = -1;
    for (int i = 0; i < 20 && device.bytesInUse() != last; i++) {
      last = device.bytesInUse();
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return device.bytesInUse();
  }
}
