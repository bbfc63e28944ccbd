package org.jdnn.tensor;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.jdnn.bridge.JdnnNative;

// Longer than 400 lines on purpose: Tensor is the public face of every op, one short method each
// that validates its arguments and delegates to the op family's class (<Stem>Ops); most lines are
// the javadoc of those methods.
/**
 * An n-dimensional array in native memory, with reverse-mode autograd.
 *
 * <p><b>Memory.</b> A tensor owns native memory until {@link #close()}. Tensors created while a
 * {@link TensorScope} is open on the current thread belong to it and are closed with it; others
 * must be closed by their creator. Using a closed tensor throws {@link IllegalStateException}.
 *
 * <p><b>Autograd.</b> Ops on tensors that {@linkplain #requiresGrad() require gradients} record
 * themselves (see {@link Autograd}); {@link #backward()} on a scalar fills {@link #grad()} of every
 * leaf that requires a gradient. {@link GradMode#disable()} turns recording off for inference.
 *
 * <p><b>Errors.</b> Shapes, dtypes and devices are validated here, before native code runs;
 * messages name the op, the expected and the actual values.
 */
public final class Tensor implements AutoCloseable {
  /**
   * The most dimensions the ops that read an operand through strides take: permute, transpose,
   * expand, where, maskedSelect and maskedSoftmax (the native geometry has a fixed size).
   */
  public static final int MAX_STRIDED_DIMS = 8;

  private final TensorDebug.NativeRef ref;
  private final long[] shape;
  private final DType dtype;
  private final Device device;
  private volatile boolean closed;
  boolean requiresGradFlag;
  Autograd.Node gradFn;
  Tensor grad;
  // Hooks run once a backward pass has finished this leaf's gradient (null: none, the common case).
  java.util.List<java.util.function.Consumer<Tensor>> gradHooks;
  TensorScope scope;

  Tensor(long handle, long[] shape, DType dtype, Device device) {
    this.shape = shape;
    this.dtype = dtype;
    this.device = device;
    this.ref = TensorDebug.track(this, handle, dtype, shape, device);
    TensorScope s = TensorScope.current();
    if (s != null) s.adopt(this);
  }

  // ---- creation ----------------------------------------------------------------------------

  /**
   * Uninitialized tensor on the thread's {@linkplain Device#defaultDevice() default device}.
   *
   * @param dtype the element type
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller); its contents are arbitrary until written
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor empty(DType dtype, long... shape) {
    return empty(dtype, Device.defaultDevice(), shape);
  }

  /**
   * Uninitialized tensor on {@code device}.
   *
   * @param dtype the element type
   * @param device where the memory lives
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller); its contents are arbitrary until written
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor empty(DType dtype, Device device, long... shape) {
    return allocate("Tensor.empty", dtype, device, shape);
  }

  /**
   * A float32 tensor of zeros on the thread's default device.
   *
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor zeros(long... shape) {
    return fill("Tensor.zeros", 0, DType.FLOAT32, shape);
  }

  /**
   * A tensor of zeros on the thread's default device.
   *
   * @param dtype the element type
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor zeros(DType dtype, long... shape) {
    return fill("Tensor.zeros", 0, dtype, shape);
  }

  /**
   * A float32 tensor of ones on the thread's default device.
   *
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor ones(long... shape) {
    return fill("Tensor.ones", 1, DType.FLOAT32, shape);
  }

  /**
   * A tensor of ones on the thread's default device.
   *
   * @param dtype the element type
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor ones(DType dtype, long... shape) {
    return fill("Tensor.ones", 1, dtype, shape);
  }

  /**
   * A tensor filled with {@code value} on the thread's default device.
   *
   * @param value the value, rounded to the dtype
   * @param dtype the element type
   * @param shape the dimensions, each at least 0 (none: a scalar)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is negative or the shape holds more than 2^40
   *     elements
   */
  public static Tensor full(double value, DType dtype, long... shape) {
    return fill("Tensor.full", value, dtype, shape);
  }

  private static Tensor allocate(String op, DType dtype, Device device, long[] shape) {
    long[] s = checkShape(op, shape);
    int n = s.length;
    // Up to rank 4 the dimensions go by value: copying a long[] across JNI costs more than the rest
    // of a small tensor's creation.
    long handle = n <= 4
        ? JdnnNative.tensor_new_dims(dtype.code, device.code, n, n > 0 ? s[0] : 0, n > 1 ? s[1] : 0, n > 2 ? s[2] : 0,
            n > 3 ? s[3] : 0)
        : JdnnNative.tensor_new(dtype.code, device.code, s, n);
    return new Tensor(NativeErrors.handle(handle), s, dtype, device);
  }

  private static Tensor fill(String op, double value, DType dtype, long[] shape) {
    Tensor t = allocate(op, dtype, Device.defaultDevice(), shape);
    NativeErrors.check(JdnnNative.tensor_fill(t.h(), value));
    return t;
  }

  /**
   * A float32 scalar (rank 0) on the thread's default device.
   *
   * @param value the value, rounded to float32
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   */
  public static Tensor scalar(double value) {
    return full(value, DType.FLOAT32);
  }

  /**
   * A scalar (rank 0) of {@code dtype} on the thread's default device.
   *
   * @param value the value, rounded to the dtype
   * @param dtype the element type
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   */
  public static Tensor scalar(double value, DType dtype) {
    return full(value, dtype);
  }

  /**
   * A float32 tensor holding {@code data} in row-major order, on the thread's default device.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape has a negative dimension or does not hold exactly
   *     data.length elements
   */
  public static Tensor of(float[] data, long... shape) {
    long[] s = shapeFor(data.length, shape);
    Tensor t = empty(DType.FLOAT32, s);
    t.writeF32(data, 0);
    return t;
  }

  /**
   * A float64 tensor holding {@code data} in row-major order, on the thread's default device.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape has a negative dimension or does not hold exactly
   *     data.length elements
   */
  public static Tensor of(double[] data, long... shape) {
    long[] s = shapeFor(data.length, shape);
    Tensor t = empty(DType.FLOAT64, s);
    NativeErrors.check(JdnnNative.tensor_write_f64(t.h(), data, 0, data.length));
    return t;
  }

  /**
   * An int32 tensor holding {@code data} in row-major order, on the thread's default device.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape has a negative dimension or does not hold exactly
   *     data.length elements
   */
  public static Tensor ofInts(int[] data, long... shape) {
    long[] s = shapeFor(data.length, shape);
    Tensor t = empty(DType.INT32, s);
    NativeErrors.check(JdnnNative.tensor_write_i32(t.h(), data, 0, data.length));
    return t;
  }

  /**
   * An int64 tensor holding {@code data} in row-major order, on the thread's default device.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape has a negative dimension or does not hold exactly
   *     data.length elements
   */
  public static Tensor ofLongs(long[] data, long... shape) {
    long[] s = shapeFor(data.length, shape);
    Tensor t = empty(DType.INT64, s);
    NativeErrors.check(JdnnNative.tensor_write_i64(t.h(), data, 0, data.length));
    return t;
  }

  /**
   * A uint8 tensor holding {@code data} in row-major order, on the thread's default device (bytes
   * read as unsigned, 0 to 255).
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape has a negative dimension or does not hold exactly
   *     data.length elements
   */
  public static Tensor ofBytes(byte[] data, long... shape) {
    long[] s = shapeFor(data.length, shape);
    Tensor t = empty(DType.UINT8, s);
    NativeErrors.check(JdnnNative.tensor_write_u8(t.h(), data, 0, data.length));
    return t;
  }

  /**
   * Float32 tensor from the buffer's remaining elements (heap or direct); the position is unchanged.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.remaining(); none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape does not hold exactly data.remaining() elements
   */
  public static Tensor of(FloatBuffer data, long... shape) {
    long[] s = shapeFor(data.remaining(), shape);
    Tensor t = empty(DType.FLOAT32, s);
    if (data.isDirect()) {
      NativeErrors.check(JdnnNative.tensor_write_f32(t.h(), data.slice(), 0, data.remaining()));
    } else {
      float[] copy = new float[data.remaining()];
      data.duplicate().get(copy);
      t.writeF32(copy, 0);
    }
    return t;
  }

  /**
   * Float64 tensor from the buffer's remaining elements (heap or direct); the position is unchanged.
   *
   * @param data the values; copied
   * @param shape the dimensions, whose product is data.remaining(); none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the shape does not hold exactly data.remaining() elements
   */
  public static Tensor of(DoubleBuffer data, long... shape) {
    long[] s = shapeFor(data.remaining(), shape);
    Tensor t = empty(DType.FLOAT64, s);
    if (data.isDirect()) {
      NativeErrors.check(JdnnNative.tensor_write_f64(t.h(), data.slice(), 0, data.remaining()));
    } else {
      double[] copy = new double[data.remaining()];
      data.duplicate().get(copy);
      NativeErrors.check(JdnnNative.tensor_write_f64(t.h(), copy, 0, copy.length));
    }
    return t;
  }

  /**
   * Overwrites this float32 tensor's elements from {@code data}, in place, in row-major order; not
   * recorded by autograd.
   *
   * @param data exactly numel() values
   * @return this tensor
   * @throws IllegalArgumentException when this tensor is not float32 or the length differs from numel()
   * @throws IllegalStateException when this tensor is closed
   */
  public Tensor write(float[] data) {
    requireDType("write", DType.FLOAT32);
    requireLength("write", data.length);
    writeF32(data, 0);
    return this;
  }

  /**
   * Overwrites this float64 tensor's elements from {@code data}, in place, in row-major order; not
   * recorded by autograd.
   *
   * @param data exactly numel() values
   * @return this tensor
   * @throws IllegalArgumentException when this tensor is not float64 or the length differs from numel()
   * @throws IllegalStateException when this tensor is closed
   */
  public Tensor write(double[] data) {
    requireDType("write", DType.FLOAT64);
    requireLength("write", data.length);
    NativeErrors.check(JdnnNative.tensor_write_f64(h(), data, 0, data.length));
    return this;
  }

  /**
   * Overwrites this int32 tensor's elements from {@code data}, in place, in row-major order; not
   * recorded by autograd.
   *
   * @param data exactly numel() values
   * @return this tensor
   * @throws IllegalArgumentException when this tensor is not int32 or the length differs from numel()
   * @throws IllegalStateException when this tensor is closed
   */
  public Tensor write(int[] data) {
    requireDType("write", DType.INT32);
    requireLength("write", data.length);
    NativeErrors.check(JdnnNative.tensor_write_i32(h(), data, 0, data.length));
    return this;
  }

  /**
   * Overwrites this int64 tensor's elements from {@code data}, in place, in row-major order; not
   * recorded by autograd.
   *
   * @param data exactly numel() values
   * @return this tensor
   * @throws IllegalArgumentException when this tensor is not int64 or the length differs from numel()
   * @throws IllegalStateException when this tensor is closed
   */
  public Tensor write(long[] data) {
    requireDType("write", DType.INT64);
    requireLength("write", data.length);
    NativeErrors.check(JdnnNative.tensor_write_i64(h(), data, 0, data.length));
    return this;
  }

  /**
   * Adds {@code delta} to every element of this int32 or int64 tensor in place, on its device (wrapping
   * around on overflow). For counters such as BatchNorm's num_batches_tracked: a GPU-resident counter
   * advances without a round trip to the host. Outside autograd.
   *
   * @param delta the amount to add
   * @return this tensor
   * @throws IllegalArgumentException when this tensor is not int32 or int64
   */
  public Tensor addInPlace(long delta) {
    if (dtype != DType.INT32 && dtype != DType.INT64) {
      throw new IllegalArgumentException("addInPlace: expected an int32 or int64 tensor, got " + describe());
    }
    NativeErrors.check(JdnnNative.tensor_add_int(h(), delta));
    return this;
  }

  // ---- reading back -------------------------------------------------------------------------

  /**
   * Copies the elements to a new Java array in row-major order (from a GPU: waits for its queued
   * work).
   *
   * @return the values
   * @throws IllegalArgumentException when this tensor is not float32, float16 or bfloat16 (the 16-bit types are widened,
   *     exactly)
   * @throws IllegalStateException when this tensor is closed
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public float[] toFloatArray() {
    h();
    if (dtype.isHalf()) {  // widening is exact
      try (Tensor wide = convertedCopy(DType.FLOAT32)) {
        return wide.toFloatArray();
      }
    }
    requireDType("toFloatArray", DType.FLOAT32);
    float[] out = new float[Math.toIntExact(numel())];
    readF32(out, 0);
    return out;
  }

  /**
   * Copies the elements to a new Java array in row-major order (from a GPU: waits for its queued
   * work).
   *
   * @return the values
   * @throws IllegalArgumentException when this tensor is not float64
   * @throws IllegalStateException when this tensor is closed
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public double[] toDoubleArray() {
    requireDType("toDoubleArray", DType.FLOAT64);
    double[] out = new double[Math.toIntExact(numel())];
    NativeErrors.check(JdnnNative.tensor_read_f64(h(), out, 0, out.length));
    return out;
  }

  /**
   * Copies the elements to a new Java array in row-major order (from a GPU: waits for its queued
   * work).
   *
   * @return the values
   * @throws IllegalArgumentException when this tensor is not int32
   * @throws IllegalStateException when this tensor is closed
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public int[] toIntArray() {
    requireDType("toIntArray", DType.INT32);
    int[] out = new int[Math.toIntExact(numel())];
    NativeErrors.check(JdnnNative.tensor_read_i32(h(), out, 0, out.length));
    return out;
  }

  /**
   * Copies the elements to a new Java array in row-major order (from a GPU: waits for its queued
   * work).
   *
   * @return the values
   * @throws IllegalArgumentException when this tensor is not int64
   * @throws IllegalStateException when this tensor is closed
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public long[] toLongArray() {
    requireDType("toLongArray", DType.INT64);
    long[] out = new long[Math.toIntExact(numel())];
    NativeErrors.check(JdnnNative.tensor_read_i64(h(), out, 0, out.length));
    return out;
  }

  /**
   * Copies the elements to a new Java array in row-major order (from a GPU: waits for its queued
   * work).
   *
   * @return the values
   * @throws IllegalArgumentException when this tensor is not uint8
   * @throws IllegalStateException when this tensor is closed
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public byte[] toByteArray() {
    requireDType("toByteArray", DType.UINT8);
    byte[] out = new byte[Math.toIntExact(numel())];
    NativeErrors.check(JdnnNative.tensor_read_u8(h(), out, 0, out.length));
    return out;
  }

  /**
   * The 16-bit patterns of a float16 or bfloat16 tensor's elements, in row-major order (from a GPU: waits for its
   * queued work): the layout of safetensors' F16 and BF16 data.
   *
   * @return the patterns
   * @throws IllegalArgumentException when this tensor is not float16 or bfloat16
   * @throws ArithmeticException when it holds more than 2^31 - 1 elements
   */
  public short[] toHalfBits() {
    h();
    if (!dtype.isHalf()) {
      throw new IllegalArgumentException("toHalfBits: expected a float16 or bfloat16 tensor, got " + describe());
    }
    short[] out = new short[Math.toIntExact(numel())];
    NativeErrors.check(JdnnNative.tensor_read_u16(h(), out, 0, out.length));
    return out;
  }

  /**
   * A float16 or bfloat16 tensor holding the 16-bit patterns {@code bits} in row-major order, on the thread's default
   * device (to make one from values, convert a float32 tensor with {@link #to(DType)}).
   *
   * @param dtype FLOAT16 or BFLOAT16
   * @param bits the patterns; copied
   * @param shape the dimensions, whose product is bits.length; none: a 1-D tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when dtype is not a 16-bit float type or the shape does not hold bits.length
   */
  public static Tensor ofHalfBits(DType dtype, short[] bits, long... shape) {
    if (dtype == null || !dtype.isHalf()) {
      throw new IllegalArgumentException("ofHalfBits: dtype must be float16 or bfloat16, got " + dtype);
    }
    long[] s = shapeFor(bits.length, shape);
    Tensor t = empty(dtype, s);
    NativeErrors.check(JdnnNative.tensor_write_u16(t.h(), bits, 0, bits.length));
    return t;
  }

  /**
   * The value of a one-element tensor, as a double (from a GPU: waits for its queued work).
   *
   * @return the value, exact for every dtype but int64 beyond 2^53
   * @throws IllegalArgumentException when the tensor does not have exactly one element
   */
  public double item() {
    if (numel() != 1) {
      throw new IllegalArgumentException("item: tensor must have exactly one element, got shape "
          + Arrays.toString(shape));
    }
    return getDouble(0);
  }

  /**
   * Element {@code flatIndex} (row-major) converted to double.
   *
   * @param flatIndex in [0, numel())
   * @return the value (uint8 read as 0 to 255)
   * @throws IndexOutOfBoundsException when the index is out of range
   */
  public double getDouble(long flatIndex) {
    if (flatIndex < 0 || flatIndex >= numel()) {
      throw new IndexOutOfBoundsException("index " + flatIndex + " outside [0, " + numel() + ") of "
          + describe());
    }
    switch (dtype) {
      case FLOAT32: { float[] v = new float[1]; readF32(v, flatIndex); return v[0]; }
      case FLOAT64: { double[] v = new double[1]; NativeErrors.check(JdnnNative.tensor_read_f64(h(), v, flatIndex, 1)); return v[0]; }
      case INT32: { int[] v = new int[1]; NativeErrors.check(JdnnNative.tensor_read_i32(h(), v, flatIndex, 1)); return v[0]; }
      case INT64: { long[] v = new long[1]; NativeErrors.check(JdnnNative.tensor_read_i64(h(), v, flatIndex, 1)); return v[0]; }
      case FLOAT16:
      case BFLOAT16: {
        short[] v = new short[1];
        NativeErrors.check(JdnnNative.tensor_read_u16(h(), v, flatIndex, 1));
        return HalfBits.toFloat(dtype, v[0]);
      }
      default: { byte[] v = new byte[1]; NativeErrors.check(JdnnNative.tensor_read_u8(h(), v, flatIndex, 1)); return v[0] & 0xff; }
    }
  }

  // ---- metadata -----------------------------------------------------------------------------

  /**
   * The dimensions.
   *
   * @return a copy (empty for a scalar)
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Size of dimension {@code i}; negative i counts from the end.
   *
   * @param i in [-rank, rank)
   * @return the size
   * @throws IndexOutOfBoundsException when {@code i} is out of range
   */
  public long dim(int i) {
    int k = i < 0 ? shape.length + i : i;
    if (k < 0 || k >= shape.length) {
      throw new IndexOutOfBoundsException("dimension " + i + " of a rank-" + shape.length + " tensor");
    }
    return shape[k];
  }

  /**
   * The number of dimensions.
   *
   * @return 0 for a scalar
   */
  public int rank() {
    return shape.length;
  }

  /**
   * The number of elements.
   *
   * @return the product of the dimensions (1 for a scalar)
   */
  public long numel() {
    long n = 1;
    for (long d : shape) n *= d;
    return n;
  }

  /**
   * The element type.
   *
   * @return the dtype, fixed at creation
   */
  public DType dtype() {
    return dtype;
  }

  /**
   * Where the memory lives and ops on this tensor run.
   *
   * @return the device, fixed at creation
   */
  public Device device() {
    return device;
  }

  /**
   * Whether {@link #close()} has run (directly or through a scope).
   *
   * @return true once closed; a closed tensor refuses every op
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Dtype, shape and device, for messages; never reads the elements.
   *
   * @return e.g. "float32[128, 784] on cpu"
   */
  public String describe() {
    return dtype + Arrays.toString(shape) + " on " + device;
  }

  @Override
  public String toString() {
    if (closed) return "Tensor(" + describe() + ", closed)";
    StringBuilder sb = new StringBuilder("Tensor(").append(describe());
    if (numel() <= 16) {
      sb.append(", [");
      for (long i = 0; i < numel(); i++) sb.append(i == 0 ? "" : ", ").append(getDouble(i));
      sb.append(']');
    }
    if (requiresGrad()) sb.append(", requiresGrad");
    return sb.append(')').toString();
  }

  // ---- lifetime -----------------------------------------------------------------------------

  /** Frees the native memory (idempotent). Also frees this tensor's gradient. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    scope = null;
    ref.close();
    if (grad != null) {
      grad.close();
      grad = null;
    }
  }

  /**
   * Takes this tensor out of its {@link TensorScope}: the caller now owns it and must close it.
   *
   * @return this tensor
   */
  public Tensor keep() {
    TensorScope s = scope;
    if (s != null) s.keep(this);
    return this;
  }

  /**
   * The native handle, after checking the tensor is open. For org.jdnn's own op classes. A close()
   * racing with the op after this check is caught natively: the op completes before the memory is
   * freed, or fails with "tensor is closed" (core/handles.h).
   */
  long h() {
    if (closed) throw closedError();
    return ref.handle();
  }

  private IllegalStateException closedError() {
    return new IllegalStateException("tensor " + describe() + " is closed"
        + (ref.site != null ? "; " + ref.describe() : " (run with -Djdnn.debug=true to see where it was created)"));
  }

  // The float32 array copies run in a JNI critical region (the array pinned, not copied).
  private void writeF32(float[] data, long offset) {
    checkCopyStatus(JdnnNative.tensor_write_f32_critical(h(), data, offset, data.length));
  }

  private void readF32(float[] out, long offset) {
    checkCopyStatus(JdnnNative.tensor_read_f32_critical(h(), out, offset, out.length));
  }

  // A close racing with the copy is worded as Java's own closed check words it.
  private void checkCopyStatus(int status) {
    if (status == NativeErrors.Kind.CLOSED.ordinal()) throw closedError();
    NativeErrors.check(status);
  }

  // ---- autograd -----------------------------------------------------------------------------

  /**
   * Whether this tensor takes part in autograd: a leaf marked with {@link #requiresGrad(boolean)},
   * or an op's output with such an input.
   *
   * @return true when a backward can reach it
   */
  public boolean requiresGrad() {
    return requiresGradFlag;
  }

  /**
   * Marks a leaf tensor (a parameter or an input) as needing a gradient.
   *
   * @param value whether backward fills {@link #grad()}
   * @return this tensor
   * @throws IllegalArgumentException when turning it on for an integer tensor
   * @throws IllegalStateException when turning it off on a computed tensor (use {@link #detach()}), or
   *     this tensor is closed
   */
  public Tensor requiresGrad(boolean value) {
    h();
    if (gradFn != null && !value) {
      throw new IllegalStateException("requiresGrad(false) on a computed tensor: use detach()");
    }
    if (value && !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("only float tensors can require gradients, got " + describe());
    }
    requiresGradFlag = value;
    return this;
  }

  /**
   * The accumulated gradient of a leaf.
   *
   * @return this tensor's shape, dtype and device, owned by this tensor (closed with it or by
   *     {@link #clearGrad()}); null before the first backward that reaches it
   */
  public Tensor grad() {
    return grad;
  }

  /** Sets the accumulated gradient to zero (keeping its memory for the next step). */
  public void zeroGrad() {
    if (grad != null) NativeErrors.check(JdnnNative.tensor_fill(grad.h(), 0));
  }

  /**
   * Sets this leaf's gradient to a copy of {@code value} (allocating it when there is none), as
   * assigning {@code param.grad} does in PyTorch: for code that computes gradients itself, such as
   * an all-reduce of gradients across processes.
   *
   * @param value this tensor's shape, dtype and device; not kept
   * @throws IllegalStateException when this tensor is computed (not a leaf) or does not require a gradient
   * @throws IllegalArgumentException when value's shape, dtype or device differ
   */
  public void setGrad(Tensor value) {
    h();
    if (gradFn != null || !requiresGrad()) {
      throw new IllegalStateException("setGrad: " + describe() + " is not a leaf that requires a gradient");
    }
    requireSameShape("setGrad", value);
    requireSameDevice("setGrad", this, value);
    if (value.dtype() != dtype) {
      throw new IllegalArgumentException("setGrad: the gradient of " + describe() + " must be " + dtype + ", got "
          + value.dtype());
    }
    if (grad == null) {
      accumulateGrad(value);
    } else {
      NativeErrors.check(JdnnNative.tensor_copy(value.h(), grad.h()));
    }
  }

  /**
   * Runs {@code hook} with this leaf each time a backward pass has finished adding to its
   * {@link #grad()}: once per pass, after the last op of the pass that contributes to it (PyTorch's
   * {@code register_post_accumulate_grad_hook}). DistributedDataParallel uses it to start reducing
   * gradients while backward goes on. The hook runs on the thread running backward, with recording
   * off; it may read and modify the gradient in place. An exception it throws ends the backward.
   *
   * @param hook receives this tensor
   * @return a handle whose {@code close()} removes the hook
   * @throws IllegalStateException when this tensor is computed (not a leaf) or does not require a gradient
   */
  public AutoCloseable registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
    h();
    if (gradFn != null || !requiresGrad()) {
      throw new IllegalStateException("registerPostAccumulateGradHook: " + describe()
          + " is not a leaf that requires a gradient");
    }
    if (hook == null) throw new IllegalArgumentException("registerPostAccumulateGradHook: null hook");
    if (gradHooks == null) gradHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    gradHooks.add(hook);
    return () -> gradHooks.remove(hook);
  }

  void runGradHooks() {
    if (gradHooks != null) for (java.util.function.Consumer<Tensor> h : gradHooks) h.accept(this);
  }

  /** Frees the gradient; the next backward allocates a new one. */
  public void clearGrad() {
    if (grad != null) {
      grad.close();
      grad = null;
    }
  }

  /**
   * Backpropagates from this scalar (d self / d self = 1) and frees the graph: a second backward through it
   * throws IllegalStateException, as in PyTorch. Use {@link #backward(boolean)} to keep the graph.
   * Leaf gradients accumulate into {@link #grad()}; intermediate gradients are freed when it returns.
   *
   * @throws IllegalArgumentException when this tensor has more than one element
   * @throws IllegalStateException when it does not require a gradient, or the graph was freed by an
   *     earlier backward
   */
  public void backward() {
    backward(false);
  }

  /**
   * As {@link #backward()}; {@code retainGraph} (PyTorch's retain_graph) keeps the graph for another
   * backward.
   *
   * @param retainGraph whether the graph and the tensors its ops saved stay for another backward
   * @throws IllegalArgumentException when this tensor has more than one element
   * @throws IllegalStateException when it does not require a gradient, or the graph was freed
   */
  public void backward(boolean retainGraph) {
    if (numel() != 1) {
      throw new IllegalArgumentException("backward() needs a scalar (one-element) tensor, got "
          + describe() + "; pass an explicit gradient with backward(gradient)");
    }
    backward(null, retainGraph);
  }

  /**
   * Backpropagates {@code gradient} (same shape as this tensor; null means ones) and frees the graph.
   *
   * @param gradient d loss / d this, this tensor's shape and device; not closed
   * @throws IllegalArgumentException when the gradient's shape or device differs
   * @throws IllegalStateException when this tensor does not require a gradient, or the graph was
   *     freed
   */
  public void backward(Tensor gradient) {
    backward(gradient, false);
  }

  /**
   * As {@link #backward(Tensor)}; {@code retainGraph} keeps the graph for another backward.
   *
   * @param gradient d loss / d this, this tensor's shape and device, or null for ones; not closed
   * @param retainGraph whether the graph stays for another backward
   * @throws IllegalArgumentException when the gradient's shape or device differs
   * @throws IllegalStateException when this tensor does not require a gradient, or the graph was
   *     freed
   */
  public void backward(Tensor gradient, boolean retainGraph) {
    h();
    if (!requiresGrad()) {
      throw new IllegalStateException("backward: " + describe() + " does not require a gradient: "
          + "no input of the computation requires one, or it ran with GradMode disabled");
    }
    if (gradient != null) {
      requireSameShape("backward", gradient);
      requireSameDevice("backward", this, gradient);
    }
    try (GradMode.Guard g = GradMode.disable()) {
      if (gradFn == null) {
        Autograd.backwardLeaf(this, gradient != null ? gradient : onesLike(this));
        return;
      }
      Autograd.backward(this, gradient, retainGraph);
    }
  }

  /**
   * Runs {@code write(destination, beta)} so that it adds this leaf's gradient contribution
   * straight into {@link #grad()}: beta 0 into a freshly allocated gradient, 1 onto an existing one.
   * Lets an op whose backward is a GEMM (Linear's weight gradient) accumulate with the GEMM's beta
   * instead of producing a temporary that is then copied or added.
   */
  void accumulateGradInto(java.util.function.BiConsumer<Tensor, Double> write) {
    if (gradFn != null) throw new IllegalStateException("accumulateGradInto: " + describe() + " is not a leaf");
    boolean fresh = grad == null;
    if (fresh) {
      grad = Tensor.empty(dtype, device, shape);
      TensorScope s = grad.scope;
      if (s != null) s.keep(grad);
    }
    try {
      write.accept(grad, fresh ? 0.0 : 1.0);
    } catch (RuntimeException | Error e) {
      // A fresh gradient the write did not fill is garbage: drop it, so that the next backward
      // starts from none rather than adding onto it.
      if (fresh) {
        Tensor unfilled = grad;
        grad = null;
        unfilled.close();
      }
      throw e;
    }
  }

  void accumulateGrad(Tensor g) {
    if (grad == null) {
      accumulateGradInto((dst, unusedBeta) -> NativeErrors.check(JdnnNative.tensor_copy(g.h(), dst.h())));
    } else {
      NativeErrors.check(JdnnNative.op_binary(BinaryOp.ADD.code, grad.h(), g.h(), grad.h()));
    }
  }

  /**
   * A new tensor sharing this one's memory, outside the graph (no gradient flows through it).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller); writes through either are seen by both
   */
  public Tensor detach() {
    return new Tensor(NativeErrors.handle(JdnnNative.tensor_view(h(), shape, shape.length)), shape.clone(), dtype, device);
  }

  static Tensor onesLike(Tensor t) {
    Tensor o = empty(t.dtype, t.device, t.shape);
    NativeErrors.check(JdnnNative.tensor_fill(o.h(), 1));
    return o;
  }

  // ---- shape ops ----------------------------------------------------------------------------

  /**
   * Same data, new shape; one dimension may be -1 (inferred). Gradients flow back reshaped.
   *
   * @param newShape dimensions holding numel() elements, one of them possibly -1
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), sharing this one's memory
   * @throws IllegalArgumentException when the shape has a negative dimension other than one -1 or
   *     does not hold numel() elements
   */
  public Tensor reshape(long... newShape) {
    long[] s = inferShape(newShape);
    Tensor out = new Tensor(NativeErrors.handle(JdnnNative.tensor_view(h(), s, s.length)), s, dtype, device);
    long[] original = shape;
    return Autograd.record("reshape", out, g -> new Tensor[] {g.reshape(original)}, this);
  }

  /**
   * Keeps dimension 0 and flattens the rest: (N, ...) to (N, prod(...)); a scalar becomes (1).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), sharing this one's memory
   */
  public Tensor flatten() {
    if (shape.length == 0) return reshape(1);
    return reshape(shape[0], -1);
  }

  /**
   * A copy converted to {@code target} (no gradient flows through a conversion to an integer type).
   *
   * @param target the new element type (float to integer truncates toward zero)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), always a copy, on this tensor's device
   */
  public Tensor to(DType target) {
    Tensor out = convertedCopy(target);
    if (!target.isFloatingPoint() || !dtype.isFloatingPoint()) return out;
    DType source = dtype;
    return Autograd.record("to(" + target + ")", out, g -> new Tensor[] {g.to(source)}, this);
  }

  /** A copy converted to {@code target} on this tensor's device, never recorded (what {@link #to(DType)} records). */
  Tensor convertedCopy(DType target) {
    Tensor out = empty(target, device, shape);
    NativeErrors.check(JdnnNative.tensor_copy(h(), out.h()));
    return out;
  }

  /**
   * This tensor on {@code target}: itself when already there, else a copy (gradients flow back to
   * this tensor's device). Copies to and from a GPU wait for queued work on it.
   *
   * @param target the device to copy to
   * @return this tensor when already there (do not close it twice), else a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code target} is null
   */
  public Tensor to(Device target) {
    if (target == null) throw new IllegalArgumentException("to: target device must not be null");
    if (target == device) return this;
    Tensor out = empty(dtype, target, shape);
    NativeErrors.check(JdnnNative.tensor_transfer(h(), out.h()));
    if (!dtype.isFloatingPoint()) return out;
    Device source = device;
    return Autograd.record("to(" + target + ")", out, g -> new Tensor[] {g.to(source)}, this);
  }

  /**
   * This tensor on {@code target} as {@link #to(Device)} gives it, for a batch prepared ahead of
   * the step that uses it (a data loader's prefetch thread): from the host to a GPU the copy is
   * queued on the device's copy stream from pinned memory, so it runs while the work queued
   * before it computes, and the first op that uses the result waits for the copy on the device
   * (the host does not wait). No gradient flows back. Other pairs of devices copy as {@code to}.
   *
   * @param target the device to copy to
   * @return this tensor when already there (do not close it twice), else a new tensor in the
   *     innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code target} is null
   */
  public Tensor prefetchTo(Device target) {
    if (target == null) throw new IllegalArgumentException("prefetchTo: target device must not be null");
    if (target == device) return this;
    Tensor out = empty(dtype, target, shape);
    NativeErrors.check(JdnnNative.tensor_transfer_async(h(), out.h()));
    return out;
  }

  /**
   * Overwrites this tensor's elements with {@code source}'s, in place, from any device (a batch
   * copied into the static input buffer of a captured CUDA graph, {@code org.jdnn.train.StepGraph}).
   * No gradient flows through it; this tensor keeps its memory.
   *
   * @param source a tensor of this tensor's dtype and shape, on any device
   * @throws IllegalArgumentException when the dtype or shape differ
   */
  public void copyFrom(Tensor source) {
    if (source.dtype != dtype || !Arrays.equals(source.shape, shape)) {
      throw new IllegalArgumentException("copyFrom: expected a " + dtype + " tensor of shape " + Arrays.toString(shape)
          + ", got " + source.describe());
    }
    if (source.device == device) {
      NativeErrors.check(JdnnNative.tensor_copy(source.h(), h()));
    } else {
      NativeErrors.check(JdnnNative.tensor_transfer(source.h(), h()));
    }
  }

  /**
   * A copy that stays in the graph (gradients flow to this tensor).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller) with its own memory
   */
  public Tensor copy() {
    Tensor out = empty(dtype, device, shape);
    NativeErrors.check(JdnnNative.tensor_copy(h(), out.h()));
    return Autograd.record("copy", out, g -> new Tensor[] {g}, this);
  }

  // ---- layout, indexing and masks (LayoutOps, NarrowOps, IndexOps, ConcatOps, PadOps, WhereOps) ----
  //
  // Every jdnn tensor is contiguous (row-major, no strides), so where PyTorch returns a strided view
  // (transpose, permute, expand, select, slice) these return a contiguous copy with the same values;
  // squeeze, unsqueeze and view change only the shape and share memory, as reshape does.

  /**
   * This tensor, which is already contiguous: every jdnn tensor is (PyTorch's {@code contiguous()}
   * copies a strided view; jdnn has none, since its layout ops copy).
   *
   * @return this tensor itself (do not close it twice)
   * @throws IllegalStateException when this tensor is closed
   */
  public Tensor contiguous() {
    h();
    return this;
  }

  /**
   * Dimensions {@code dim0} and {@code dim1} swapped (PyTorch's {@code transpose}; a copy here, not a
   * view). The gradient is transposed back.
   *
   * @param dim0 a dimension in [-rank, rank) (a scalar takes 0 or -1)
   * @param dim1 another, or the same (then the values are copied unchanged)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension is out of range or the rank exceeds 8
   */
  public Tensor transpose(int dim0, int dim1) { return LayoutOps.transpose(this, dim0, dim1); }

  /**
   * The dimensions reordered: output dimension k is this tensor's dimension {@code dims[k]}
   * (PyTorch's {@code permute}; a copy here, not a view). The gradient is permuted back.
   *
   * @param dims each dimension once, in [-rank, rank), at most 8
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when dims is not a permutation of this tensor's dimensions
   */
  public Tensor permute(int... dims) { return LayoutOps.permute(this, dims); }

  /**
   * This tensor repeated along its size-1 dimensions, and along new leading ones, to {@code sizes}
   * (PyTorch's {@code expand}, whose -1 keeps a size; a copy here, not a view). The gradient is
   * summed over the repeats.
   *
   * @param sizes at least this tensor's rank and at most 8 sizes, right-aligned with its shape
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when a dimension of size other than 1 would change
   */
  public Tensor expand(long... sizes) { return LayoutOps.expand(this, sizes); }

  /**
   * The same elements with every size-1 dimension removed (PyTorch's {@code squeeze()}); shares memory.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   */
  public Tensor squeeze() { return LayoutOps.squeeze(this); }

  /**
   * Dimension {@code dim} removed when its size is 1, else the same shape (PyTorch's
   * {@code squeeze(dim)}); shares memory.
   *
   * @param dim in [-rank, rank) (a scalar takes 0 or -1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code dim} is out of range
   */
  public Tensor squeeze(int dim) { return LayoutOps.squeeze(this, dim); }

  /**
   * A size-1 dimension inserted at {@code dim} (PyTorch's {@code unsqueeze}); shares memory.
   *
   * @param dim in [-rank - 1, rank]: negative counts from the end of the result
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code dim} is out of range
   */
  public Tensor unsqueeze(int dim) { return LayoutOps.unsqueeze(this, dim); }

  /**
   * The same data in another shape, as {@link #reshape}: PyTorch's {@code view}, which every jdnn
   * tensor allows since all are contiguous; shares memory.
   *
   * @param shape dimensions holding numel() elements, one of them possibly -1
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException as {@link #reshape} does
   */
  public Tensor view(long... shape) { return reshape(shape); }

  /**
   * The slice at {@code index} of dimension {@code dim}, that dimension removed (PyTorch's
   * {@code select}, {@code x[:, i]} in Python; a copy). The gradient goes back into zeros.
   *
   * @param dim in [-rank, rank)
   * @param index in [-size, size): negative counts from the end
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of rank - 1
   * @throws IllegalArgumentException when {@code dim} is out of range or this tensor is a scalar
   * @throws IndexOutOfBoundsException when {@code index} is out of range
   */
  public Tensor select(int dim, long index) { return NarrowOps.select(this, dim, index); }

  /**
   * The slice [start, start + length) of dimension {@code dim} (PyTorch's {@code narrow}; a copy
   * here, not a view). The gradient goes back into zeros.
   *
   * @param dim in [-rank, rank)
   * @param start the first index, in [0, size]
   * @param length how many, with start + length at most the dimension's size
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code dim} or the slice is out of range
   */
  public Tensor narrow(int dim, long start, long length) { return NarrowOps.narrow(this, dim, start, length); }

  /**
   * Indices start, start + step, ... below end of dimension {@code dim}, as Python's
   * {@code x[start:end:step]} along it: negative start and end count from the end and both are
   * clamped to the dimension, so an empty range gives size 0 (a copy; PyTorch returns a view). Step
   * 1 is {@code narrow}; other steps pick with {@link #indexSelect}. The gradient goes back into zeros.
   *
   * @param dim in [-rank, rank)
   * @param start the first index
   * @param end one past the last index (Long.MAX_VALUE: to the end)
   * @param step positive
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when {@code dim} is out of range or step is not positive
   */
  public Tensor slice(int dim, long start, long end, long step) { return NarrowOps.slice(this, dim, start, end, step); }

  /**
   * The slices {@code index[0], index[1], ...} of dimension {@code dim}, in that order (PyTorch's
   * {@code index_select}); indices may repeat. The gradient is index_add into zeros, so repeated
   * indices accumulate (on a GPU by atomic adds, in no fixed order).
   *
   * @param dim in [-rank, rank)
   * @param index int64 (or int32), 1-D or a scalar, same device; each value in [0, size of dim)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), with
   *     dimension {@code dim} of the index's length
   * @throws IllegalArgumentException for a wrong index dtype, rank or device, or dim out of range
   * @throws IndexOutOfBoundsException for an index value outside the dimension, naming the first (on a
   *     GPU raised at the next synchronizing call)
   */
  public Tensor indexSelect(int dim, Tensor index) { return IndexOps.indexSelect(this, dim, index); }

  /**
   * out[p] = this[p with p[dim] replaced by index[p]] for every position p of {@code index}
   * (PyTorch's {@code gather}). The gradient is scatter_add into zeros.
   *
   * @param dim in [-rank, rank)
   * @param index int64 (or int32), this tensor's rank (at most 8), no larger than it outside dim
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the index's shape
   * @throws IllegalArgumentException for a wrong index dtype, rank, shape or device
   * @throws IndexOutOfBoundsException for an index value outside dimension dim (on a GPU raised at the
   *     next synchronizing call)
   */
  public Tensor gather(int dim, Tensor index) { return IndexOps.gather(this, dim, index); }

  /**
   * A copy of this tensor with src[p] added at (p with p[dim] replaced by index[p]) for every
   * position p of {@code index} (PyTorch's out-of-place {@code scatter_add}); repeated targets
   * accumulate (on a GPU by atomic adds, so float sums are in no fixed order). Gradients: this
   * tensor gets the output's gradient, src gets it gathered at the index.
   *
   * @param dim in [-rank, rank)
   * @param index int64 (or int32), this tensor's rank (at most 8), no larger than src in any
   *     dimension nor than this tensor outside dim
   * @param src float32 or float64 values of this tensor's dtype
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), this tensor's shape
   * @throws IllegalArgumentException for wrong dtypes, ranks, shapes or devices
   * @throws IndexOutOfBoundsException for an index value outside dimension dim (on a GPU raised at the
   *     next synchronizing call)
   */
  public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return IndexOps.scatterAdd(this, dim, index, src); }

  /**
   * Constant padding of the last dimensions (torch.nn.functional.pad, mode "constant", value 0).
   *
   * @param pads (before, after) pairs from the last dimension backwards, at most two per
   *     dimension; a negative pad crops
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException for an odd count, too many pads, or a crop beyond a dimension
   */
  public Tensor pad(long... pads) { return PadOps.pad(this, pads, 0); }

  /**
   * Constant padding with {@code value} (torch.nn.functional.pad, mode "constant"); the gradient
   * crops the padding off.
   *
   * @param value the fill (rounded to this tensor's dtype)
   * @param pads (before, after) pairs from the last dimension backwards; a negative pad crops
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException for an odd count, too many pads, or a crop beyond a dimension
   */
  public Tensor pad(double value, long... pads) { return PadOps.pad(this, pads, value); }

  /**
   * This tensor with {@code value} where {@code mask} is nonzero (PyTorch's {@code masked_fill}). The
   * gradient is the output's where the mask is zero, else 0.
   *
   * @param mask uint8 (PyTorch's bool: 0 or 1, any nonzero is true), broadcast to this tensor's shape
   * @param value the fill (rounded to this tensor's dtype)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the mask is not uint8 or does not broadcast to this shape
   */
  public Tensor maskedFill(Tensor mask, double value) { return WhereOps.maskedFill(this, mask, value); }

  /**
   * The elements where {@code mask} is nonzero, in row-major order, as a 1-D tensor (PyTorch's
   * {@code masked_select}; this tensor and the mask broadcast together). Its length depends on
   * the mask's values, which are read on the host: on a GPU this waits for the device.
   *
   * @param mask uint8 (0 or 1, any nonzero is true)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when the mask is not uint8 or the shapes do not broadcast
   */
  public Tensor maskedSelect(Tensor mask) { return WhereOps.maskedSelect(this, mask); }

  /**
   * a where {@code cond} is nonzero, else b, element-wise (PyTorch's {@code torch.where(condition,
   * input, other)}); the three broadcast together (NumPy rules, at most 8 dimensions). Gradients: a
   * gets the output's gradient where cond holds, b where it does not (summed to their shapes). Unlike
   * arithmetic blending, an infinity or NaN in the branch not taken does not leak into the result.
   *
   * @param cond uint8 (0 or 1, any nonzero is true)
   * @param a the values taken where cond holds
   * @param b the values taken elsewhere (another dtype than a's is promoted as in PyTorch: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when cond is not uint8, the devices differ, or the shapes do not broadcast
   */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) { return WhereOps.where(cond, a, b); }

  /**
   * The tensors joined along dimension {@code dim} (PyTorch's {@code torch.cat}); they need the same
   * rank, device and sizes outside dim. Mixed dtypes are promoted as in PyTorch (see {@link DType}). The gradient is
   * sliced back, in each tensor's dtype.
   *
   * @param dim in [-rank, rank)
   * @param tensors one or more
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when none is given or they do not fit together
   */
  public static Tensor cat(int dim, Tensor... tensors) { return ConcatOps.concat(dim, "cat", tensors); }

  /**
   * The tensors stacked along a new dimension {@code dim} (PyTorch's {@code torch.stack}); they need
   * one shape and device. Mixed dtypes are promoted as in PyTorch (see {@link DType}). The gradient is sliced back, in
   * each tensor's dtype.
   *
   * @param dim in [-rank - 1, rank]
   * @param tensors one or more
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), with a
   *     dimension of size tensors.length at dim
   * @throws IllegalArgumentException when none is given or they differ
   */
  public static Tensor stack(int dim, Tensor... tensors) { return ConcatOps.stack(dim, tensors); }

  // ---- arithmetic (NumPy broadcasting) -------------------------------------------------------

  /**
   * this + other, element-wise.
   *
   * @param other the second operand, broadcast against this one (NumPy rules), on this device; another dtype is
   *     promoted as in PyTorch (bfloat16 with float32 gives float32: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape, in the graph when an operand requires a
   *     gradient
   * @throws IllegalArgumentException when neither is float, the devices differ, or the shapes cannot be
   *     broadcast
   */
  public Tensor add(Tensor other) { return ElementwiseOps.binary(BinaryOp.ADD, this, other); }

  /**
   * this - other, element-wise.
   *
   * @param other the second operand, broadcast against this one (NumPy rules), on this device; another dtype is
   *     promoted as in PyTorch (bfloat16 with float32 gives float32: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape, in the graph when an operand requires a
   *     gradient
   * @throws IllegalArgumentException when neither is float, the devices differ, or the shapes cannot be
   *     broadcast
   */
  public Tensor sub(Tensor other) { return ElementwiseOps.binary(BinaryOp.SUB, this, other); }

  /**
   * this * other, element-wise (not a matrix product: see {@link #matmul}).
   *
   * @param other the second operand, broadcast against this one (NumPy rules), on this device; another dtype is
   *     promoted as in PyTorch (bfloat16 with float32 gives float32: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape, in the graph when an operand requires a
   *     gradient
   * @throws IllegalArgumentException when neither is float, the devices differ, or the shapes cannot be
   *     broadcast
   */
  public Tensor mul(Tensor other) { return ElementwiseOps.binary(BinaryOp.MUL, this, other); }

  /**
   * this / other, element-wise (IEEE: x / 0 is infinite or NaN).
   *
   * @param other the second operand, broadcast against this one (NumPy rules), on this device; another dtype is
   *     promoted as in PyTorch (bfloat16 with float32 gives float32: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape, in the graph when an operand requires a
   *     gradient
   * @throws IllegalArgumentException when neither is float, the devices differ, or the shapes cannot be
   *     broadcast
   */
  public Tensor div(Tensor other) { return ElementwiseOps.binary(BinaryOp.DIV, this, other); }

  /**
   * this + value, element-wise.
   *
   * @param value the scalar
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor add(double value) { return ElementwiseOps.unary(UnaryOp.ADD_SCALAR, this, value); }

  /**
   * this - value, element-wise.
   *
   * @param value the scalar
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor sub(double value) { return ElementwiseOps.unary("sub(scalar)", UnaryOp.ADD_SCALAR, this, -value, 0); }

  /**
   * this * value, element-wise.
   *
   * @param value the scalar
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor mul(double value) { return ElementwiseOps.unary(UnaryOp.SCALE, this, value); }

  /**
   * this / value, element-wise (computed as this * (1 / value)).
   *
   * @param value the scalar
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor div(double value) { return ElementwiseOps.unary("div(scalar)", UnaryOp.SCALE, this, 1.0 / value, 0); }

  /**
   * -x, element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor neg() { return ElementwiseOps.unary(UnaryOp.NEG, this, 0); }

  /**
   * e^x, element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor exp() { return ElementwiseOps.unary(UnaryOp.EXP, this, 0); }

  /**
   * Natural logarithm, element-wise (log 0 is -infinity, log of a negative is NaN).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor log() { return ElementwiseOps.unary(UnaryOp.LOG, this, 0); }

  /**
   * Square root, element-wise (NaN below 0).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor sqrt() { return ElementwiseOps.unary(UnaryOp.SQRT, this, 0); }

  /**
   * |x|, element-wise; its gradient at 0 is 0.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor abs() { return ElementwiseOps.unary(UnaryOp.ABS, this, 0); }

  /**
   * x^2, element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor square() { return ElementwiseOps.unary(UnaryOp.SQUARE, this, 0); }

  /**
   * 1 / x, element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor reciprocal() { return ElementwiseOps.unary(UnaryOp.RECIPROCAL, this, 0); }

  /**
   * x^exponent, element-wise.
   *
   * @param exponent the power
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor pow(double exponent) { return ElementwiseOps.unary(UnaryOp.POW, this, exponent); }

  /**
   * 1 / sqrt(x), element-wise, as torch.rsqrt (infinity at 0, NaN below 0).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor rsqrt() { return ElementwiseOps.unary(UnaryOp.RSQRT, this, 0); }

  /**
   * x limited to [min, max], element-wise, as torch.clamp: max(x, min), then min with max, so where
   * {@code min > max} every element becomes {@code max} (PyTorch's documented rule). NaN stays NaN.
   * The gradient passes where min &lt;= x &lt;= max, the bounds included (PyTorch's convention), and
   * is 0 elsewhere and at NaN. The bounds are rounded to this tensor's dtype, as PyTorch does.
   *
   * @param min the lower bound (-infinity: none)
   * @param max the upper bound (+infinity: none)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when a bound is NaN, or this tensor is not a float type
   */
  public Tensor clamp(double min, double max) { return ElementwiseOps.clamp("clamp", this, min, max); }

  /**
   * max(x, min), element-wise: {@code clamp(min, +infinity)}, torch.clamp(x, min=min).
   *
   * @param min the lower bound
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when {@code min} is NaN, or this tensor is not a float type
   */
  public Tensor clampMin(double min) { return ElementwiseOps.clamp("clampMin", this, min, Double.POSITIVE_INFINITY); }

  /**
   * min(x, max), element-wise: {@code clamp(-infinity, max)}, torch.clamp(x, max=max).
   *
   * @param max the upper bound
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when {@code max} is NaN, or this tensor is not a float type
   */
  public Tensor clampMax(double max) { return ElementwiseOps.clamp("clampMax", this, Double.NEGATIVE_INFINITY, max); }

  /**
   * this^exponent, element-wise with NumPy broadcasting, as torch.pow(Tensor, Tensor): C's pow (0^0 is 1,
   * a negative base with a non-integer exponent NaN). Differentiable in both: d/dbase = exponent
   * base^(exponent - 1), 0 where the exponent is 0; d/dexponent = base^exponent log(base), 0 where the
   * base is 0 and the exponent &gt;= 0 (PyTorch's conventions).
   *
   * @param exponent the powers, broadcasting against this tensor, on this device (another dtype is promoted as in
   *     PyTorch: see {@link DType})
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape, in the graph when an operand requires a gradient
   * @throws IllegalArgumentException when neither operand is a float type, the devices differ, or the shapes do
   *     not broadcast
   */
  public Tensor pow(Tensor exponent) { return ElementwiseOps.binary(BinaryOp.POW, this, exponent); }

  // ---- comparisons and logical ops: uint8 0/1 results, outside the graph ---------------------

  /**
   * {@code this == other}, element-wise with NumPy broadcasting, as torch.eq: a uint8 tensor, 1 where
   * the elements are equal (NaN equals nothing, itself included), 0 elsewhere. IEEE comparison: NaN
   * compares false, except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor eq(Tensor other) { return ElementwiseOps.compare(CompareOp.EQ, this, other); }

  /**
   * {@code this == value}, element-wise, as torch.eq with a scalar: the value is rounded to this
   * tensor's dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor eq(double value) { return ElementwiseOps.compare(CompareOp.EQ, this, value); }

  /**
   * {@code this != other}, element-wise with NumPy broadcasting, as torch.ne: a uint8 tensor, 1 where
   * the elements differ (NaN differs from everything), 0 elsewhere. IEEE comparison: NaN compares false,
   * except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor ne(Tensor other) { return ElementwiseOps.compare(CompareOp.NE, this, other); }

  /**
   * {@code this != value}, element-wise, as torch.ne with a scalar: the value is rounded to this
   * tensor's dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor ne(double value) { return ElementwiseOps.compare(CompareOp.NE, this, value); }

  /**
   * {@code this < other}, element-wise with NumPy broadcasting, as torch.lt: a uint8 tensor, 1 where
   * this tensor's element is less than the other's, 0 elsewhere. IEEE comparison: NaN compares false,
   * except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor lt(Tensor other) { return ElementwiseOps.compare(CompareOp.LT, this, other); }

  /**
   * {@code this < value}, element-wise, as torch.lt with a scalar: the value is rounded to this tensor's
   * dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor lt(double value) { return ElementwiseOps.compare(CompareOp.LT, this, value); }

  /**
   * {@code this <= other}, element-wise with NumPy broadcasting, as torch.le: a uint8 tensor, 1 where
   * this tensor's element is less than or equal to the other's, 0 elsewhere. IEEE comparison: NaN
   * compares false, except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor le(Tensor other) { return ElementwiseOps.compare(CompareOp.LE, this, other); }

  /**
   * {@code this <= value}, element-wise, as torch.le with a scalar: the value is rounded to this
   * tensor's dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor le(double value) { return ElementwiseOps.compare(CompareOp.LE, this, value); }

  /**
   * {@code this > other}, element-wise with NumPy broadcasting, as torch.gt: a uint8 tensor, 1 where
   * this tensor's element is greater than the other's, 0 elsewhere. IEEE comparison: NaN compares false,
   * except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor gt(Tensor other) { return ElementwiseOps.compare(CompareOp.GT, this, other); }

  /**
   * {@code this > value}, element-wise, as torch.gt with a scalar: the value is rounded to this tensor's
   * dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor gt(double value) { return ElementwiseOps.compare(CompareOp.GT, this, value); }

  /**
   * {@code this >= other}, element-wise with NumPy broadcasting, as torch.ge: a uint8 tensor, 1 where
   * this tensor's element is greater than or equal to the other's, 0 elsewhere. IEEE comparison: NaN
   * compares false, except under ne. Not recorded by autograd.
   *
   * @param other any dtype (promoted with this one's as in PyTorch: see {@link DType}), this device, broadcasting
   *     against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor ge(Tensor other) { return ElementwiseOps.compare(CompareOp.GE, this, other); }

  /**
   * {@code this >= value}, element-wise, as torch.ge with a scalar: the value is rounded to this
   * tensor's dtype first, as PyTorch does. A uint8 tensor of 0 and 1; not recorded by autograd.
   *
   * @param value the scalar; for an integer tensor an integer of its type
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is of an integer type and {@code value} is not one of its values
   */
  public Tensor ge(double value) { return ElementwiseOps.compare(CompareOp.GE, this, value); }

  /**
   * Logical not, as torch.logical_not: 1 where this tensor's element is 0, else 0 (NaN counts as true,
   * so gives 0). Any dtype; the result is uint8 and not recorded by autograd.
   *
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   */
  public Tensor logicalNot() { return ElementwiseOps.compare(CompareOp.EQ, this, 0); }

  /**
   * Logical and, as torch.logical_and: 1 where both elements are nonzero (NaN counts as true), with
   * NumPy broadcasting. Usual on uint8 masks; any dtypes (promoted). Not recorded by autograd.
   *
   * @param other any dtype, this device, broadcasting against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor logicalAnd(Tensor other) { return ElementwiseOps.compare(CompareOp.AND, this, other); }

  /**
   * Logical or, as torch.logical_or: 1 where either element is nonzero (NaN counts as true), with NumPy
   * broadcasting. Usual on uint8 masks; any dtypes (promoted). Not recorded by autograd.
   *
   * @param other any dtype, this device, broadcasting against this tensor
   * @return a new uint8 tensor in the innermost open scope of this thread (else owned by the caller), of the broadcast shape
   * @throws IllegalArgumentException when the devices differ or the shapes do not broadcast
   */
  public Tensor logicalOr(Tensor other) { return ElementwiseOps.compare(CompareOp.OR, this, other); }

  // ---- activations --------------------------------------------------------------------------

  /**
   * max(0, x); NaN stays NaN, as in PyTorch.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor relu() { return ElementwiseOps.unary(UnaryOp.RELU, this, 0); }

  /**
   * 1 / (1 + e^-x), element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor sigmoid() { return ElementwiseOps.unary(UnaryOp.SIGMOID, this, 0); }

  /**
   * Hyperbolic tangent, element-wise.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor tanh() { return ElementwiseOps.unary(UnaryOp.TANH, this, 0); }

  /**
   * SiLU (swish), x * sigmoid(x), as torch.nn.functional.silu; differentiable, NaN stays NaN.
   *
   * @return a new tensor of this one's shape, dtype and device
   */
  public Tensor silu() { return ElementwiseOps.unary(UnaryOp.SILU, this, 0); }

  /**
   * GELU with the exact normal CDF, x Phi(x) = x (1 + erf(x / sqrt 2)) / 2: torch.nn.functional.gelu's
   * default, {@code gelu("none")}. Differentiable; NaN stays NaN.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor gelu() { return ElementwiseOps.unary(UnaryOp.GELU, this, 0); }

  /**
   * GELU as torch.nn.functional.gelu(x, approximate): "none" is the exact x Phi(x), "tanh" the
   * approximation x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2. Differentiable; NaN stays NaN.
   *
   * @param approximate "none" or "tanh", as PyTorch names them
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when {@code approximate} is neither, or this tensor is not a float type
   */
  public Tensor gelu(String approximate) {
    return ElementwiseOps.unary(UnaryOp.GELU, this, ElementwiseOps.geluApproximation(approximate));
  }

  /**
   * max(0, x) + slope * min(0, x).
   *
   * @param negativeSlope the slope below 0 (PyTorch's default 0.01)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor leakyRelu(double negativeSlope) { return ElementwiseOps.unary(UnaryOp.LEAKY_RELU, this, negativeSlope); }

  /**
   * x for x &gt; 0, alpha (e^x - 1) otherwise (computed with expm1, exact near 0-).
   *
   * @param alpha the scale of the negative side (PyTorch's default 1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor elu(double alpha) { return ElementwiseOps.unary(UnaryOp.ELU, this, alpha); }

  /**
   * PyTorch's default softplus: {@code softplus(1, 20)}.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor softplus() { return softplus(1, 20); }

  /**
   * log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's Softplus(beta,
   * threshold)); beta finite and nonzero, threshold finite.
   *
   * @param beta the sharpness, finite and nonzero
   * @param threshold beta x above which the result is x itself, finite
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when a setting is out of range or this tensor is not float
   */
  public Tensor softplus(double beta, double threshold) {
    if (!Double.isFinite(beta) || beta == 0 || !Double.isFinite(threshold)) {
      throw new IllegalArgumentException("softplus: beta must be finite and nonzero and threshold finite, got beta "
          + beta + ", threshold " + threshold);
    }
    return ElementwiseOps.unary(UnaryOp.SOFTPLUS, this, beta, threshold);
  }

  /**
   * Heaviside step 1{x >= 0}: {@code heaviside(1)}. Named as torch.heaviside (not "step", which is
   * what an optimizer does).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape; not differentiable
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor heaviside() { return heaviside(1); }

  /**
   * Heaviside step as torch.heaviside(x, valueAtZero): 1 where x > 0, {@code valueAtZero} where
   * x == 0, 0 where x &lt; 0 and where x is NaN. Not differentiable: backward through it throws.
   *
   * @param valueAtZero the result where x == 0
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor heaviside(double valueAtZero) { return ElementwiseOps.unary(UnaryOp.HEAVISIDE, this, valueAtZero); }

  /**
   * Softmax over the last dimension (the row maximum subtracted first, so large inputs stay
   * finite).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float32 or float64, or a scalar
   */
  public Tensor softmax() { return SoftmaxOps.apply(this, 1.0, false); }

  /**
   * softmax(x / temperature) over the last dimension.
   *
   * @param temperature positive and finite
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float32 or float64, or a scalar,
   *     or the temperature is not positive and finite
   */
  public Tensor softmax(double temperature) { return SoftmaxOps.apply(this, temperature, false); }

  /**
   * Log-softmax over the last dimension, computed stably (no log of a rounded-to-zero probability).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float32 or float64, or a scalar
   */
  public Tensor logSoftmax() { return SoftmaxOps.apply(this, 1.0, true); }

  /**
   * log(softmax(x / temperature)) over the last dimension, computed stably.
   *
   * @param temperature positive and finite
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of this one's shape, dtype and device, in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float32 or float64, or a scalar,
   *     or the temperature is not positive and finite
   */
  public Tensor logSoftmax(double temperature) { return SoftmaxOps.apply(this, temperature, true); }

  /**
   * Attention weights in one fused op: softmax(this * scale + mask) over the last dimension, where
   * keys can be masked out. A key is masked where {@code mask} is at or below -1e30 (-infinity
   * included), and with {@code causal} where its index along the last dimension exceeds the query's
   * index along the one before (top-left aligned, as PyTorch's {@code is_causal}). Masked keys weigh
   * exactly 0 and take no part in the row's maximum or sum; a row with every key masked is all
   * zeros, as PyTorch's scaled_dot_product_attention gives since 2.5. Scores are formed and summed
   * in double per row, each weight rounded once; a NaN among a row's kept scores or mask entries
   * makes the row NaN, as softmax does. This is what {@code nn.Attention} and
   * {@code nn.MultiheadAttention} run on q k^T, with one launch per call on CUDA.
   *
   * <p>Gradients flow to this tensor (the softmax gradient times {@code scale}) and to a float mask
   * (the softmax gradient, summed over the dimensions the mask repeats); masked keys get 0.
   *
   * @param mask null, or an additive mask of this tensor's dtype and device that broadcasts to its
   *     shape (NumPy rules) without enlarging it: 0 keeps a key, -1e30 or -infinity masks it, other
   *     values are added to the scores
   * @param scale the factor of the scores, finite (1 / sqrt(E) in attention)
   * @param causal whether key j is masked for query i when j &gt; i (needs at least 2 dimensions)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), of
   *     this one's shape, dtype and device, in the graph when this tensor or the mask requires a gradient
   * @throws IllegalArgumentException when this tensor is not float32 or float64 (bfloat16 and
   *     float16 only under autocast, which computes in float32), has fewer than 1 (causal: 2) or more
   *     than 8 dimensions, the scale is not finite, or the mask's dtype, device or shape does not fit
   */
  public Tensor maskedSoftmax(Tensor mask, double scale, boolean causal) {
    return SoftmaxOps.masked(this, mask, scale, causal);
  }

  // ---- linear algebra and reductions --------------------------------------------------------

  /**
   * Matrix product of 2-D tensors: (m, k) x (k, n) = (m, n).
   *
   * @param other the (k, n) right operand
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when an operand requires a gradient
   * @throws IllegalArgumentException when an operand is not a float matrix, the dtypes or devices
   *     differ, or the inner dimensions do not match
   */
  public Tensor matmul(Tensor other) { return Linalg.matmul(this, other, false, false); }

  /**
   * Matrix product with either operand transposed first (no copy is made for the transpose).
   *
   * @param other the right operand
   * @param transposeThis whether to use this matrix's transpose
   * @param transposeOther whether to use other's transpose
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when an operand requires a gradient
   * @throws IllegalArgumentException when an operand is not a float matrix, the dtypes or devices
   *     differ, or the inner dimensions do not match
   */
  public Tensor matmul(Tensor other, boolean transposeThis, boolean transposeOther) {
    return Linalg.matmul(this, other, transposeThis, transposeOther);
  }

  /**
   * Batched matrix product of 3-D tensors, following torch.bmm: (B, n, k) x (B, k, m) = (B, n, m),
   * out[i] = this[i] x other[i]. Both operands must have the same batch size (no broadcasting), dtype
   * and device. Differentiable in both operands.
   *
   * @param other the (B, k, m) right operand
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when an operand requires a gradient
   * @throws IllegalArgumentException when an operand is not a float 3-D tensor, the dtypes, devices or
   *     batch sizes differ, or the inner dimensions do not match
   */
  public Tensor bmm(Tensor other) { return Linalg.bmm(this, other, false, false); }

  /**
   * Batched matrix product with either operand's matrices (its last two dimensions) transposed first.
   *
   * @param other the right operand (B, ., .)
   * @param transposeThis whether to transpose this tensor's matrices
   * @param transposeOther whether to transpose other's matrices
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when an operand requires a gradient
   * @throws IllegalArgumentException when an operand is not a float 3-D tensor, the dtypes, devices or
   *     batch sizes differ, or the inner dimensions do not match
   */
  public Tensor bmm(Tensor other, boolean transposeThis, boolean transposeOther) {
    return Linalg.bmm(this, other, transposeThis, transposeOther);
  }

  /**
   * Sum of all elements, accumulated in double.
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), a scalar
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor sum() {
    if (Autocast.sumsInFloat32(this)) return ReduceOps.sumDims("sum", this, allDims(), false, 1, DType.FLOAT32);
    return ReduceOps.sumTo(this, new long[0]);
  }

  private boolean[] allDims() {
    boolean[] all = new boolean[shape.length];
    Arrays.fill(all, true);
    return all;
  }

  /**
   * Mean of all elements (NaN for an empty tensor).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), a scalar
   * @throws IllegalArgumentException when this tensor is not a float type (float16 and bfloat16
   *     compute in float32)
   */
  public Tensor mean() {
    // one recorded node, no intermediate left behind; a 16-bit type: the sum and the division in float32, one
    // rounding at the end, as PyTorch
    return ReduceOps.sumDims("mean", this, allDims(), false, 1.0 / numel());
  }

  /**
   * Sums over dimension {@code dim}, keeping it with size 1 if {@code keepDim}.
   *
   * @param dim in [-rank, rank)
   * @param keepDim whether the result keeps the dimension (size 1), so it broadcasts against this one
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when this tensor is not float or {@code dim} is out of range
   */
  public Tensor sum(int dim, boolean keepDim) {
    if (Autocast.sumsInFloat32(this)) return sum(new int[] {dim}, keepDim);
    return ReduceOps.sumDim("sum", this, dim, keepDim);
  }

  /**
   * Mean over dimension {@code dim}.
   *
   * @param dim in [-rank, rank)
   * @param keepDim whether the result keeps the dimension (size 1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller)
   * @throws IllegalArgumentException when this tensor is not float
   * @throws IndexOutOfBoundsException when {@code dim} is out of range
   */
  public Tensor mean(int dim, boolean keepDim) {
    return mean(new int[] {dim}, keepDim);
  }

  /**
   * Sums over several dimensions, as torch.sum(x, dims, keepdim): each output element is the sum (in
   * double) of the elements that differ only in those dimensions.
   *
   * @param dims the dimensions, each in [-rank, rank), at least one, none twice
   * @param keepDim whether the result keeps them (size 1), so it broadcasts against this tensor
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float, or a dimension is out of range or
   *     repeated, or none is given
   */
  public Tensor sum(int[] dims, boolean keepDim) {
    return ReduceOps.sumDims("sum", this, ReduceOps.resolveDims("sum", this, dims), keepDim, 1,
        Autocast.sumsInFloat32(this) ? DType.FLOAT32 : dtype);
  }

  /**
   * Mean over several dimensions, as torch.mean(x, dims, keepdim) (NaN where they hold no element;
   * float16 and bfloat16 are averaged in float32 and rounded once).
   *
   * @param dims the dimensions, each in [-rank, rank), at least one, none twice
   * @param keepDim whether the result keeps them (size 1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float, or a dimension is out of range or
   *     repeated, or none is given
   */
  public Tensor mean(int[] dims, boolean keepDim) {
    boolean[] reduced = ReduceOps.resolveDims("mean", this, dims);
    return ReduceOps.sumDims("mean", this, reduced, keepDim, 1.0 / ReduceOps.reducedCount(shape, reduced));
  }

  /**
   * Variance over several dimensions, as torch.var(x, dims, correction=, keepdim=): the sum of squared
   * deviations from the mean divided by max(0, N - correction), N the elements reduced. correction 1
   * (PyTorch's default) is the unbiased estimate, 0 the population variance; N &lt;= correction gives
   * NaN or infinity, as in PyTorch. Computed in two passes, sums in double.
   *
   * @param dims the dimensions, each in [-rank, rank), at least one, none twice
   * @param correction Bessel's correction, &gt;= 0 (1 for the unbiased estimate)
   * @param keepDim whether the result keeps the dimensions (size 1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float, a dimension is out of range or
   *     repeated or none is given, or the correction is negative
   */
  public Tensor var(int[] dims, int correction, boolean keepDim) {
    return VarianceOps.apply("var", this, dims, correction, keepDim, false);
  }

  /**
   * Standard deviation over several dimensions, as torch.std(x, dims, correction=, keepdim=): the square
   * root of {@link #var(int[], int, boolean)}. Its gradient is 0 where the deviation is 0 (all elements
   * equal), as PyTorch's.
   *
   * @param dims the dimensions, each in [-rank, rank), at least one, none twice
   * @param correction Bessel's correction, &gt;= 0 (1 for the unbiased estimate)
   * @param keepDim whether the result keeps the dimensions (size 1)
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), in the graph when this tensor
   *     requires a gradient
   * @throws IllegalArgumentException when this tensor is not float, a dimension is out of range or
   *     repeated or none is given, or the correction is negative
   */
  public Tensor std(int[] dims, int correction, boolean keepDim) {
    return VarianceOps.apply("std", this, dims, correction, keepDim, true);
  }

  /**
   * Sums broadcast dimensions away so the result has {@code target} shape (the reverse of
   * broadcasting): what a broadcast operand's gradient needs.
   *
   * @param target a shape this tensor's shape broadcasts from
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller) of shape {@code target}
   * @throws IllegalArgumentException when this tensor is not float or cannot be summed to the target
   */
  public Tensor sumTo(long... target) { return ReduceOps.sumTo(this, target); }

  /**
   * Index of the largest element along the last dimension (int64, first maximum wins).
   *
   * @return a new tensor in the innermost open scope of this thread (else owned by the caller), int64, of this shape without its last dimension; outside the graph
   * @throws IllegalArgumentException when this tensor is not float or its last dimension is empty
   */
  public Tensor argmax() { return ReduceOps.argmax(this); }

  /**
   * The largest element along {@code dim} and its index, as torch.max(x, dim, keepdim): of equal maxima the
   * first, and NaN counts as the maximum (its first index), as in PyTorch. The values' gradient flows to the
   * selected element only; the backward reads the indices, so keep them open until it has run.
   *
   * <pre>{@code
   * try (ValuesIndices best = scores.max(1, false)) {
   *   Tensor labels = best.indices();  // int64, one per row
   * }
   * }</pre>
   *
   * @param dim in [-rank, rank), a non-empty dimension
   * @param keepDim whether the results keep it (size 1)
   * @return the values (this tensor's dtype, in the graph when this tensor requires a gradient) and int64
   *     indices, both in the innermost open scope of this thread (else closed with the result)
   * @throws IllegalArgumentException when this tensor is not float, is a scalar, or {@code dim} is out of
   *     range or empty
   */
  public ValuesIndices max(int dim, boolean keepDim) { return ReduceOps.maxDim("max", this, dim, keepDim, false); }

  /**
   * The smallest element along {@code dim} and its index, as torch.min(x, dim, keepdim): of equal minima the
   * first, and NaN counts as the minimum (its first index), as in PyTorch. The values' gradient flows to the
   * selected element only; the backward reads the indices, so keep them open until it has run.
   *
   * @param dim in [-rank, rank), a non-empty dimension
   * @param keepDim whether the results keep it (size 1)
   * @return the values (this tensor's dtype, in the graph when this tensor requires a gradient) and int64
   *     indices, both in the innermost open scope of this thread (else closed with the result)
   * @throws IllegalArgumentException when this tensor is not float, is a scalar, or {@code dim} is out of
   *     range or empty
   */
  public ValuesIndices min(int dim, boolean keepDim) { return ReduceOps.maxDim("min", this, dim, keepDim, true); }

  /**
   * Index of the largest element along {@code dim}, as torch.argmax(x, dim, keepdim): the first of equal
   * maxima, NaN counting as the maximum.
   *
   * @param dim in [-rank, rank), a non-empty dimension
   * @param keepDim whether the result keeps it (size 1)
   * @return a new int64 tensor in the innermost open scope of this thread (else owned by the caller); outside the graph
   * @throws IllegalArgumentException when this tensor is not float, is a scalar, or {@code dim} is out of
   *     range or empty
   */
  public Tensor argmax(int dim, boolean keepDim) { return ReduceOps.argmaxDim("argmax", this, dim, keepDim, false); }

  /**
   * Index of the smallest element along {@code dim}, as torch.argmin(x, dim, keepdim): the first of equal
   * minima, NaN counting as the minimum.
   *
   * @param dim in [-rank, rank), a non-empty dimension
   * @param keepDim whether the result keeps it (size 1)
   * @return a new int64 tensor in the innermost open scope of this thread (else owned by the caller); outside the graph
   * @throws IllegalArgumentException when this tensor is not float, is a scalar, or {@code dim} is out of
   *     range or empty
   */
  public Tensor argmin(int dim, boolean keepDim) { return ReduceOps.argmaxDim("argmin", this, dim, keepDim, true); }

  // ---- validation helpers -------------------------------------------------------------------

  void requireDType(String op, DType expected) {
    h();
    if (dtype != expected) {
      throw new IllegalArgumentException(op + ": expected a " + expected + " tensor, got " + describe());
    }
  }

  void requireFloat(String op) {
    h(); // a closed input must fail before the op allocates its output
    if (!dtype.isFloatingPoint() || dtype.isHalf()) {
      throw new IllegalArgumentException(op + ": expected a float32 or float64 tensor, got " + describe()
          + halfHint(dtype));
    }
  }

  /** For the ops that also take float16 and bfloat16 (computed in float32): the element-wise ops and reductions. */
  void requireFloatOrHalf(String op) {
    h();
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(op + ": expected a float32, float64, float16 or bfloat16 tensor, got "
          + describe());
    }
  }

  /** What to do with a float16/bfloat16 tensor an op refused: nothing to add for other dtypes. */
  static String halfHint(DType d) {
    return d.isHalf() ? "; " + d + " tensors take the element-wise ops and reductions only: convert with"
        + " .to(DType.FLOAT32) first" : "";
  }

  /**
   * Throws unless every non-null tensor lives on one device. Checked in Java before native code
   * runs, so the message can say which op and how to fix it.
   *
   * @param op the op or layer named first in the message
   * @param tensors the tensors to compare; nulls are skipped
   * @throws IllegalArgumentException naming both devices and the fix when two differ
   */
  public static void requireSameDevice(String op, Tensor... tensors) {
    Tensor first = null;
    for (Tensor t : tensors) {
      if (t == null) continue;
      if (first == null) {
        first = t;
      } else if (t.device != first.device) {
        throw new IllegalArgumentException(op + ": tensors on different devices: " + first.device + " and " + t.device
            + " (" + first.describe() + " vs " + t.describe() + "); move them with Tensor.to(device)");
      }
    }
  }

  void requireSameShape(String op, Tensor other) {
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException(op + ": shapes differ: " + describe() + " vs " + other.describe());
    }
  }

  private void requireLength(String op, int length) {
    if (length != numel()) {
      throw new IllegalArgumentException(op + ": " + length + " values for a tensor of " + numel()
          + " elements " + Arrays.toString(shape));
    }
  }

  long[] shapeRef() {
    return shape;
  }

  private long[] inferShape(long[] requested) {
    long[] s = requested.clone();
    int unknown = -1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (unknown >= 0) throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(requested));
        unknown = i;
      } else if (s[i] < 0) {
        throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(requested));
      }
    }
    long[] knownDims = s.clone();
    if (unknown >= 0) knownDims[unknown] = 1;
    long known = elementCount(knownDims);
    if (known < 0) {
      throw new IllegalArgumentException("reshape: cannot reshape " + describe() + " to " + Arrays.toString(requested)
          + ": that shape has more elements than an int64 can count");
    }
    long n = numel();
    if (unknown >= 0) {
      if (known == 0 || n % known != 0) {
        throw new IllegalArgumentException("reshape: cannot reshape " + describe() + " to " + Arrays.toString(requested));
      }
      s[unknown] = n / known;
    } else if (known != n) {
      throw new IllegalArgumentException("reshape: cannot reshape " + describe() + " (" + n + " elements) to "
          + Arrays.toString(requested) + " (" + known + " elements)");
    }
    return s;
  }

  /** Elements one tensor may hold (the native library's limit, 8 TiB of float64). */
  static final long MAX_ELEMENTS = 1L << 40;

  private static long[] checkShape(String op, long[] shape) {
    for (long d : shape) {
      if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + Arrays.toString(shape));
    }
    long n = elementCount(shape);
    if (n < 0) {
      throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has more elements than an int64"
          + " can count (more than 2^63 - 1)");
    }
    if (n > MAX_ELEMENTS) {
      throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has " + n + " elements, more than"
          + " a tensor may hold (2^40 = " + MAX_ELEMENTS + ")");
    }
    return shape.clone();
  }

  /** The product of non-negative dimensions (0 if any is 0), or -1 where it exceeds int64. */
  private static long elementCount(long[] dims) {
    for (long d : dims) {
      if (d == 0) return 0;
    }
    long n = 1;
    for (long d : dims) {
      if (n > Long.MAX_VALUE / d) return -1;
      n *= d;
    }
    return n;
  }

  private static long[] shapeFor(int length, long[] shape) {
    if (shape.length == 0) return new long[] {length};
    for (long d : shape) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
    }
    long n = elementCount(shape);
    if (n != length) {
      throw new IllegalArgumentException(length + " values do not fill shape " + Arrays.toString(shape)
          + " (" + (n < 0 ? "more elements than an int64 can count" : n + " elements") + ")");
    }
    return shape.clone();
  }
}
