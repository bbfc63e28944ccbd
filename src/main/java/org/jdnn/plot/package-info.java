/**
 * Pictures of training, as PNG files: {@link org.jdnn.plot.TrainingCurves} draws a
 * {@link org.jdnn.train.History}'s loss and accuracy per epoch, and
 * {@link org.jdnn.plot.WeightGrid} shows first-layer weights (Linear rows or convolution filters)
 * as a grid of tiles, and {@link org.jdnn.plot.ConfusionPlot} draws a
 * {@link org.jdnn.train.ConfusionMatrix} as a heat map with class names. Files are written
 * atomically, like every file jdnn writes.
 *
 * <pre>{@code
 * History h = trainer.fit(train, validation);
 * TrainingCurves.save(h, Path.of("curves.png"), 1000, 400);
 * WeightGrid.save(firstLinear.weight(), Path.of("weights.png"), 2);
 * }</pre>
 *
 * <p>Nothing here touches training: it reads a finished History or a weight tensor (copied to the
 * host) and renders with XChart and javax.imageio, headless. It sits beside
 * {@link org.jdnn.train}, which it reads, and is used by {@link org.jdnn.examples}.
 */
package org.jdnn.plot;
