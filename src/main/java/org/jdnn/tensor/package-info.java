/**
 * Tensors: n-dimensional arrays in native memory, the ops on them, and reverse-mode autograd. Every
 * other package computes through this one; it is the only package that calls the native library
 * (through {@link org.jdnn.bridge}).
 *
 * <p><b>The tensor's contract.</b> A {@link org.jdnn.tensor.Tensor} has a shape, a
 * {@link org.jdnn.tensor.DType} and a {@link org.jdnn.tensor.Device}, fixed at creation. Ops never
 * change their inputs; each returns a new tensor. The few methods that change a tensor in place
 * ({@code write}, {@code addInPlace}, the fills of {@link org.jdnn.tensor.MemoryOps} and
 * {@link org.jdnn.tensor.RandomOps}, the optimizer steps of {@link org.jdnn.tensor.OptimOps}) say
 * so.
 *
 * <p><b>Memory.</b> Native memory is freed when a tensor is closed, never left to the garbage
 * collector. A tensor made while a {@link org.jdnn.tensor.TensorScope} is open on the thread belongs
 * to the innermost one and is closed with it; {@code keep()} takes a tensor out of its scope, and
 * then whoever holds it closes it. Owners elsewhere follow the same rule: a layer owns its
 * parameters, an optimizer its state, a dataset its arrays, a leaf tensor its gradient. A tensor
 * the collector finds unclosed is freed and reported with where it was created (run with
 * {@code -Djdnn.debug=true} for creation stacks).
 *
 * <pre>{@code
 * try (TensorScope scope = new TensorScope()) {
 *   Tensor w = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
 *   Tensor x = Tensor.ones(3, 2);
 *   Tensor loss = x.matmul(w).tanh().sum();
 *   loss.backward();                      // fills w.grad()
 *   float[] g = w.grad().toFloatArray();
 * } // x, w, the intermediates, the loss and w's gradient are freed here
 * }</pre>
 *
 * <p><b>Ops and errors.</b> Tensor's methods cover the everyday ops; each op family also has a
 * class of its own ({@link org.jdnn.tensor.ConvOps}, {@link org.jdnn.tensor.PoolOps},
 * {@link org.jdnn.tensor.BatchNormOps}, {@link org.jdnn.tensor.DropoutOps},
 * {@link org.jdnn.tensor.ConcatOps}, {@link org.jdnn.tensor.NarrowOps},
 * {@link org.jdnn.tensor.Linalg}, {@link org.jdnn.tensor.LossOps}, ...) that the layers and losses
 * call. Every op validates shapes, dtypes and devices in Java before native code runs, and its
 * message names the op (or the calling layer), what it expected, what it got and how to fix it;
 * convolution and pooling settings are values ({@link org.jdnn.tensor.Conv2dGeometry},
 * {@link org.jdnn.tensor.Pool2dGeometry}) that own their checks and output-size formula. What only
 * native code can see comes back typed: an index or label out of range is an
 * IndexOutOfBoundsException, a closed tensor an IllegalStateException, a device failure a
 * {@link org.jdnn.tensor.DeviceException} ({@link org.jdnn.tensor.DeviceOutOfMemoryException},
 * {@link org.jdnn.tensor.VendorLibraryException}).
 *
 * <p><b>Autograd.</b> While {@link org.jdnn.tensor.GradMode} is on (the default, per thread), an op
 * with an input that requires a gradient records how to differentiate itself on its output;
 * {@code backward()} on a scalar runs the recorded graph once, in reverse, and frees it.
 * {@link org.jdnn.tensor.Autograd#record} lets code outside this package add differentiable ops,
 * and {@link org.jdnn.tensor.GradCheck} checks them against finite differences in float64.
 *
 * <p><b>Devices.</b> The CPU backend is always there; the CUDA backend is a separate native library
 * loaded on first use of {@link org.jdnn.tensor.Device#cuda()}, and
 * {@link org.jdnn.tensor.Device#cudaEmulated()} runs that same backend's code on a CPU emulation
 * so that tests exercise it without a GPU. Tensors move with {@code to(Device)}; an op refuses
 * inputs on different devices. Factories without a device argument use the thread's default
 * device.
 *
 * <p><b>Neighbours.</b> {@link org.jdnn.nn} builds layers from these ops, {@link org.jdnn.loss}
 * losses, {@link org.jdnn.optim} parameter updates, {@link org.jdnn.data} batches. Randomness comes
 * from {@link org.jdnn.tensor.Generator}: a seed and a counter, so results do not depend on the
 * device.
 */
package org.jdnn.tensor;
