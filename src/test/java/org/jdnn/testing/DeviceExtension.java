package org.jdnn.testing;

import java.util.Optional;
import org.jdnn.tensor.Device;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The mechanism behind {@link OnDevice}: sets the default device before each test (before its
 * {@code @BeforeEach} methods) and restores the previous one after it, so a failing test cannot
 * leave later tests on the wrong device.
 */
public final class DeviceExtension implements ExecutionCondition, BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DeviceExtension.class);

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    TestDevice device = device(context);
    String reason = device.unavailableReason();
    if (reason == null || TestDevice.gpuRequired()) return ConditionEvaluationResult.enabled("runs on " + device);
    return ConditionEvaluationResult.disabled(reason);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NS).put("previous", device(context).use());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Device.DefaultScope previous = context.getStore(NS).remove("previous", Device.DefaultScope.class);
    if (previous != null) previous.close();
  }

  /** The device the current test class runs on (the CPU for a class without {@link OnDevice}). */
  static TestDevice device(ExtensionContext context) {
    Optional<Class<?>> type = context.getTestClass();
    String name = type.flatMap(c -> AnnotationSupport.findAnnotation(c, OnDevice.class)).map(OnDevice::value).orElse("cpu");
    for (TestDevice d : TestDevice.values()) if (d.label.equals(name)) return d;
    throw new IllegalArgumentException("@OnDevice(\"" + name + "\"): expected cpu, cuda-emu or cuda");
  }
}
