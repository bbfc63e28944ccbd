/**
 * The JNI boundary: {@link org.jdnn.bridge.JdnnNative} mirrors the C functions of
 * {@code native/include/jdnn/jdnn.h} one for one, and JavaCPP generates the JNI glue for it at
 * build time. Tensors cross as integer handles, op kinds, dtypes and devices as the integer codes
 * of {@code native/include/jdnn/ops.def}, arrays as Java arrays or direct buffers.
 *
 * <p>This package is marshalling only: no validation, no ownership, no policy, and no exceptions:
 * a native call returns a status or a sentinel, and {@link org.jdnn.tensor} turns a failure into
 * the Java exception of its kind (argument, index, closed tensor, device, out of memory, vendor
 * library). It is meant to be called from {@link org.jdnn.tensor} alone, which checks every
 * argument first (so a native call rarely has anything to refuse) and owns every handle it
 * creates. Application code uses {@link org.jdnn.tensor.Tensor} and never this package.
 *
 * <pre>{@code
 * JdnnNative.load();   // loads libjdnn and its JNI glue now, or fails with the loader's message
 * }</pre>
 *
 * <p>The native library (CPU backend) and the CUDA backends it loads on demand are packed in the
 * jar beside the generated JNI library, under {@code org/jdnn/bridge/linux-x86_64/}. Being
 * generated glue, its members are exempt from the build's missing-documentation check (the rest
 * of doclint still applies).
 */
package org.jdnn.bridge;
