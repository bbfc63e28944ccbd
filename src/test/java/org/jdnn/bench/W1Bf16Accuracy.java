package org.jdnn.bench;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.bridge.JdnnNative;
import org.jdnn.data.FashionMnist;
import org.jdnn.examples.ClassifierTraining;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.examples.StandardizedFashionMnist;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.Generator;

/**
 * Measurement (not a test): W1 trained as benchmarks.md says (3 epochs, Adam 1e-3, batch 128),
 * then its test accuracy on all 10,000 Fashion-MNIST test images in float32 and with
 * {@link Layer#inferenceBf16(boolean)}, plus how many predictions change.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) org.jdnn.bench.W1Bf16Accuracy [epochs] [seed]
 * </pre>
 */
public final class W1Bf16Accuracy {
  private W1Bf16Accuracy() {}

  public static void main(String[] args) throws Exception {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    Path dir = FashionMnist.defaultDir();
    Generator.manualSeed(seed);
    try (StandardizedFashionMnist data = StandardizedFashionMnist.load(dir, 0, 0, new long[] {784});
        Layer model = FashionMnistMlp.model()) {
      ClassifierTraining.run(model, data.train, data.test, epochs, 128, 1e-3, seed, false);
      double fp32 = ClassifierTraining.accuracy(model, data.test, 256);
      double fp32b1 = ClassifierTraining.accuracy(model, data.test, 1);
      model.inferenceBf16(true);
      double bf = ClassifierTraining.accuracy(model, data.test, 256);
      double bfb1 = ClassifierTraining.accuracy(model, data.test, 1);
      System.out.printf(Locale.ROOT, "W1 %d epochs, seed %d, bf16 kernel %s: test accuracy float32 %.4f, bf16 %.4f "
          + "(batch 256), float32 %.4f, bf16 %.4f (batch 1); loss %.2f points%n", epochs, seed,
          JdnnNative.cpu_bf16_kernel(), fp32, bf, fp32b1, bfb1, 100 * (fp32 - bf));
    }
  }
}
