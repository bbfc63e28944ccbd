package org.jdnn.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.ClassTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every test of the annotated class once per {@link TestDevice} (cpu, cuda-emu, cuda), with
 * that device as the thread's default device, so a test written with device-less factories
 * ({@link org.jdnn.tensor.Tensor#of}, zeros, layer constructors) checks each backend. The class is
 * written once; no per-device subclass. Test methods may take a {@link TestDevice} or
 * {@link org.jdnn.tensor.Device} parameter to learn which device they run on. The "cuda" run is
 * skipped with {@link org.jdnn.tensor.Device#cuda()}'s reason where no GPU is usable; cuda-emu is
 * always built, so a failure to load it fails the tests.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ClassTemplate
@ExtendWith(EveryDeviceExtension.class)
public @interface EveryDevice {}
