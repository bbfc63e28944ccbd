package org.jdnn.distributed;

import java.time.Duration;
import org.jdnn.tensor.CommunicationException;
import org.jdnn.tensor.Communicator;

/**
 * GlooMissingTest's process: tries to open a Gloo group of one rank and prints "REFUSED: " and the
 * message, or "OPENED" when the Gloo engine loaded (which, with the planted unloadable libgloo.so.0
 * first on the loader's path, it must not).
 */
public final class GlooMissingProbe {
  private GlooMissingProbe() {}

  public static void main(String[] args) {
    try (Communicator c = Communicator.openGloo(0, 1, "127.0.0.1", 1, "probe/", "127.0.0.1", null, Duration.ofSeconds(2))) {
      System.out.println("OPENED " + c.engine());
    } catch (CommunicationException e) {
      System.out.println("REFUSED: " + e.getMessage());
    }
  }
}
