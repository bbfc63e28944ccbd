package org.jdnn.testing.opdb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Tensor;
import org.jdnn.testing.TestDevice;

/**
 * One row of the op database: everything the generic op tests need to check one op (PyTorch's
 * OpInfo is the model). A row is built fluently by the family classes (ElementwiseRows, ...):
 *
 * <ul>
 *   <li>{@link #covers}: the API members the row exercises ("Tensor.exp()", "UnaryOp.EXP",
 *       "ConvOps.conv2d", "loss.MSELoss"); the coverage test fails for a member no row covers;
 *   <li>{@link #call}: the Java call over the sample's tensors and parameters;
 *   <li>{@link #reference}: the float64 reference, plain loops written from PyTorch's documented
 *       definition, never from jdnn's implementation;
 *   <li>{@link #samples}: inputs (drawn from a {@link Domain} that avoids the op's kinks) and
 *       parameters, edge shapes included;
 *   <li>dtypes and tolerances per dtype (forward, gradient, device parity);
 *   <li>differentiability: which inputs get gradients ({@link Input#constant()} for the others), or
 *       that the op records no gradient, or that its backward throws;
 *   <li>{@link #error error inputs}: calls that must throw a given type naming given fragments.
 * </ul>
 */
public final class OpInfo<P> {
  /** The op under test, as a user writes it. */
  public interface Call<P> {
    Tensor apply(Tensor[] in, P params);
  }

  /** The float64 reference: {@code in[i]} holds input i's values as the tested dtype stores them. */
  public interface Reference<P> {
    Expected apply(Sample<P> sample, double[][] in);
  }

  /** What the backward of the op does. */
  public enum Backward {
    /** Gradients flow to the differentiable inputs and match central differences. */
    GRADIENTS,
    /** The result does not require a gradient even when an input does (argmax, integer results). */
    NOT_RECORDED,
    /** The result is recorded but backward through it throws {@link #backwardError} (no derivative exists). */
    THROWS
  }

  public final String name;
  final List<String> covers = new ArrayList<>();
  Call<P> call;
  Reference<P> reference;
  private Function<Random, List<Sample<P>>> sampleMaker;
  private List<Sample<P>> samples;
  List<DType> dtypes = List.of(DType.FLOAT32, DType.FLOAT64);
  final Map<DType, Tol> forwardTol = new EnumMap<>(DType.class);
  Tol gradTol = Tol.of(1e-5, 1e-6);
  double gradStep = 1e-6;
  final Map<DType, Tol> parityTol = new EnumMap<>(DType.class);
  boolean parityNormwise;
  boolean promotes;
  Backward backward = Backward.GRADIENTS;
  Class<? extends RuntimeException> backwardError;
  String backwardMessage;
  Set<TestDevice> devices = EnumSet.allOf(TestDevice.class);
  String messageName;
  final List<ErrorInput<P>> errors = new ArrayList<>();

  private OpInfo(String name) {
    this.name = name;
    this.messageName = name;
    forwardTol.put(DType.FLOAT32, Tol.of(1e-5, 1e-6));
    forwardTol.put(DType.FLOAT64, Tol.of(1e-12, 1e-13));
    forwardTol.put(DType.INT32, Tol.exact());
    forwardTol.put(DType.INT64, Tol.exact());
  }

  /** A new row named {@code name} (shown in test names). */
  public static <P> OpInfo<P> op(String name) {
    return new OpInfo<>(name);
  }

  /** API members this row exercises, for the coverage test. */
  public OpInfo<P> covers(String... members) {
    Collections.addAll(covers, members);
    return this;
  }

  public OpInfo<P> call(Call<P> call) {
    this.call = call;
    return this;
  }

  public OpInfo<P> reference(Reference<P> reference) {
    this.reference = reference;
    return this;
  }

  /** The samples, drawn from a Random seeded by the row's name (the same inputs in every run). */
  public OpInfo<P> samples(Function<Random, List<Sample<P>>> maker) {
    this.sampleMaker = maker;
    return this;
  }

  /** The dtypes the row runs in (default float32 and float64). */
  public OpInfo<P> dtypes(DType... dts) {
    this.dtypes = List.of(dts);
    return this;
  }

  /** The forward tolerance in {@code dt}. */
  public OpInfo<P> tol(DType dt, double rtol, double atol) {
    forwardTol.put(dt, Tol.of(rtol, atol));
    return this;
  }

  /** The float64 gradient-check tolerance, in GradCheck.within's (atol, rtol) terms. */
  public OpInfo<P> gradTol(double atol, double rtol) {
    this.gradTol = Tol.of(rtol, atol);
    return this;
  }

  /** The central-difference step (default 1e-6). */
  public OpInfo<P> gradStep(double h) {
    this.gradStep = h;
    return this;
  }

  /** The cpu-versus-device tolerance in {@code dt}, where the default (Parity's) is too tight for this op. */
  public OpInfo<P> parityTol(DType dt, double rtol, double atol) {
    parityTol.put(dt, Tol.of(rtol, atol));
    return this;
  }

  /**
   * Device parity judged against each tensor's largest magnitude instead of each element's: for
   * sums of many terms (products, convolutions, reductions), where the devices add in different
   * orders and an element that cancels to near 0 keeps the rounding of its large terms.
   */
  public OpInfo<P> parityNormwise() {
    this.parityNormwise = true;
    return this;
  }

  /**
   * Inputs of different dtypes are promoted as PyTorch promotes them (TypePromotionTest checks the rules): instead of
   * refusing an int32 first input, the row computes with it as with its value in the row's float dtype.
   */
  public OpInfo<P> promotes() {
    this.promotes = true;
    return this;
  }

  /** The result never requires a gradient. */
  public OpInfo<P> notRecorded() {
    this.backward = Backward.NOT_RECORDED;
    return this;
  }

  /** Backward through the result throws {@code type} whose message contains {@code fragment}. */
  public OpInfo<P> backwardThrows(Class<? extends RuntimeException> type, String fragment) {
    this.backward = Backward.THROWS;
    this.backwardError = type;
    this.backwardMessage = fragment;
    return this;
  }

  /** Restricts the row to some devices (say why in a comment at the call). */
  public OpInfo<P> onlyOn(TestDevice... ds) {
    this.devices = EnumSet.copyOf(List.of(ds));
    return this;
  }

  /** How the op names itself at the start of its messages (default: the row's name). */
  public OpInfo<P> messageName(String n) {
    this.messageName = n;
    return this;
  }

  /** A call that must throw {@code type} with a message containing every fragment. */
  public OpInfo<P> error(String label, P params, List<Input> inputs, Class<? extends RuntimeException> type,
      String... fragments) {
    errors.add(new ErrorInput<>(label, new Sample<>(label, inputs, params, false), type, List.of(fragments)));
    return this;
  }

  public List<String> covers() {
    return Collections.unmodifiableList(covers);
  }

  public List<DType> dtypes() {
    return dtypes;
  }

  public boolean runsOn(TestDevice d) {
    return devices.contains(d);
  }

  public List<ErrorInput<P>> errors() {
    return Collections.unmodifiableList(errors);
  }

  /** The samples (computed once). */
  public synchronized List<Sample<P>> samples() {
    if (samples == null) {
      if (sampleMaker == null) throw new IllegalStateException("op database row " + name + " has no samples");
      samples = List.copyOf(sampleMaker.apply(new Random(name.hashCode())));
    }
    return samples;
  }

  public Tol forwardTol(DType dt) {
    return forwardTol.get(dt);
  }

  /** Whether some input of a row ever receives a gradient. */
  boolean hasDifferentiableInput(Sample<P> s) {
    for (Input in : s.inputs) if (in.differentiable) return true;
    return false;
  }

  @Override
  public String toString() {
    return name;
  }
}
