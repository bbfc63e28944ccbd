package org.jdnn.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Deeplearning4j 1.0.0-M2.1 on nd4j-native (CPU): MultiLayerNetwork with its default workspaces,
 * fit(features, one-hot labels) per batch, batches by Nd4j.pullRows from arrays holding the whole
 * data set, output(x, false) for inference. Softmax + MCXENT is DL4J's softmax cross-entropy.
 * Dropout 0.5 before the last Linear is the output layer's dropOut(0.5) (DL4J applies a layer's
 * dropout to its input; 0.5 is the retain probability, the same as PyTorch's p = 0.5).
 */
public final class Dl4jBench implements BenchSystem {
  private INDArray trainX, trainY, testX;
  private int[] testLabels;
  private MultiLayerNetwork net;

  public static void main(String[] args) throws Exception {
    Harness.run(new Dl4jBench(), args);
  }

  @Override
  public String name() {
    return "dl4j";
  }

  @Override
  public Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("deeplearning4j", Stats.declaredVersion("dl4j"));
    v.put("openblas_preset", Stats.declaredVersion("dl4j.openblas"));
    v.put("javacpp", Stats.declaredVersion("dl4j.javacpp"));
    v.put("backend", Nd4j.getBackend().getClass().getSimpleName());
    v.put("blas", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
    v.put("max_threads", String.valueOf(Nd4j.getEnvironment().maxThreads()));
    v.put("max_master_threads", String.valueOf(Nd4j.getEnvironment().maxMasterThreads()));
    return v;
  }

  @Override
  public void configure(int threads) {
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    // DL4J's performance guide: with workspaces, periodic System.gc() only costs time.
    Nd4j.getMemoryManager().togglePeriodicGc(false);
  }

  @Override
  public String unsupported(Model m) {
    return null;
  }

  @Override
  public void load(FashionData d) {
    trainX = Nd4j.create(d.trainX, new long[] {d.trainN, FashionData.PIXELS}, DataType.FLOAT);
    float[] oneHot = new float[d.trainN * 10];
    for (int i = 0; i < d.trainN; i++) oneHot[i * 10 + d.trainY[i]] = 1;
    trainY = Nd4j.create(oneHot, new long[] {d.trainN, 10}, DataType.FLOAT);
    testX = Nd4j.create(d.testX, new long[] {d.testN, FashionData.PIXELS}, DataType.FLOAT);
    testLabels = d.testY.clone();
  }

  @Override
  public void build(Model m, long seed, double lr) {
    release();
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(lr))
        .weightInit(WeightInit.RELU)
        .list();
    MultiLayerConfiguration conf;
    if (m == Model.W1_MLP) {
      conf = b.layer(new DenseLayer.Builder().nIn(784).nOut(512).activation(Activation.RELU).build())
          .layer(new DenseLayer.Builder().nIn(512).nOut(256).activation(Activation.RELU).build())
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(10)
              .activation(Activation.SOFTMAX).build())
          .build();
    } else {
      conf = b.layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(32).stride(1, 1).padding(1, 1)
              .activation(Activation.IDENTITY).build())
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
          .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).stride(1, 1).padding(1, 1)
              .activation(Activation.IDENTITY).build())
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
          .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
          .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
          .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).dropOut(0.5)
              .activation(Activation.SOFTMAX).build())
          .setInputType(InputType.convolutionalFlat(28, 28, 1))
          .build();
    }
    net = new MultiLayerNetwork(conf);
    net.init();
  }

  @Override
  public void train(int[] order, int batch, int fromBatch, int toBatch) {
    for (int b = fromBatch; b < toBatch; b++) {
      int from = b * batch, to = Math.min(order.length, from + batch);
      if (from >= to) break;
      int[] idx = java.util.Arrays.copyOfRange(order, from, to);
      INDArray x = Nd4j.pullRows(trainX, 1, idx), y = Nd4j.pullRows(trainY, 1, idx);
      net.fit(x, y);
      x.close();
      y.close();
    }
  }

  @Override
  public double testAccuracy() {
    long n = testX.rows(), correct = 0;
    for (long from = 0; from < n; from += 1000) {
      long to = Math.min(n, from + 1000);
      INDArray out = net.output(testX.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)), false);
      long[] pred = Nd4j.argMax(out, 1).toLongVector();
      for (int i = 0; i < pred.length; i++) if (pred[i] == testLabels[(int) from + i]) correct++;
    }
    return (double) correct / n;
  }

  @Override
  public void evalMode() {
    // DL4J selects train/test behaviour per call: output(x, false) is inference mode.
  }

  @Override
  public Runnable inferer(int batch) {
    INDArray x = testX.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch)).dup();
    MultiLayerNetwork m = net;
    return () -> m.output(x, false).close();
  }

  @Override
  public void release() {
    net = null;
  }

  @Override
  public double sgemmGflops(int n, int reps) {
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n), b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    double[] r = new double[reps];
    for (int i = -1; i < reps; i++) {
      long t = System.nanoTime();
      a.mmuli(b, c);
      double sec = (System.nanoTime() - t) / 1e9;
      if (i >= 0) r[i] = 2.0 * n * n * n / sec / 1e9;
    }
    return Stats.max(r);
  }
}
