package org.jdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.jdnn.nn.ActivityL1;
import org.jdnn.nn.AdaptiveAvgPool1d;
import org.jdnn.nn.AdaptiveAvgPool2d;
import org.jdnn.nn.Add;
import org.jdnn.nn.ConcatInputs;
import org.jdnn.nn.Graph;
import org.jdnn.nn.AvgPool1d;
import org.jdnn.nn.AvgPool2d;
import org.jdnn.nn.BatchNorm1d;
import org.jdnn.nn.BatchNorm2d;
import org.jdnn.nn.Concat;
import org.jdnn.nn.Conv1d;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.ConvOptions;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.Embedding;
import org.jdnn.nn.GELU;
import org.jdnn.nn.GroupNorm;
import org.jdnn.nn.ELU;
import org.jdnn.nn.Identity;
import org.jdnn.nn.Layer;
import org.jdnn.nn.LayerNorm;
import org.jdnn.nn.LeakyReLU;
import org.jdnn.nn.Linear;
import org.jdnn.nn.LogSoftmax;
import org.jdnn.nn.MaxPool1d;
import org.jdnn.nn.MaxPool2d;
import org.jdnn.nn.MultiheadAttention;
import org.jdnn.nn.PReLU;
import org.jdnn.nn.ReLU;
import org.jdnn.nn.Reshape;
import org.jdnn.nn.Residual;
import org.jdnn.nn.Sequential;
import org.jdnn.nn.Softmax;
import org.jdnn.nn.Softplus;
import org.jdnn.nn.Step;
import org.jdnn.nn.Tanh;
import org.jdnn.nn.TransformerEncoder;
import org.jdnn.nn.TransformerEncoderLayer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.jdnn.testing.SettledMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public layer class of org.jdnn.nn, found by scanning the package (not from a list), saves to a model
 * file and loads back as the same class with the same architecture JSON and description, bit-identical
 * parameters and buffers, and a bit-identical output. A new layer without a registered {@code TYPE} fails
 * here; so does one with no example below and no public no-argument constructor (add an example whose
 * settings differ from the defaults, so that a setting the file forgets shows).
 */
class EveryLayerSavesTest {
  @TempDir Path dir;

  /**
   * An instance with non-default settings and an input it accepts (batch first): random float32 values of shape
   * {@code input}, or what {@code custom} makes (integer indices for an Embedding).
   */
  private record Example(Supplier<Layer> make, Supplier<Tensor> custom, long... input) {
    Example(Supplier<Layer> make, long... input) {
      this(make, null, input);
    }
  }

  private static final long[] DEFAULT_INPUT = {2, 3, 4, 5};

  private static Map<Class<?>, Example> examples() {
    Map<Class<?>, Example> e = new LinkedHashMap<>();
    // the fused Linear (a setting only fuseForInference makes) is saved through this one
    e.put(Sequential.class, new Example(() -> new Sequential(new Linear(6, 5), new ReLU(), new Linear(5, 3, false))
        .fuseForInference(), 2, 6));
    e.put(Residual.class, new Example(() -> new Residual(new Sequential(new Linear(4, 4), new Tanh())), 2, 4));
    e.put(Add.class, new Example(() -> new Add(new Linear(4, 3), new Linear(4, 3, false)), 2, 4));
    e.put(Concat.class, new Example(() -> new Concat(-1, new Linear(4, 2), new Identity()), 2, 4));
    e.put(Graph.class, new Example(() -> Graph.builder().input("x").node("a", new Linear(4, 3), "x")
        .node("b", new Sequential(new Linear(4, 3, false), new Tanh()), "x").add("sum", "a", "b")
        .concat("both", -1, "a", "sum").output("y", "both").build(), 2, 4));
    e.put(ConcatInputs.class, new Example(() -> new ConcatInputs(-1), 2, 4));
    e.put(ActivityL1.class, new Example(() -> new ActivityL1(new Linear(4, 3), 0.125), 2, 4));
    e.put(Linear.class, new Example(() -> new Linear(5, 3, false), 2, 5));
    e.put(Conv1d.class, new Example(() -> new Conv1d(4, 6, 3, ConvOptions.same().groups(2).dilation(2).bias(false)), 2, 4, 9));
    e.put(Conv2d.class, new Example(() -> new Conv2d(4, 6, 3, 2, ConvOptions.defaults().stride(2, 1).pad(1, 0).dilation(1, 2)
        .groups(2), Generator.global()), 2, 4, 7, 7));
    e.put(MaxPool2d.class, new Example(() -> new MaxPool2d(3, 2, 2, 1, 1, 0), 2, 3, 7, 7));
    e.put(AvgPool2d.class, new Example(() -> new AvgPool2d(3, 3, 2, 2, 1, 1, false), 2, 3, 7, 7));
    e.put(BatchNorm1d.class, new Example(() -> new BatchNorm1d(4, 1e-3, 0.25, false), 3, 4));
    e.put(BatchNorm2d.class, new Example(() -> new BatchNorm2d(3, 1e-4, 0.5, true), DEFAULT_INPUT));
    e.put(Dropout.class, new Example(() -> new Dropout(0.375), DEFAULT_INPUT));
    e.put(Dropout2d.class, new Example(() -> new Dropout2d(0.125), DEFAULT_INPUT));
    e.put(Reshape.class, new Example(() -> new Reshape(-1, 2), DEFAULT_INPUT));
    e.put(LeakyReLU.class, new Example(() -> new LeakyReLU(0.3), DEFAULT_INPUT));
    e.put(ELU.class, new Example(() -> new ELU(0.7), DEFAULT_INPUT));
    e.put(Softplus.class, new Example(() -> new Softplus(1.5, 4.0), DEFAULT_INPUT));
    e.put(Step.class, new Example(() -> new Step(0.25), DEFAULT_INPUT));
    e.put(Softmax.class, new Example(() -> new Softmax(2.5), DEFAULT_INPUT));
    e.put(LogSoftmax.class, new Example(() -> new LogSoftmax(0.5), DEFAULT_INPUT));
    e.put(LayerNorm.class, new Example(() -> new LayerNorm(new long[] {4, 5}, 1e-3, true, false), DEFAULT_INPUT));
    e.put(GroupNorm.class, new Example(() -> new GroupNorm(3, 6, 1e-4, true), 2, 6, 5));
    e.put(PReLU.class, new Example(() -> new PReLU(3, 0.125), DEFAULT_INPUT));
    e.put(MaxPool1d.class, new Example(() -> new MaxPool1d(3, 2, 1), 2, 3, 9));
    e.put(AvgPool1d.class, new Example(() -> new AvgPool1d(3, 2, 1, false), 2, 3, 9));
    e.put(AdaptiveAvgPool1d.class, new Example(() -> new AdaptiveAvgPool1d(4), 2, 3, 9));
    e.put(AdaptiveAvgPool2d.class, new Example(() -> new AdaptiveAvgPool2d(3, 2), 2, 3, 7, 5));
    e.put(GELU.class, new Example(() -> new GELU("tanh"), DEFAULT_INPUT));
    e.put(Embedding.class, new Example(() -> Embedding.builder(7, 3).paddingIdx(2).maxNorm(1.5).normType(3.0).build(),
        () -> Tensor.ofLongs(new long[] {0, 2, 6, 1, 2, 5}, 2, 3)));
    // self-attention, so kdim = vdim = E here; AttentionEmbeddingFileTest saves kdim and vdim
    e.put(MultiheadAttention.class, new Example(() -> MultiheadAttention.builder(6, 3).dropout(0.25).bias(false).batchFirst(true)
        .addBiasKv(true).addZeroAttn(true).build(), 2, 4, 6));
    e.put(TransformerEncoderLayer.class, new Example(() -> new TransformerEncoderLayer(6, 2, 10, 0.125, "gelu", 1e-4, true,
        true, true), 2, 4, 6));
    e.put(TransformerEncoder.class, new Example(() -> new TransformerEncoder(i -> new TransformerEncoderLayer(6, 2, 10, 0.125,
        "relu", 1e-4, true, i == 1, true), 2, new LayerNorm(new long[] {6}, 1e-3, true, false)), 2, 4, 6));
    return e;
  }

  /** The public, concrete Layer classes of org.jdnn.nn, from the class files of the package. */
  static List<Class<?>> publicLayerClasses() throws IOException, ClassNotFoundException {
    String pkg = Layer.class.getPackageName();
    TreeSet<String> names = new TreeSet<>();
    Enumeration<URL> roots = Layer.class.getClassLoader().getResources(pkg.replace('.', '/'));
    while (roots.hasMoreElements()) {
      URL url = roots.nextElement();
      if (url.getProtocol().equals("file")) {
        File[] files = new File(url.getPath()).listFiles();
        if (files != null) for (File f : files) names.add(f.getName());
      } else if (url.getProtocol().equals("jar")) {
        try (JarFile jar = ((JarURLConnection) url.openConnection()).getJarFile()) {
          String prefix = pkg.replace('.', '/') + "/";
          for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements();) {
            String n = en.nextElement().getName();
            if (n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0) names.add(n.substring(prefix.length()));
          }
        }
      }
    }
    List<Class<?>> out = new ArrayList<>();
    for (String n : names) {
      if (!n.endsWith(".class") || n.contains("$") || n.equals("package-info.class")) continue;
      Class<?> c = Class.forName(pkg + "." + n.substring(0, n.length() - ".class".length()));
      int mod = c.getModifiers();
      if (Layer.class.isAssignableFrom(c) && Modifier.isPublic(mod) && !Modifier.isAbstract(mod)) out.add(c);
    }
    return out;
  }

  static Stream<Class<?>> layerClasses() throws Exception {
    return publicLayerClasses().stream();
  }

  @Test
  void theScanFindsTheLayers() throws Exception {
    List<Class<?>> found = publicLayerClasses();
    for (Class<?> c : List.of(Linear.class, Sequential.class, ReLU.class, Conv2d.class, BatchNorm2d.class, ActivityL1.class)) {
      assertTrue(found.contains(c), "scan of org.jdnn.nn missed " + c.getSimpleName() + ": found " + found);
    }
    for (Class<?> c : examples().keySet()) assertTrue(found.contains(c), "example for a class the scan did not find: " + c);
  }

  /**
   * Building a layer outside any scope and closing it leaves no native memory held: a constructor's temporaries are
   * closed by the constructor, not left to the garbage collector (MultiheadAttention's zeroed out_proj bias was, until
   * 2026-12-05; inside a scope, as in the test below, such a leak does not show).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("layerClasses")
  void buildingAndClosingHoldsNoMemory(Class<?> cls) throws Exception {
    Example ex = examples().get(cls);
    Layer m;
    long before = SettledMemory.bytesInUse(Device.cpu());  // what earlier tests left to the collector is freed first
    if (ex != null) {
      m = ex.make().get();
    } else {
      m = (Layer) cls.getConstructor().newInstance();
    }
    m.close();
    assertEquals(before, Device.cpu().bytesInUse(), cls.getSimpleName() + " left native memory behind");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layerClasses")
  void savesAndLoadsBitExactly(Class<?> cls) throws Exception {
    assertNotNull(LayerRegistry.typeOf(cls.asSubclass(Layer.class)), cls.getName()
        + " is a public layer without a registered type: declare `public static final LayerType<" + cls.getSimpleName()
        + "> TYPE` and list it in LayerRegistry");
    Example ex = examples().get(cls);
    if (ex == null) {
      try {
        var ctor = cls.getConstructor();
        ex = new Example(() -> {
          try {
            return (Layer) ctor.newInstance();
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
          }
        }, DEFAULT_INPUT);
      } catch (NoSuchMethodException e) {
        fail(cls.getName() + " has no public no-argument constructor and no example in EveryLayerSavesTest: add one with "
            + "non-default settings");
      }
    }
    Generator.manualSeed(cls.getName().hashCode());
    Path p = dir.resolve(cls.getSimpleName() + ".safetensors");
    try (TensorScope s = new TensorScope(); Layer m = ex.make().get()) {
      Tensor x;
      if (ex.custom() != null) {
        x = ex.custom().get();
      } else {
        x = Tensor.empty(DType.FLOAT32, ex.input());
        new Generator(5).uniform(x, -2, 2);
      }
      try (GradMode.Guard g = GradMode.disable()) {
        m.forward(x);  // training mode: moves counters and running statistics
      }
      Generator values = new Generator(17);
      for (Tensor t : m.namedParameters().values()) values.uniform(t, -1, 1);
      for (Tensor t : m.namedBuffers().values()) if (t.dtype().isFloatingPoint()) values.uniform(t, 0.5, 2);
      m.eval();
      long[] expected;
      try (GradMode.Guard g = GradMode.disable()) {
        expected = TensorBits.of(m.forward(x));
      }
      ModelFile.save(p, m);
      try (SavedModel loaded = ModelFile.load(p)) {
        Layer l = loaded.model();
        assertSame(cls, l.getClass());
        assertEquals(Json.write(LayerRegistry.describe(m)), Json.write(LayerRegistry.describe(l)), "settings");
        assertEquals(m.toString(), l.toString());
        Map<String, Tensor> want = StateDicts.of(m), got = StateDicts.of(l);
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
          assertEquals(want.get(name).dtype(), got.get(name).dtype(), name);
          assertArrayEquals(want.get(name).shape(), got.get(name).shape(), name);
          assertArrayEquals(TensorBits.of(want.get(name)), TensorBits.of(got.get(name)), name);
        }
        l.eval();
        try (GradMode.Guard g = GradMode.disable()) {
          assertArrayEquals(expected, TensorBits.of(l.forward(x)), "output of the loaded " + l);
        }
      }
    }
  }
}
