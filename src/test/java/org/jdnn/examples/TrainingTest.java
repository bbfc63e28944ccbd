package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.jdnn.data.FashionMnist;
import org.junit.jupiter.api.Test;

class TrainingTest {
  @Test
  void xorIsLearnedByATwoTwoOneNetwork() {
    double[] p = Xor.train(1, 1500, false);
    assertTrue(p[0] < 0.1 && p[1] > 0.9 && p[2] > 0.9 && p[3] < 0.1,
        "predictions " + java.util.Arrays.toString(p));
  }

  @Test
  void squareIsFittedOnMinusOneToOne() {
    double mse = SquareFit.train(7, 1500, false);
    assertTrue(mse < 1e-3, "test mse " + mse);
  }

  /** Two epochs on the first 20,000 training images reach 0.82 test accuracy on all 10,000 test images (0.84 seen). */
  @Test
  void fashionMnistSubsetReachesAStatedAccuracy() throws Exception {
    ClassifierTraining.Result r = FashionMnistMlp.run(installedFashionMnist(), 2, 128, 20_000, 42, false);
    assertTrue(r.testAccuracy >= 0.82, "test accuracy " + r.testAccuracy);
  }

  /** W2 (the CNN) for one epoch on the first 4,000 training images reaches 0.72 test accuracy (0.776 seen). */
  @Test
  void fashionMnistCnnSubsetReachesAStatedAccuracy() throws Exception {
    ClassifierTraining.Result r = FashionMnistCnn.run(installedFashionMnist(), 1, 128, 4_000, 42, false);
    assertTrue(r.testAccuracy >= 0.72, "test accuracy " + r.testAccuracy);
  }

  /**
   * The vision transformer (FashionMnistVit: patches, two encoder layers) for one epoch on the first 6,000 training
   * images reaches 0.60 test accuracy (0.6488 seen on cpu), so its layers learn together.
   */
  @Test
  void fashionMnistVitSubsetReachesAStatedAccuracy() throws Exception {
    ClassifierTraining.Result r = FashionMnistVit.run(installedFashionMnist(), 1, 128, 6_000, 42, org.jdnn.tensor.Device.cpu(),
        false);
    assertTrue(r.testAccuracy >= 0.60, "test accuracy " + r.testAccuracy);
  }

  /** The ViT's main refuses --precision bf16/fp16 (it used to parse it and train in float32 regardless). */
  @Test
  void fashionMnistVitMainRefusesAPrecisionItCannotTrainIn() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> FashionMnistVit.main(new String[] {"--precision", "bf16", "--data", "/nonexistent"}));
    assertTrue(e.getMessage().startsWith("FashionMnistVit trains in float32 only, got --precision bf16"), e.getMessage());
  }

  /** The data set's directory; the calling test is skipped, saying how to install it, where it is missing. */
  private static Path installedFashionMnist() {
    Path dir = FashionMnist.defaultDir();
    assumeTrue(FashionMnist.isAvailable(dir), "Fashion-MNIST not installed in " + dir
        + " (apt-get install dataset-fashion-mnist); .ci/run installs it");
    return dir;
  }
}
