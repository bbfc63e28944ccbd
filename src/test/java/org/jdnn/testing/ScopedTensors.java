package org.jdnn.testing;

import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs each test of a class inside its own {@link TensorScope}: tensors the test creates and does not
 * keep are closed when it ends, deterministically, instead of being reported and freed by the garbage
 * collector. For test classes that build many intermediate tensors per case (parity sweeps).
 * Use with {@code @ExtendWith(ScopedTensors.class)}.
 */
public final class ScopedTensors implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ScopedTensors.class);

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put("scope", new TensorScope());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TensorScope scope = context.getStore(NAMESPACE).remove("scope", TensorScope.class);
    if (scope != null) scope.close();
  }
}
