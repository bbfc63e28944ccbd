package org.jdnn.nn;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.assertMessage;

import java.util.List;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;

/** GELU (nn.GELU: x Phi(x), or the tanh approximation) against float64 references, gradient checks, parity, messages. */
class GeluTest {
  @Test
  void geluIsExactOrTanhAsPyTorch() {
    try (TensorScope s = new TensorScope()) {
      Tensor x = LayerChecks.input(1, 4, 5);
      double[] xv = x.toDoubleArray(), exact = new double[xv.length], tanh = new double[xv.length];
      for (int i = 0; i < xv.length; i++) {
        exact[i] = AttentionRef.gelu(xv[i]);
        tanh[i] = AttentionRef.geluTanh(xv[i]);
      }
      assertAllClose(exact, new GELU().forward(x).toDoubleArray(), 1e-14, 1e-14, "GELU()");
      assertAllClose(tanh, new GELU("tanh").forward(x).toDoubleArray(), 1e-14, 1e-14, "GELU(tanh)");
      for (String a : List.of("none", "tanh")) LayerChecks.gradCheck(new GELU(a), LayerChecks.input(2, 3, 4));
    }
    LayerChecks.parity(GELU::new, 3, 7);
    LayerChecks.parity(() -> new GELU("tanh"), 3, 7);
    assertMessage(() -> new GELU("erf"), "GELU: approximate must be \"none\" or \"tanh\"", "erf");
  }
}
