package org.jdnn.examples;

import java.nio.file.Path;
import org.jdnn.data.FashionMnist;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;

/**
 * Command-line options of the Fashion-MNIST examples: --epochs --batch --limit --seed --data --out --device.
 * The device (cpu, cuda, cuda-emu) defaults to {@link Device#best()}: the GPU when one is usable.
 */
final class ExampleArgs {
  int epochs;
  int batch = 128;
  int limit;
  long seed = 42;
  Path data = FashionMnist.defaultDir();
  Path out = Path.of("target", "fashion-mnist-fit");
  private String deviceName;

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
        case "--device": deviceName = v; break;
        default: throw new IllegalArgumentException("unknown argument " + name
            + " (expected --epochs, --batch, --limit, --seed, --data, --out, --device)");
      }
    }
    if (epochs <= 0 || batch <= 0) throw new IllegalArgumentException("--epochs and --batch must be positive");
  }

  /**
   * The device asked for with --device, else the best usable one. An unusable device ends the program with its
   * reason (what is missing, how to fix it) instead of a stack trace.
   */
  Device device() {
    try {
      return deviceName == null ? Device.best() : Device.byName(deviceName);
    } catch (DeviceUnavailableException | IllegalArgumentException e) {
      System.err.println("jdnn: " + e.getMessage());
      System.exit(2);
      throw e;  // not reached
    }
  }

  /** "cuda (NVIDIA ...)" or "cpu (2 threads, GEMM kernel avx512)": what the run uses, for its header line. */
  static String describe(Device device) {
    if (device.isCuda()) return device + " (" + device.describe() + ")";
    return "cpu (" + Device.cpuThreads() + " threads, GEMM kernel " + Device.cpuGemmKernel() + ")";
  }
}
