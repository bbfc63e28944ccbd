/**
 * Runnable programs that use the library end to end, for people to read and for README and tests
 * to run ({@code scripts/run-example.sh NAME [args]}):
 *
 * <ul>
 *   <li>{@link org.jdnn.examples.Xor}: a 2-2-1 network learns XOR, a hand-written training loop.
 *   <li>{@link org.jdnn.examples.SquareFit}: one hidden layer fits y = x^2 (regression), also a
 *       hand-written loop.
 *   <li>{@link org.jdnn.examples.FashionMnistMlp}: benchmark workload W1, a 784-512-256-10 MLP.
 *   <li>{@link org.jdnn.examples.FashionMnistCnn}: benchmark workload W2, a two-convolution CNN
 *       with batch norm and dropout; both benchmarks share the loop of
 *       {@link org.jdnn.examples.ClassifierTraining} and the inputs of
 *       {@link org.jdnn.examples.StandardizedFashionMnist}.
 *   <li>{@link org.jdnn.examples.FashionMnistFit}: the same data through
 *       {@link org.jdnn.train.Trainer#fit} with validation, early stopping, checkpoints, a saved
 *       model and PNG plots.
 *   <li>{@link org.jdnn.examples.FashionMnistVit}: a small vision transformer (7x7 patches as 16
 *       tokens, learned position embeddings, two {@link org.jdnn.nn.TransformerEncoderLayer}s, mean
 *       pooling) through the same loop as W1 and W2.
 * </ul>
 *
 * <p>The lectures' demonstrations, each printing its result and writing a picture (under
 * target/examples unless {@code --out DIR}; {@code --help} works from the jar alone):
 *
 * <ul>
 *   <li>{@link org.jdnn.examples.HiddenUnitFits}: x^2, sin(x) and |x| fitted by three hidden units,
 *       each unit's output drawn with the fit.
 *   <li>{@link org.jdnn.examples.Xor} also wires XOR by hand from OR, NAND and AND threshold units
 *       and draws both networks' decision regions.
 *   <li>{@link org.jdnn.examples.Perceptron}: the perceptron rule converges on AND and cycles on XOR.
 *   <li>{@link org.jdnn.examples.BackpropByHand}: one delta-rule step by hand, checked against
 *       autograd and {@link org.jdnn.tensor.GradCheck}.
 *   <li>{@link org.jdnn.examples.DecisionSurfaces}: 1-, 2- and 3-layer networks on two spirals.
 *   <li>{@link org.jdnn.examples.VanishingGradients}: per-layer gradient norms of deep sigmoid and
 *       ReLU networks.
 *   <li>{@link org.jdnn.examples.BatchNormEffect}: the same deep network trained with and without
 *       batch norm.
 * </ul>
 *
 * <pre>{@code
 * scripts/run-example.sh FashionMnistFit --epochs 5 --device cpu
 * }</pre>
 *
 * <p>They depend on every other package and nothing depends on them; the Fashion-MNIST programs
 * need the data set (Debian's dataset-fashion-mnist, or a directory in $JDNN_FASHION_MNIST).
 */
package org.jdnn.examples;
