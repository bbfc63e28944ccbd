package org.jdnn.examples;

import java.nio.file.Path;
import java.util.Locale;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Layer;
import org.jdnn.nn.LayerNorm;
import org.jdnn.nn.Linear;
import org.jdnn.nn.TransformerEncoderLayer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;

/**
 * A small vision transformer on Fashion-MNIST: each 28x28 image is cut into 16 patches of 7x7
 * (a Conv2d of kernel and stride 7 projects each to a 64-wide token), learned position
 * embeddings are added, two pre-norm {@link TransformerEncoderLayer}s (4 heads, feed-forward 128,
 * GELU, dropout 0.1) mix the tokens, and the tokens' mean goes through a LayerNorm to a Linear
 * classifier. Adam lr 1e-3, batch 128, 5 epochs by default; prints the per-epoch loss, test
 * accuracy and training samples/s. Arguments as {@link FashionMnistMlp} (--epochs, --batch,
 * --limit, --seed, --data, --device, --precision fp32|bf16|fp16). Under bf16 or fp16 the products run in the 16-bit
 * type while the layer norms, the softmax and the loss run in float32, and the position embedding (a float32 parameter)
 * added to the patches' 16-bit tokens gives float32 tokens, as PyTorch's autocast and type promotion do.
 */
public final class FashionMnistVit {
  private static final String USAGE = "usage: FashionMnistVit [options]\n"
      + "A small vision transformer (16 patches of 7x7, two pre-norm encoder layers of width 64) trained on\n"
      + "Fashion-MNIST (Adam, 5 epochs by default), printing the loss, test accuracy, seconds and samples/s of every epoch.";

  private FashionMnistVit() {}

  /** Model width, tokens (4 x 4 patches), heads and feed-forward width. */
  static final int WIDTH = 64, TOKENS = 16, HEADS = 4, FEEDFORWARD = 128;

  public static void main(String[] args) throws Exception {
    if (ExampleArgs.helpRequested(args, USAGE)) return;
    ExampleArgs a = new ExampleArgs(5, args);
    ClassifierTraining.Result r = run(a.data, a.epochs, a.batch, a.limit, a.seed, a.device(), a.precision, true);
    System.out.printf(Locale.ROOT, "final test accuracy %.4f%n", r.testAccuracy);
  }

  /** The vision transformer: patches to tokens, position embeddings, two encoder layers, mean pooling, head. */
  static final class Vit extends Layer {
    private final Conv2d patches;
    private final TransformerEncoderLayer block0;
    private final TransformerEncoderLayer block1;
    private final LayerNorm norm;
    private final Linear head;

    Vit(Generator g) {
      patches = registerModule("patch_embed", new Conv2d(1, WIDTH, 7, ConvOptions.defaults().stride(7)));
      // learned position embeddings, small normal values as ViT initializes them
      Tensor pos = Tensor.empty(DType.FLOAT32, 1, TOKENS, WIDTH);
      g.normal(pos, 0, 0.02);
      registerParameter("pos_embed", pos);
      block0 = registerModule("block0", new TransformerEncoderLayer(WIDTH, HEADS, FEEDFORWARD, 0.1, "gelu", 1e-5, true, true,
          true));
      block1 = registerModule("block1", new TransformerEncoderLayer(WIDTH, HEADS, FEEDFORWARD, 0.1, "gelu", 1e-5, true, true,
          true));
      norm = registerModule("norm", new LayerNorm(WIDTH));
      head = registerModule("head", new Linear(WIDTH, 10));
    }

    /** (N, 1, 28, 28) images to (N, 10) class scores. */
    @Override
    public Tensor forward(Tensor images) {
      long n = images.dim(0);
      // (N, WIDTH, 4, 4) patch features -> (N, 16, WIDTH) tokens
      Tensor tokens = patches.call(images).reshape(n, WIDTH, TOKENS).transpose(1, 2).add(parameter("pos_embed"));
      Tensor x = block1.call(block0.call(tokens));
      return head.call(norm.call(x.mean(1, false)));
    }
  }

  /** Trains the ViT on {@code device} in float32; {@code limit} > 0 uses only the first {@code limit} training images. */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, Device device,
      boolean print) throws Exception {
    return run(dir, epochs, batchSize, limit, seed, device, DType.FLOAT32, print);
  }

  /**
   * As above, with the forward passes under {@link org.jdnn.tensor.Autocast} when {@code precision} is BFLOAT16 or
   * FLOAT16 (loss-scaled).
   */
  public static ClassifierTraining.Result run(Path dir, int epochs, int batchSize, int limit, long seed, Device device,
      DType precision, boolean print) throws Exception {
    Generator.manualSeed(seed);
    long[] image = {1, 28, 28};
    try (StandardizedFashionMnist data = StandardizedFashionMnist.load(dir, limit, 0, image);
        Layer model = new Vit(Generator.global()).to(device)) {
      if (print) {
        System.out.printf(Locale.ROOT, "ViT (16 patches of 7x7, width %d, 2 encoder layers, %d heads), %,d parameters;"
            + " %d train / %d test images, batch %d, %s, on %s%n", WIDTH, HEADS, model.parameterCount(), data.train.size(),
            data.test.size(), batchSize, precision, ExampleArgs.describe(device));
      }
      return ClassifierTraining.run(model, data.train, data.test, epochs, batchSize, 1e-3, seed, precision, print);
    }
  }
}
