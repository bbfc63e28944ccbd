package org.jdnn.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jdnn.loss.Loss;
import org.jdnn.testing.opdb.OpDatabase;
import org.junit.jupiter.api.Test;

/**
 * Every op has a row in the op database, and every row names ops that exist. The ops are found by
 * reflection: public Tensor methods that compute a new tensor (or values and indices), Tensor's
 * public static methods that take tensors (cat, stack, where), public static methods returning a
 * Tensor in the public classes of org.jdnn.tensor, every UnaryOp constant, and every Loss of
 * org.jdnn.loss.
 */
class OpCoverageTest {

  /** Public Tensor methods returning a Tensor that are not ops, and why. */
  static final Set<String> NOT_OPS = Set.of(
      // fill or modify this tensor in place and return it: storage access, not computation
      "Tensor.write(float[])", "Tensor.write(double[])", "Tensor.write(int[])", "Tensor.write(long[])",
      "Tensor.addInPlace(long)",  // an integer counter step (ElementwiseOpsTest)
      "Tensor.keep()",  // scope ownership (TensorScopeTest)
      "Tensor.requiresGrad(boolean)",  // marks a leaf
      "Tensor.grad()",  // accessor of the accumulated gradient
      "Tensor.detach()",  // a view outside the graph, no computation (AutogradTest)
      // dtype conversion and device transfer (the parity and device tests)
      "Tensor.to(DType)", "Tensor.to(Device)",
      "Tensor.prefetchTo(Device)",  // to(Device) on the copy stream (PrefetchToTest, CopyStreamTest)
      // recording a custom op is the autograd mechanism itself (AutogradTest)
      "Autograd.record",
      // to(FLOAT32) of a 16-bit tensor while autocast is on, else the tensor itself (AutocastLayersTest)
      "Autocast.widenForFloat32",
      // runs a caller's computation and frees its intermediates (NoIntermediatesLeftTest)
      "TensorScope.composed");

  @Test
  void everyOpHasARow() throws Exception {
    Set<String> covered = OpDatabase.covered();
    List<String> missing = new ArrayList<>();
    for (String op : ops()) {
      if (!NOT_OPS.contains(op) && !covered.contains(op)) missing.add(op);
    }
    assertTrue(missing.isEmpty(), "ops without a row in the op database (org.jdnn.testing.opdb): " + missing
        + "; add a row to the op's family file, or, for a method that is no op, to OpCoverageTest.NOT_OPS with why");
  }

  @Test
  void theEnumerationFindsEveryKindOfOp() throws Exception {
    Set<String> ops = ops();
    for (String op : List.of("Tensor.add(Tensor)", "Tensor.add(double)", "Tensor.sum(int,boolean)", "Tensor.reshape(long[])",
        "ConvOps.conv2d", "Linalg.linear", "LossOps.crossEntropy", "MemoryOps.gatherRows", "UnaryOp.EXP", "loss.MSELoss")) {
      assertTrue(ops.contains(op), "the enumeration misses " + op + ": " + ops);
    }
    assertTrue(!ops.contains("Tensor.zeros(long[])") && !ops.contains("Tensor.shape()"), "factories and accessors are no ops");
  }

  @Test
  void everyRowNamesOpsThatExist() throws Exception {
    Set<String> ops = ops();
    List<String> stale = OpDatabase.covered().stream().filter(c -> !ops.contains(c)).sorted().collect(Collectors.toList());
    assertTrue(stale.isEmpty(), "op database rows name members that do not exist: " + stale);
    List<String> staleExclusions = NOT_OPS.stream().filter(c -> !ops.contains(c)).sorted().collect(Collectors.toList());
    assertTrue(staleExclusions.isEmpty(), "OpCoverageTest.NOT_OPS names members that do not exist: " + staleExclusions);
  }

  /** The ops, named as rows cover them: "Tensor.name(Type,...)", "Class.name", "UnaryOp.NAME", "loss.Class". */
  static Set<String> ops() throws IOException, URISyntaxException, ClassNotFoundException {
    Set<String> ops = new TreeSet<>();
    for (Method m : Tensor.class.getDeclaredMethods()) {
      int mod = m.getModifiers();
      // max/min(dim) return their values and indices together
      boolean computes = m.getReturnType() == Tensor.class || m.getReturnType() == ValuesIndices.class;
      if (Modifier.isPublic(mod) && !Modifier.isStatic(mod) && computes) ops.add(signature(m));
    }
    // Tensor's public static methods are factories (of, zeros, full...), except those taking tensors (cat, where)
    for (Method m : Tensor.class.getDeclaredMethods()) {
      int mod = m.getModifiers();
      boolean takesTensors = Stream.of(m.getParameterTypes()).anyMatch(t -> t == Tensor.class || t == Tensor[].class);
      if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && m.getReturnType() == Tensor.class && takesTensors) {
        ops.add(signature(m));
      }
    }
    for (Class<?> c : publicClasses("org.jdnn.tensor")) {
      if (c == Tensor.class) continue;
      for (Method m : c.getDeclaredMethods()) {
        int mod = m.getModifiers();
        if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && m.getReturnType() == Tensor.class) {
          ops.add(c.getSimpleName() + "." + m.getName());
        }
      }
    }
    for (UnaryOp op : UnaryOp.values()) ops.add("UnaryOp." + op.name());
    for (Class<?> c : publicClasses("org.jdnn.loss")) {
      if (Loss.class.isAssignableFrom(c) && !c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
        ops.add("loss." + c.getSimpleName());
      }
    }
    return ops;
  }

  static String signature(Method m) {
    return "Tensor." + m.getName() + Stream.of(m.getParameterTypes()).map(Class::getSimpleName)
        .collect(Collectors.joining(",", "(", ")"));
  }

  /** The public top-level classes of a package, from the directory its compiled classes are in. */
  static List<Class<?>> publicClasses(String pkg) throws IOException, URISyntaxException, ClassNotFoundException {
    Path dir = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve(pkg.replace('.', '/'));
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().collect(Collectors.toList())) {
        String name = f.getFileName().toString();
        if (!name.endsWith(".class") || name.contains("$")) continue;
        Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()));
        if (Modifier.isPublic(c.getModifiers())) out.add(c);
      }
    }
    return out;
  }
}
