package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.GradMode;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated and byte-flipped model files: each must fail with a clear IOException, none may crash, hang or leak. */
class ModelFileFuzzTest {
  @TempDir Path dir;

  @Test
  void everyCorruptFileIsRejectedWithAClearMessage() throws IOException {
    Path good = dir.resolve("good.safetensors");
    try (Layer m = ModelFileTest.sample()) {
      ModelFile.save(good, m, new Normalizer(false, new double[12], filled(12, 2.0)));
    }
    try (SavedModel ok = ModelFile.load(good)) {
      assertTrue(ok.model().parameterCount() > 0);
    }
    byte[] original = Files.readAllBytes(good);
    SplittableRandom rng = new SplittableRandom(2024);
    Path bad = dir.resolve("bad.safetensors");
    long memoryBefore = Device.cpu().bytesInUse();
    int cases = 1200;
    Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int i = 0; i < cases; i++) {
        byte[] b;
        String what;
        if (i % 3 == 0) {
          int len = rng.nextInt(original.length);
          b = Arrays.copyOf(original, len);
          what = "truncated to " + len;
        } else {
          b = original.clone();
          int flips = i % 3 == 1 ? 1 : 1 + rng.nextInt(8);
          StringBuilder sb = new StringBuilder("flipped");
          for (int k = 0; k < flips; k++) {
            int at = rng.nextInt(b.length);
            b[at] ^= (byte) (1 + rng.nextInt(255));
            sb.append(' ').append(at);
          }
          what = sb.toString();
        }
        Files.write(bad, b);
        try (GradMode.Guard g = GradMode.disable(); SavedModel loaded = ModelFile.load(bad)) {
          fail("case " + i + " (" + what + ") loaded without error");
        } catch (IOException e) {
          String msg = e.getMessage();
          assertTrue(msg != null && msg.startsWith(bad.toString() + ": ") && msg.length() > bad.toString().length() + 10,
              "case " + i + " (" + what + "): unclear message: " + msg);
        }
      }
    });
    // <=, not ==: the Cleaner may free tensors other tests left to the GC while this one runs
    long after = Device.cpu().bytesInUse();
    assertTrue(after <= memoryBefore, "native memory leaked by rejected loads: " + memoryBefore + " -> " + after);
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }
}
