/**
 * Tools for finding out why a network does not train, built on layer hooks
 * ({@link org.jdnn.nn.Layer#registerForwardHook}) and gradient hooks: the checks a practitioner
 * runs before and during training.
 *
 * <ul>
 *   <li>{@link org.jdnn.debug.ActivationStats}: per-layer mean, standard deviation, fraction of
 *       zeros and of dead units of the activations (saturated or dead ReLU layers);
 *   <li>{@link org.jdnn.debug.GradientMonitor}: a {@link org.jdnn.train.Callback} logging each
 *       parameter's gradient norm and update-to-weight ratio per step, with a PNG over steps
 *       (vanishing and exploding gradients, a learning rate far off);
 *   <li>{@link org.jdnn.debug.LrRangeTest}: the learning-rate range test, with a loss-against-rate
 *       PNG and a suggested rate; the model and optimizer are restored bit for bit afterwards;
 *   <li>{@link org.jdnn.debug.OverfitCheck}: trains on one batch and says whether the loss got
 *       near 0, and where to look when it did not;
 *   <li>{@link org.jdnn.debug.ModelGradCheck}: gradient checking of a whole model on a float64
 *       copy, reporting each parameter's worst relative error.
 * </ul>
 *
 * <pre>{@code
 * OverfitCheck.run(model, optimizer, loss, xSmall, ySmall, 200, 0.01).requirePassed();
 * LrRangeResult lr = new LrRangeTest(model, optimizer, loss).run(train);
 * optimizer.setLearningRate(lr.suggestedRate());
 * trainer.callbacks(new GradientMonitor().savePngAtEnd(Path.of("gradients.png"), 1200, 450)).fit(train, val);
 * ActivationStats.of(model.eval(), batch).forEach(System.out::println);
 * }</pre>
 *
 * <p>It sits above {@link org.jdnn.train} and {@link org.jdnn.plot}, which it uses; nothing in
 * the library depends on it.
 */
package org.jdnn.debug;
