/**
 * Losses: training objectives that turn a model's output and the targets into one tensor to call
 * {@code backward()} on. Each is a {@link org.jdnn.loss.Loss} with PyTorch's name, formula and
 * default reduction (the mean), and each validates its inputs (shapes, dtypes, devices, and for
 * {@link org.jdnn.loss.BCELoss} the [0, 1] domain) before native code runs.
 *
 * <pre>{@code
 * Loss lossFn = new CrossEntropyLoss();              // logits (N, C), class labels (N)
 * Tensor loss = lossFn.compute(model.forward(x), labels);
 * loss.backward();
 * }</pre>
 *
 * <p>Pick the loss that takes what the model outputs: {@link org.jdnn.loss.CrossEntropyLoss} and
 * {@link org.jdnn.loss.BCEWithLogitsLoss} take raw scores and fuse the softmax or sigmoid in, which
 * stays exact for large scores; {@link org.jdnn.loss.BCELoss} takes probabilities;
 * {@link org.jdnn.loss.NLLLoss} takes log-probabilities; {@link org.jdnn.loss.MSELoss},
 * {@link org.jdnn.loss.HuberLoss} and {@link org.jdnn.loss.SmoothL1Loss} are for regression.
 * {@link org.jdnn.loss.Reduction} chooses mean, sum or per-element losses. PyTorch's options
 * (cross-entropy's label smoothing, class weights and ignore index through
 * {@link org.jdnn.loss.CrossEntropyLoss#builder()}, BCE-with-logits' pos_weight) are composed of
 * differentiable tensor ops, so autograd gives their gradients on every device.
 *
 * <p><b>Neighbours.</b> The fused kernels and their gradients are ops of {@link org.jdnn.tensor};
 * this package is the user-facing layer over them. A returned loss is a tensor like any other: it
 * belongs to the innermost open {@link org.jdnn.tensor.TensorScope}. {@link org.jdnn.train.Trainer}
 * takes a Loss; penalties such as weight regularization are added to it from
 * {@link org.jdnn.optim.Regularization}.
 */
package org.jdnn.loss;
