package org.jdnn.optim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** The one assertion every bad-argument test makes: IllegalArgumentException whose message names the culprit. */
public final class Rejections {
  private Rejections() {}

  public static void assertRejected(String expectedInMessage, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage() != null && ex.getMessage().contains(expectedInMessage),
        "message should name " + expectedInMessage + ": " + ex.getMessage());
  }
}
