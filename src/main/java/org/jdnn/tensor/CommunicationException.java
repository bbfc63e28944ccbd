package org.jdnn.tensor;

/**
 * A collective operation of a {@link Communicator} could not complete: a peer process died, closed
 * its connection, or did not arrive within the timeout. The message names the operation and what
 * the engine (Gloo or NCCL) reported. The communicator cannot be used afterwards; a distributed job
 * treats this as fatal for every rank (org.jdnn.distributed names the ranks that failed).
 */
public class CommunicationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message the operation and what failed
   */
  public CommunicationException(String message) {
    super(message);
  }

  /**
   * @param message the operation and what failed
   * @param cause the engine's failure
   */
  public CommunicationException(String message, Throwable cause) {
    super(message, cause);
  }
}
