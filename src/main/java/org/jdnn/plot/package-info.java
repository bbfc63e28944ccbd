/**
 * Pictures of training, as PNG files: {@link org.jdnn.plot.TrainingCurves} draws a
 * {@link org.jdnn.train.History}'s loss and accuracy per epoch with the best epoch marked and the
 * learning rate below (or several runs on shared axes); {@link org.jdnn.plot.WeightGrid} shows
 * weights (Linear rows or convolution filters) as numbered, enlarged tiles with a title, a stated
 * scaling and a colour bar; {@link org.jdnn.plot.ActivationMaps} shows one input after each
 * convolution of a model; {@link org.jdnn.plot.DecisionBoundary} shades the decision regions of a
 * classifier of 2-D points under its data; {@link org.jdnn.plot.ConfusionPlot} draws a
 * {@link org.jdnn.train.ConfusionMatrix} as a heat map with class names;
 * {@link org.jdnn.plot.LineChart} draws named series (a log axis for gradient norms); and
 * {@link org.jdnn.plot.Figures} puts pictures side by side. Files are written atomically, like
 * every file jdnn writes.
 *
 * <pre>{@code
 * History h = trainer.fit(train, validation);
 * TrainingCurves.save(h, Path.of("curves.png"), 1000, 400);
 * WeightGrid.of(conv1.weight()).title("conv1").save(Path.of("conv1.png"));
 * ActivationMaps.save(cnn, oneImage, Path.of("activations.png"), 16);
 * }</pre>
 *
 * <p>Nothing here changes training: it reads a finished History, a weight tensor (copied to the
 * host) or a model's outputs (in evaluation mode, without gradients, its mode restored) and renders
 * with XChart, Java2D and javax.imageio, headless. It sits beside {@link org.jdnn.train}, which it
 * reads, uses {@link org.jdnn.nn} to walk models, and is used by {@link org.jdnn.examples}.
 */
package org.jdnn.plot;
