package org.jdnn.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdnn.data.Normalizer;
import org.jdnn.nn.Add;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Flatten;
import org.jdnn.nn.GlobalAvgPool2d;
import org.jdnn.nn.Identity;
import org.jdnn.nn.Layer;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Sigmoid;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * Writes the model-file fixture that {@link LegacyModelFileTest} loads: a model using every layer type
 * (with non-default settings where a layer has any), saved with a normalizer, and beside it an input and
 * the model's eval-mode output for it. The committed files were written by this program at commit
 * 246c0df (before layers declared their own types), so the test proves files of that format still load:
 *
 * <pre>mvn -q test-compile &amp;&amp; java -cp target/classes:target/test-classes:$(deps) \
 *     org.jdnn.io.LegacyModelFixture src/test/resources/org/jdnn/io</pre>
 */
public final class LegacyModelFixture {
  static final String MODEL = "legacy-model.safetensors";
  static final String IO = "legacy-model-io.safetensors";

  private LegacyModelFixture() {}

  /** Input (4, 3, 8, 8) to output (4, 6), through every layer type. */
  static Layer model() {
    Generator.manualSeed(2026);
    return new Sequential(
        new Conv2d(3, 6, 3, ConvOptions.same().groups(3).dilation(2)),
        new BatchNorm2d(6),
        new LeakyReLU(0.2),
        new MaxPool2d(2),
        new Concat(1, new Conv2d(6, 4, 3, 1, ConvOptions.defaults().pad(1, 0).bias(false), Generator.global()),
            new Identity()),
        new Residual(new Sequential(new Conv2d(10, 10, 1), new Tanh())),
        new AvgPool2d(3, 1, 1, false),
        new Dropout2d(0.25),
        new MaxPool2d(2, 2, 2, 2, 1, 1),
        new Add(new GlobalAvgPool2d(), new Sequential(new AvgPool2d(3), new Flatten())),
        new Reshape(2, 5),
        new Conv1d(2, 4, 3, ConvOptions.padding(1).stride(2)),
        new BatchNorm1d(4, 1e-3, 0.2, false),
        new ELU(0.5),
        new Conv1d(4, 4, 2, ConvOptions.same().groups(2)),
        new Flatten(),
        new Linear(12, 16), new ReLU(),
        new Linear(16, 8, false), new BatchNorm1d(8), new Tanh(), new Dropout(0.1),
        new Add(new Softplus(2.0, 5.0), new Sequential(new Linear(8, 8), new Step(0.5)), new Sigmoid()),
        new Linear(8, 6),
        new Add(new Softmax(2.0), new LogSoftmax(0.5)));
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    try (Layer m = model(); TensorScope s = new TensorScope()) {
      Tensor x = Tensor.empty(DType.FLOAT32, 4, 3, 8, 8);
      new Generator(11).normal(x, 0, 1);
      try (GradMode.Guard g = GradMode.disable()) {
        for (int i = 0; i < 3; i++) m.forward(x);  // training mode: batch-norm running statistics move
      }
      m.eval();
      Map<String, Tensor> io = new LinkedHashMap<>();
      io.put("input", x);
      try (GradMode.Guard g = GradMode.disable()) {
        io.put("output", m.forward(x));
      }
      ModelFile.save(dir.resolve(MODEL), m, new Normalizer(true, new double[] {0.5, -0.25, 1}, new double[] {2, 0.5, 1}));
      SafeTensors.write(dir.resolve(IO), io, Map.of("format", "pt"));
    }
  }
}
