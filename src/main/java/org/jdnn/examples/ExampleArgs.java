package org.jdnn.examples;

import java.nio.file.Path;
import org.jdnn.data.FashionMnist;

/** Command-line options of the Fashion-MNIST examples: --epochs --batch --limit --seed --data --out. */
final class ExampleArgs {
  int epochs;
  int batch = 128;
  int limit;
  long seed = 42;
  Path data = FashionMnist.defaultDir();
  Path out = Path.of("target", "fashion-mnist-fit");

  ExampleArgs(int defaultEpochs, String[] args) {
    epochs = defaultEpochs;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + name);
      String v = args[++i];
      switch (name) {
        case "--epochs": epochs = Integer.parseInt(v); break;
        case "--batch": batch = Integer.parseInt(v); break;
        case "--limit": limit = Integer.parseInt(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--data": data = Path.of(v); break;
        case "--out": out = Path.of(v); break;
        default: throw new IllegalArgumentException("unknown argument " + name
            + " (expected --epochs, --batch, --limit, --seed, --data, --out)");
      }
    }
    if (epochs <= 0 || batch <= 0) throw new IllegalArgumentException("--epochs and --batch must be positive");
  }
}
