/**
 * The JNI boundary: {@link org.jdnn.bridge.JdnnNative} mirrors the C functions of
 * {@code native/include/jdnn/jdnn.h} one for one, and JavaCPP generates the JNI glue for it at
 * build time. Tensors cross as integer handles, op kinds as integer codes, arrays as Java arrays
 * or direct buffers.
 *
 * <p>This package is marshalling only: no validation, no ownership, no policy. It is meant to be
 * called from {@link org.jdnn.tensor} alone, which checks every argument first (so a native call
 * never sees a shape, dtype or device it would have to refuse) and owns every handle it creates.
 * Application code uses {@link org.jdnn.tensor.Tensor} and never this package.
 *
 * <pre>{@code
 * JdnnNative.load();   // loads libjdnn and its JNI glue now, or fails with the loader's message

 * }</pre>
 *
 * <p>The native library (CPU backend) and the CUDA backends it loads on demand are packed in the
 * jar beside the generated JNI library, under {@code org/jdnn/bridge/linux-x86_64/}.
 */
package org.jdnn.bridge;
