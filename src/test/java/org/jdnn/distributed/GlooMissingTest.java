package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A machine whose libgloo0 is missing or broken gets a message naming the package to install, not
 * the loader's bare error: a separate JVM runs with an unloadable libgloo.so.0 (one byte) first on
 * LD_LIBRARY_PATH, where the dynamic loader stops at it when it loads libjdnn_gloo.
 */
class GlooMissingTest {
  @Test
  void aMissingLibgloo0IsNamedWithThePackageToInstall() throws Exception {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
    Path dir = Files.createTempDirectory("jdnn-broken-gloo");
    Path lib = Files.write(dir.resolve("libgloo.so.0"), new byte[] {0});
    try {
      List<Ranks.Result> results = Ranks.run(1, 60, Map.of("LD_LIBRARY_PATH", dir.toString()), GlooMissingProbe.class);
      Ranks.Result r = results.get(0);
      assertEquals(0, r.status(), r.toString());
      assertTrue(r.output().contains("REFUSED: "), r.toString());
      assertTrue(r.output().contains("libgloo.so.0"), "the message does not name the library: " + r);
      assertTrue(r.output().contains("apt-get install libgloo0"), "the message does not say what to install: " + r);
    } finally {
      Files.deleteIfExists(lib);
      Files.deleteIfExists(dir);
    }
  }
}
