package org.jdnn.examples;

import java.nio.file.Path;
import org.jdnn.data.FashionMnist;
import org.jdnn.distributed.ProcessGroup;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.DeviceUnavailableException;

/**
 * Command-line options of the Fashion-MNIST examples: --epochs --batch --limit --seed --data --out --device
 * --precision. The device (cpu, cuda, cuda-emu) defaults to {@link Device#best()}: the GPU when one is usable. The
 * precision is fp32 (default), bf16 (the products under {@link Autocast} in bfloat16) or fp16 (in float16, with the
 * loss scaled by a {@link org.jdnn.optim.GradScaler}, as float16 gradients below 2^-24 would vanish without it).
 */
final class ExampleArgs {
  /** The options' description, for --help. */
  static final String OPTIONS = "options (all optional):\n"
      + "  --epochs N      epochs to train\n"
      + "  --batch N       batch size (default 128)\n"
      + "  --limit N       use only the first N training images (default: all)\n"
      + "  --seed N        seed of initialization and shuffling (default 42)\n"
      + "  --data DIR      the Fashion-MNIST directory (default $JDNN_FASHION_MNIST or /usr/share/datasets/fashion-mnist)\n"
      + "  --out DIR       where files are written, for the programs that write any\n"
      + "  --device NAME   cpu, cuda or cuda-emu (default: the GPU when one is usable, else the CPU)\n"
      + "  --precision P   fp32 (default), bf16 or fp16";

  int epochs;
  int batch = 128;
  int limit;
  long seed = 42;
  Path data = FashionMnist.defaultDir();
  Path out = Path.of("target", "fashion-mnist-fit");
  /** FLOAT32, or BFLOAT16 for --precision bf16, FLOAT16 for fp16. */
  DType precision = DType.FLOAT32;
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
        case "--precision": precision = precision(v); break;
        default: throw new IllegalArgumentException("unknown argument " + name
            + " (expected --epochs, --batch, --limit, --seed, --data, --out, --device, --precision)");
      }
    }
    if (epochs <= 0 || batch <= 0) throw new IllegalArgumentException("--epochs and --batch must be positive");
  }

  /**
   * Prints {@code usage} and {@link #OPTIONS} and returns true when {@code args} hold --help or -h. It touches only
   * java.base, so a program's --help answers from the jar alone, before any tensor or native library is loaded.
   */
  static boolean helpRequested(String[] args, String usage) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(usage + "\n" + OPTIONS);
        return true;
      }
    }
    return false;
  }

  /** The dtype of a --precision value. */
  static DType precision(String v) {
    switch (v) {
      case "fp32": return DType.FLOAT32;
      case "bf16": return DType.BFLOAT16;
      case "fp16": return DType.FLOAT16;
      default: throw new IllegalArgumentException("--precision must be fp32, bf16 or fp16, got " + v);
    }
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

  /**
   * The job's process group when scripts/jdnn-run started this process as one of several ranks (WORLD_SIZE above 1),
   * else null. Those ranks train on the CPU (the group runs on Gloo), so another --device is refused.
   */
  ProcessGroup joinIfLaunched(Device device) {
    String world = System.getenv("WORLD_SIZE");
    if (world == null || world.isBlank() || Integer.parseInt(world.trim()) <= 1) return null;
    if (device.isCuda()) {
      System.err.println("jdnn: a multi-process run trains on the CPU (its process group runs on Gloo); drop --device "
          + device + " or run one process");
      System.exit(2);
    }
    return ProcessGroup.fromEnvironment();
  }

  /** " (split over N ranks)" for a data-parallel run's header line, else "". */
  static String ranks(ProcessGroup group) {
    return group == null ? "" : " (split over " + group.worldSize() + " ranks)";
  }

  /** "cuda (NVIDIA ...)" or "cpu (2 threads, GEMM kernel avx512)": what the run uses, for its header line. */
  static String describe(Device device) {
    if (device.isCuda()) return device + " (" + device.describe() + ")";
    return "cpu (" + Device.cpuThreads() + " threads, GEMM kernel " + Device.cpuGemmKernel() + ")";
  }
}
