/**
 * Layers: the building blocks of a network and the networks made of them. A
 * {@link org.jdnn.nn.Layer} is a function of one tensor with named parameters (trained), buffers
 * (saved, not trained, such as batch norm's running statistics) and child layers; a whole model is
 * a Layer too, usually a {@link org.jdnn.nn.Sequential} of others.
 *
 * <pre>{@code
 * try (Layer model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10))) {
 *   model.to(Device.best());                        // before creating the optimizer
 *   Tensor logits = model.forward(batch);           // (N, 784) -> (N, 10)
 *   model.summary(784);                             // prints output shapes, parameters, FLOPs

 * }                                                 // frees every parameter and buffer
 * }</pre>
 *
 * <p><b>Lifecycle.</b> Construction allocates the parameters, initialized from a seeded
 * {@link org.jdnn.tensor.Generator} (the global one unless given), on the thread's default device.
 * The layer owns them until {@link org.jdnn.nn.Layer#close()}; {@code to(device)} and
 * {@code to(dtype)} replace them in place, closing the old tensors, so optimizers are created after
 * the move. A layer starts in training mode; {@code eval()} switches the whole tree (dropout off,
 * batch norm on its running statistics). Training is single-threaded; a layer in eval mode may
 * serve {@code forward} from several threads, each with gradient recording off.
 *
 * <p><b>Names.</b> Parameters and buffers are named by their dotted path through the children
 * ("0.weight", "2.running_mean"), as PyTorch's state_dict names the equivalent model, so weight
 * files line up with PyTorch's.
 *
 * <p><b>Layer types.</b> Each layer class declares, beside its constructor, a
 * {@link org.jdnn.nn.LayerType}: its saved type name, how it writes its settings, and how it reads
 * them back into the parameter shapes its constructor would allocate, so a model file is checked
 * against those shapes before anything is built. The activations are one
 * {@link org.jdnn.nn.Activation} over a {@link org.jdnn.tensor.UnaryOp}, with the familiar names
 * ({@link org.jdnn.nn.ReLU}, {@link org.jdnn.nn.Tanh}, ...) as its forms. Fusing a Linear with the
 * ReLU after it is explicit: {@link org.jdnn.nn.Layer#fuseForInference()} (Linear and Conv2d).

 *
 * <p><b>Neighbours.</b> Layers compute with {@link org.jdnn.tensor} ops and record autograd through
 * them; {@link org.jdnn.optim} updates {@code parameters()}; {@link org.jdnn.loss} scores
 * {@code forward}'s output; {@link org.jdnn.io} saves a model's weights and, for registered layer
 * types, its architecture; {@link org.jdnn.train} runs the loop around all of them.
 */
package org.jdnn.nn;
