package org.jdnn.distributed;

/**
 * A distributed job failed: a rank did not arrive or died, a collective timed out, or rendezvous
 * failed. The message names the operation, what was expected, what happened and what to check
 * (for a failed collective: the ranks that died or had not arrived). A
 * {@link org.jdnn.tensor.CommunicationException}, so one catch takes the engine's failures and the
 * job's.
 */
public class DistributedException extends org.jdnn.tensor.CommunicationException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, what was expected and what to check
   */
  public DistributedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what failed, what was expected and what to check
   * @param cause the error underneath (an {@link java.io.IOException} of the connection, for example)
   */
  public DistributedException(String message, Throwable cause) {
    super(message, cause);
  }
}
