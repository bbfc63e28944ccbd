package org.jdnn.distributed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdnn.data.FashionMnist;
import org.jdnn.examples.FashionMnistMlp;
import org.junit.jupiter.api.Test;

/**
 * The main job as two ranks (what {@code scripts/train-fashion-mnist.sh --nproc 2} starts through
 * scripts/jdnn-run): rank 0 prints the single-process run's lines, with the batch split over the
 * ranks, and a test accuracy a one-epoch run on 2,560 images reaches; rank 1 prints none of them.
 */
class DistributedExampleTest {
  @Test
  void theMainJobRunsAsTwoRanksAndOnlyRankZeroReports() {
    assumeTrue(Ranks.glooBuilt(), "this build has no libjdnn_gloo (libgloo-dev was not installed when it was built)");
    assumeTrue(FashionMnist.isAvailable(FashionMnist.defaultDir()), "Fashion-MNIST not installed in "
        + FashionMnist.defaultDir() + " (apt-get install dataset-fashion-mnist)");
    List<Ranks.Result> results = Ranks.run(2, 300, FashionMnistMlp.class, "--epochs", "1", "--limit", "2560", "--device",
        "cpu");
    Ranks.requireAllSucceeded(results);
    String zero = results.get(0).output();
    assertTrue(zero.contains("batch 128 (split over 2 ranks)"), zero);
    Matcher epoch = Pattern.compile("epoch 1/1  loss (\\S+)  test accuracy (\\S+)  .* samples/s").matcher(zero);
    assertTrue(epoch.find(), zero);
    Matcher last = Pattern.compile("final test accuracy (\\S+)").matcher(zero);
    assertTrue(last.find(), zero);
    double accuracy = Double.parseDouble(last.group(1));
    assertTrue(accuracy > 0.6 && accuracy < 1, "accuracy " + accuracy + " after one epoch of 2,560 images\n" + zero);
    String one = results.get(1).output();
    assertFalse(one.contains("epoch") || one.contains("accuracy"), "rank 1 should print nothing: " + one);
  }
}
