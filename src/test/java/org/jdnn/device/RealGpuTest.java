package org.jdnn.device;

import static org.jdnn.testing.OpTestSupport.assertAllClose;
import static org.jdnn.testing.OpTestSupport.uniform;
import static org.jdnn.testing.OpTestSupport.values;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdnn.data.ArrayDataset;
import org.jdnn.examples.FashionMnistCnn;
import org.jdnn.examples.FashionMnistMlp;
import org.jdnn.tensor.Conv2dGeometry;
import org.jdnn.tensor.ConvOps;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.OnDevice;
import org.jdnn.testing.OpTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend on a real GPU: skipped, with the reason the GPU is unusable, elsewhere. The
 * default device is the GPU in every test ({@link OnDevice}).
 */
@OnDevice("cuda")
class RealGpuTest {
  @Test
  void describeNamesTheGpuAndBestPicksIt() {
    String d = Device.cuda().describe();
    assertTrue(d.contains("sm_") && d.contains("CUDA runtime"), d);
    assertFalse(d.contains("emulat"), d);
    if (System.getProperty("jdnn.device") == null) assertSame(Device.cuda(), Device.best());
    assertSame(Device.cuda(), Tensor.zeros(2).device());
  }

  @Test
  void matmulAgreesWithTheCpu() {
    Random r = new Random(1);
    for (DType dt : OpTestSupport.FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] a = uniform(r, 67 * 129, -1, 1), b = uniform(r, 129 * 33, -1, 1);
        Tensor ga = OpTestSupport.make(a, dt, 67, 129), gb = OpTestSupport.make(b, dt, 129, 33);
        Tensor ca = ga.to(Device.cpu()), cb = gb.to(Device.cpu());
        double tol = dt == DType.FLOAT64 ? 1e-12 : 1e-5;
        assertAllClose(values(ca.matmul(cb)), values(ga.matmul(gb).to(Device.cpu())), tol, tol, dt + " matmul");
        assertAllClose(values(ca.matmul(ca, false, true)), values(ga.matmul(ga, false, true).to(Device.cpu())), tol, tol,
            dt + " matmul A A^T");
      }
    }
  }

  @Test
  void convolutionForwardAndBackwardAgreeWithTheCpu() {
    Random r = new Random(2);
    for (DType dt : OpTestSupport.FLOATS) {
      try (TensorScope s = new TensorScope()) {
        double[] x = uniform(r, 3 * 5 * 11 * 9, -1, 1), w = uniform(r, 8 * 5 * 3 * 3, -1, 1), b = uniform(r, 8, -1, 1);
        double tol = dt == DType.FLOAT64 ? 1e-10 : 1e-4;
        double[][] cpu = conv(Device.cpu(), dt, x, w, b), gpu = conv(Device.cuda(), dt, x, w, b);
        String[] names = {"y", "dx", "dw", "db"};
        for (int i = 0; i < 4; i++) assertAllClose(cpu[i], gpu[i], tol, tol, dt + " conv2d " + names[i]);
      }
    }
  }

  // stride 2, asymmetric padding, groups 1: output, then the gradients of sum(y * y).
  private static double[][] conv(Device d, DType dt, double[] x, double[] w, double[] b) {
    Tensor tx = OpTestSupport.make(x, dt, 3, 5, 11, 9).to(d).requiresGrad(true);
    Tensor tw = OpTestSupport.make(w, dt, 8, 5, 3, 3).to(d).requiresGrad(true);
    Tensor tb = OpTestSupport.make(b, dt, 8).to(d).requiresGrad(true);
    Tensor y = ConvOps.conv2d(tx, tw, tb, new Conv2dGeometry(2, 1, 1, 0, 2, 1, 1, 1, 1), "Conv2d");
    y.mul(y).sum().backward();
    Function<Tensor, double[]> host = t -> values(t.to(Device.cpu()));
    return new double[][] {host.apply(y), host.apply(tx.grad()), host.apply(tw.grad()), host.apply(tb.grad())};
  }

  @Test
  void trainingStepsAgreeWithTheCpu() {
    Device gpu = Device.cuda();
    try (ArrayDataset mlpData = TrainingParity.syntheticImages(48, new long[] {784}, 31);
        ArrayDataset cnnData = TrainingParity.syntheticImages(48, new long[] {1, 28, 28}, 32)) {
      TrainingParity.assertSameTraining(
          TrainingParity.train(FashionMnistMlp::model, TrainingParity::sgd, Device.cpu(), mlpData, 16, 3, 8, null),
          TrainingParity.train(FashionMnistMlp::model, TrainingParity::sgd, gpu, mlpData, 16, 3, 8, null),
          1e-3, 1e-4, "W1 (SGD) on the GPU");
      TrainingParity.assertSameTraining(
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::sgd, Device.cpu(), cnnData, 16, 3, 9, null),
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::sgd, gpu, cnnData, 16, 3, 9, null),
          1e-3, 1e-4, "W2 (SGD) on the GPU");
      TrainingParity.assertSameAdamTraining(
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::adam, Device.cpu(), cnnData, 16, 3, 9, null),
          TrainingParity.train(FashionMnistCnn::model, TrainingParity::adam, gpu, cnnData, 16, 3, 9, null),
          1e-3, 1e-4, "W2 (Adam) on the GPU");
      // steps after the second allocate nothing (see TrainingParityTest.steadyStateStepsAllocateNoDeviceMemory)
      TrainingParity.Run steady =
          TrainingParity.train(FashionMnistMlp::model, TrainingParity::adam, gpu, mlpData, 12, 4, 8, gpu::deviceMallocs);
      long[] m = steady.mallocsAfterStep();
      assertTrue(m[1] == m[2] && m[2] == m[3], "device mallocs after each step: " + java.util.Arrays.toString(m));
    }
  }

  @Test
  void tf32TogglesAndOnlyLoosensFloat32Products() {
    Device gpu = Device.cuda();
    Random r = new Random(3);
    int m = 128, k = 2048, n = 128;
    double[] a = uniform(r, m * k, -1, 1), b = uniform(r, k * n, -1, 1);
    try (TensorScope s = new TensorScope()) {
      double[] exact = values(OpTestSupport.make(a, DType.FLOAT64, m, k).to(Device.cpu())
          .matmul(OpTestSupport.make(b, DType.FLOAT64, k, n).to(Device.cpu())));
      Tensor ga = OpTestSupport.make(a, DType.FLOAT32, m, k), gb = OpTestSupport.make(b, DType.FLOAT32, k, n);
      try {
        gpu.setTf32(true);
        assertTrue(gpu.describe().contains("TF32 on"), gpu.describe());
        double tf32Err = maxAbsDiff(exact, values(ga.matmul(gb).to(Device.cpu())));
        gpu.setTf32(false);
        assertFalse(gpu.describe().contains("TF32 on"), gpu.describe());
        double strictErr = maxAbsDiff(exact, values(ga.matmul(gb).to(Device.cpu())));
        // sums of 2048 products of size <= 1: float32 rounding stays near 1e-4, TF32's 10-bit mantissa near 1e-1
        assertTrue(strictErr < 1e-3, "float32 error with TF32 off: " + strictErr);
        assertTrue(tf32Err < 0.5, "TF32 error: " + tf32Err);
        if (computeCapability(gpu) >= 80) {
          assertTrue(tf32Err > 4 * strictErr, "TF32 should round products on sm_80+: " + tf32Err + " vs " + strictErr);
        }
        // float64 never uses TF32
        gpu.setTf32(true);
        double f64Err = maxAbsDiff(exact, values(OpTestSupport.make(a, DType.FLOAT64, m, k)
            .matmul(OpTestSupport.make(b, DType.FLOAT64, k, n)).to(Device.cpu())));
        assertTrue(f64Err < 1e-9, "float64 error with TF32 on: " + f64Err);
      } finally {
        gpu.setTf32(false);
      }
    }
  }

  private static double maxAbsDiff(double[] a, double[] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    return worst;
  }

  private static int computeCapability(Device d) {
    Matcher m = Pattern.compile("sm_(\\d+)").matcher(d.describe());
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }
}
