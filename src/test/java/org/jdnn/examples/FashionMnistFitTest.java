package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jdnn.data.FashionMnist;
import org.jdnn.train.ModelCheckpoint;
import org.jdnn.train.ProgressLogger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistFitTest {
  @TempDir Path out;

  /** The README's fit() example on 3,000 images for 2 epochs: files written, the best model loads and classifies. */
  @Test
  void fitExampleWritesCheckpointsAndPictures() throws Exception {
    Path dir = FashionMnist.defaultDir();
    assumeTrue(FashionMnist.isAvailable(dir), "Fashion-MNIST not installed in " + dir);
    ProgressLogger quiet = new ProgressLogger(new PrintStream(new ByteArrayOutputStream()), false, 10);
    double accuracy = FashionMnistFit.run(dir, out, 2, 128, 3000, 1, quiet);
    assertTrue(accuracy > 0.7, "test accuracy " + accuracy);
    for (String f : new String[] {ModelCheckpoint.BEST, ModelCheckpoint.LAST, "curves.png", "first-layer.png"}) {
      assertTrue(Files.size(out.resolve(f)) > 1000, f);
    }
  }

  /**
   * The same under bfloat16 autocast: its main parsed --precision and trained in float32 regardless until 2026-12-05;
   * the trainer now runs mixed precision, and the checkpointed best model classifies as well (0.7788 seen on cpu,
   * 0.7784 in float32).
   */
  @Test
  void fitExampleTrainsUnderBfloat16() throws Exception {
    Path dir = FashionMnist.defaultDir();
    assumeTrue(FashionMnist.isAvailable(dir), "Fashion-MNIST not installed in " + dir);
    ProgressLogger quiet = new ProgressLogger(new PrintStream(new ByteArrayOutputStream()), false, 10);
    double accuracy = FashionMnistFit.run(dir, out, 2, 128, 3000, 1, org.jdnn.tensor.Device.cpu(),
        org.jdnn.tensor.DType.BFLOAT16, quiet);
    assertTrue(accuracy > 0.7, "test accuracy " + accuracy);
  }
}
