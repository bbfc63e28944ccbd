package org.jdnn.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every test of the annotated class with {@code value} ("cpu", "cuda-emu" or "cuda") as the
 * thread's default device, so that an op test written with device-less factories ({@link
 * org.jdnn.tensor.Tensor#of}, zeros, layer constructors) checks that device's backend. The op
 * suite stays written once: a subclass such as {@code ConvOpsCudaEmuTest extends ConvOpsTest}
 * carries only this annotation. A class on "cuda" is skipped, with the reason, where no GPU is
 * usable; "cuda-emu" is always built, so a failure to load it fails the tests.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(DeviceExtension.class)
public @interface OnDevice {
  String value();
}
