package org.jdnn.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every test of the annotated class with {@code value} ("cpu", "cuda-emu" or "cuda") as the
 * thread's default device: for classes about one device only, such as the GPU checks of
 * RealGpuTest. A test class meant for every device takes {@link EveryDevice} instead. A class on
 * "cuda" is skipped, with the reason, where no GPU is usable (failed under
 * {@code -Djdnn.require.gpu=true}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(DeviceExtension.class)
public @interface OnDevice {
  String value();
}
