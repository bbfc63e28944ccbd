package org.jdnn.distributed;

import java.util.List;
import java.util.Locale;
import org.jdnn.data.ArrayDataset;
import org.jdnn.data.FashionMnist;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.nn.Linear;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Sequential;
import org.jdnn.optim.Adam;
import org.jdnn.optim.GradClip;
import org.jdnn.optim.GradScaler;
import org.jdnn.optim.Optimizer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Autocast;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * One rank of DistributedDataParallelTest: trains a model with DistributedDataParallel, each rank
 * on its own consecutive slice of every global batch, then rank 0 trains the same model in this
 * one process on the whole batches and prints the largest parameter difference ("MAXDIFF x").
 * Every rank starts from weights of its own seed, so only the constructor's broadcast of rank 0's
 * weights can make them agree; every rank prints its weights' bits ("WEIGHTS ..."). W1 trains with
 * SGD (momentum 0.9), whose steps scale with the gradient, so a sum where the average belongs
 * would show at once; the small model with Adam; "w1amp" is W1 under float16 autocast with a loss
 * scaler and gradient clipping. Args: model (w1 | w1amp | small), global batch, steps, and
 * optionally the device (cpu, the default, or cuda-emu: gradients then go through the emulated NCCL).
 */
public final class DdpWorker {
  // A loose clip: one that bound at every step would scale a sum where the average belongs back to
  // the same norm and hide it (DistributedDataParallelTest checks that such a bug still shows).
  static final double CLIP_NORM = 2.0;

  private DdpWorker() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int batch = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    Device device = args.length > 3 ? Device.byName(args[3]) : Device.cpu();
    Device.setDefault(device);  // models and batches on it: on a GPU device the gradients go through NCCL
    try (ProcessGroup group = ProcessGroup.fromEnvironment(); ArrayDataset data = data(kind, batch * steps)) {
      int world = group.worldSize();
      int shard = batch / world;
      Generator.manualSeed(1000 + group.rank());
      Layer replica = model(kind);
      DistributedDataParallel ddp = new DistributedDataParallel(replica, group, kind.startsWith("w1") ? 1 << 20 : 1 << 10);
      System.out.println("buckets " + ddp.bucketCount());
      train(ddp, data, batch, steps, group.rank() * shard, shard, kind);
      long hash = 1;
      for (Tensor p : replica.parameters()) for (float v : p.toFloatArray()) hash = hash * 1_000_003 + Float.floatToIntBits(v);
      System.out.println("WEIGHTS " + Long.toHexString(hash));
      if (group.rank() == 0) {
        Generator.manualSeed(1000);
        try (Layer reference = model(kind)) {
          train(reference, data, batch, steps, 0, batch, kind);
          List<Tensor> a = replica.parameters();
          List<Tensor> b = reference.parameters();
          double maxDiff = 0;
          for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i).toFloatArray();
            float[] y = b.get(i).toFloatArray();
            for (int j = 0; j < x.length; j++) maxDiff = Math.max(maxDiff, Math.abs(x[j] - y[j]));
          }
          System.out.printf(Locale.ROOT, "MAXDIFF %.3g%n", maxDiff);
        }
      }
      ddp.close();
      replica.close();
    }
  }

  private static Layer model(String kind) {
    return kind.startsWith("w1") ? FashionMnistMlp.model()
        : new Sequential(new Linear(20, 16), new ReLU(), new Linear(16, 16), new ReLU(), new Linear(16, 4));
  }

  // W1 on Fashion-MNIST's first images when the data set is installed (it is in CI), else on
  // random images; the small model on random data. The same on every rank.
  private static ArrayDataset data(String kind, int n) throws Exception {
    if (kind.startsWith("w1") && FashionMnist.isAvailable(FashionMnist.defaultDir())) {
      return FashionMnist.load(FashionMnist.defaultDir(), true, n, new long[] {784});
    }
    int features = kind.startsWith("w1") ? 784 : 20;
    int classes = kind.startsWith("w1") ? 10 : 4;
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    float[] x = new float[n * features];
    int[] y = new int[n];
    for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble();
    for (int i = 0; i < n; i++) y[i] = random.nextInt(classes);
    return ArrayDataset.withLabels(x, new long[] {features}, y);
  }

  // SGD lr 0.05 momentum 0.9 (W1) or Adam lr 1e-3, cross-entropy; step s reads rows [s * batch + from, + count).
  // "w1amp": W1 with float16 autocast, a loss scaler and gradient clipping at CLIP_NORM between the
  // unscale and the step (the order a mixed-precision loop with clipping needs).
  private static void train(Layer model, ArrayDataset data, int batch, int steps, int from, int count, String kind) {
    Optimizer adam = kind.startsWith("w1") ? new SGD(model.parameters(), 0.05).momentum(0.9) : new Adam(model.parameters(), 1e-3);
    CrossEntropyLoss loss = new CrossEntropyLoss();
    Device device = Device.defaultDevice();
    try (GradScaler scaler = kind.equals("w1amp") ? new GradScaler(device) : null) {
      for (int s = 0; s < steps; s++) {
        try (TensorScope scope = new TensorScope(); ArrayDataset part = data.rows(s * batch + from, s * batch + from + count)) {
          adam.zeroGrad();
          Tensor x = part.features().to(device);
          Tensor y = part.targets().to(device);
          if (scaler == null) {
            loss.compute(model.forward(x), y).backward();
            adam.step();
            continue;
          }
          Tensor l;
          try (Autocast.Scope half = Autocast.enable(DType.FLOAT16)) {
            l = loss.compute(model.forward(x), y);
          }
          scaler.scale(l).backward();
          scaler.unscale(adam);
          GradClip.byNorm(model.parameters(), CLIP_NORM);
          scaler.step(adam);
          scaler.update();
        }
      }
    }
  }
}
