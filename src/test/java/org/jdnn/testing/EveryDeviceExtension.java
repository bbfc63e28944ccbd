package org.jdnn.testing;

import java.util.List;
import java.util.stream.Stream;
import org.jdnn.tensor.Device;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContext;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContextProvider;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** The mechanism behind {@link EveryDevice}: one run of the class per {@link TestDevice}. */
public final class EveryDeviceExtension implements ClassTemplateInvocationContextProvider {

  @Override
  public boolean supportsClassTemplate(ExtensionContext context) {
    return AnnotationSupport.isAnnotated(context.getTestClass(), EveryDevice.class);
  }

  @Override
  public Stream<ClassTemplateInvocationContext> provideClassTemplateInvocationContexts(ExtensionContext context) {
    return TestDevice.all().map(OnOneDevice::new);
  }

  /** One run of the class: the device is the default for each test (set before its @BeforeEach, restored after). */
  private static final class OnOneDevice implements ClassTemplateInvocationContext, ExecutionCondition,
      BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OnOneDevice.class);
    private final TestDevice device;

    OnOneDevice(TestDevice device) {
      this.device = device;
    }

    @Override
    public String getDisplayName(int invocationIndex) {
      return "[" + device.label + "]";
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      return List.of(this);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      String reason = device.unavailableReason();
      if (reason == null) return ConditionEvaluationResult.enabled("runs on " + device.label);
      // under -Djdnn.require.gpu=true the tests run and fail in beforeEach, naming the reason
      if (TestDevice.gpuRequired()) return ConditionEvaluationResult.enabled("the GPU is required");
      return ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
      context.getStore(NS).put("previous", Device.useDefault(device.device()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
      Device.DefaultScope previous = context.getStore(NS).remove("previous", Device.DefaultScope.class);
      if (previous != null) previous.close();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      return type == TestDevice.class || type == Device.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == TestDevice.class ? device : device.device();
    }
  }
}
