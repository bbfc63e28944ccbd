package org.jdnn.testing;

import java.util.Optional;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.DeviceUnavailableException;
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
    String name = deviceName(context);
    if (!"cuda".equals(name)) return ConditionEvaluationResult.enabled("runs on " + name);
    try {
      Device.cuda();
      return ConditionEvaluationResult.enabled("a usable GPU is present");
    } catch (DeviceUnavailableException e) {
      return ConditionEvaluationResult.disabled("no usable GPU: " + e.getMessage());
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Device device = Device.byName(deviceName(context));
    context.getStore(NS).put("previous", Device.defaultDevice());
    Device.setDefault(device);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Device previous = context.getStore(NS).remove("previous", Device.class);
    Device.setDefault(previous != null ? previous : Device.cpu());
  }

  /** The device the current test class runs on ("cpu" for a class without {@link OnDevice}). */
  static String deviceName(ExtensionContext context) {
    Optional<Class<?>> type = context.getTestClass();
    return type.flatMap(c -> AnnotationSupport.findAnnotation(c, OnDevice.class)).map(OnDevice::value).orElse("cpu");
  }
}
