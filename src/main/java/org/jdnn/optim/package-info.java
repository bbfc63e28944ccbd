/**
 * Optimizers: what turns gradients into parameter updates. {@link org.jdnn.optim.SGD},
 * {@link org.jdnn.optim.AdaGrad}, {@link org.jdnn.optim.RMSProp}, {@link org.jdnn.optim.Adam} and
 * {@link org.jdnn.optim.AdamW} follow torch.optim's update rules, defaults and hyper-parameter names,
 * so a configuration carries over from PyTorch unchanged. A step updates each parameter group in
 * place in one native call (one kernel launch on CUDA; one per dtype when a group mixes float32 and
 * float64), with the same bits as updating the parameters one by one.
 *
 * <pre>{@code
 * Optimizer opt = new AdamW(ParamGroups.decayAndNoDecay(model.parameters(), 0.05), 1e-3);
 * for (Batch b : batches) {
 *   try (TensorScope step = new TensorScope(); b) {
 *     opt.zeroGrad();
 *     loss.compute(model.forward(b.inputs()), b.targets()).backward();
 *     GradClip.byNormOnDevice(model.parameters(), 1.0); // no wait for a GPU; byNorm reads the norm back
 *     opt.step();
 *   }
 * }
 * opt.close();                                       // frees the moment estimates
 * }</pre>
 *
 * <p><b>Contract.</b> An optimizer holds the parameters it was given (the model still owns them)
 * and owns its state tensors (momentum buffers, moment estimates), created on a parameter's first
 * update on that parameter's device and freed by {@code close()}. Its state can be saved and loaded
 * exactly ({@code stateTensors()}, {@code stateScalars()}, {@code loadState}), which is what makes
 * a resumed run bit-identical. {@link org.jdnn.optim.ParamGroup}s give parts of a model their own
 * learning rate or weight decay.
 *
 * <p><b>Neighbours.</b> This package depends only on {@link org.jdnn.tensor}: it takes a list of
 * tensors, not a layer, so it sits below {@link org.jdnn.nn} and {@link org.jdnn.train}.
 * {@link org.jdnn.optim.schedule} changes an optimizer's learning rates over time;
 * {@link org.jdnn.optim.Regularization} adds penalties to the loss and
 * {@link org.jdnn.optim.GradClip} bounds gradients between backward and step.
 */
package org.jdnn.optim;
