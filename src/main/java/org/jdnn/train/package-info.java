/**
 * Training: the loop that ties a model, an optimizer, a loss and data together, and what hooks
 * into it. {@link org.jdnn.train.Trainer#fit} runs shuffled mini-batch epochs, evaluates
 * {@link org.jdnn.train.Metric}s on training and validation data, records a
 * {@link org.jdnn.train.History} and calls {@link org.jdnn.train.Callback}s; evaluate and predict
 * run the model in eval mode. Besides accuracy, the metrics follow scikit-learn's definitions:
 * {@link org.jdnn.train.ClassificationScore} (precision, recall, F1; {@link org.jdnn.train.Average}),
 * {@link org.jdnn.train.ConfusionMatrix}, {@link org.jdnn.train.RocAuc} and
 * {@link org.jdnn.train.RegressionMetric} (MAE, RMSE, R2), made by {@link org.jdnn.train.Metric}'s
 * factories.
 *
 * <pre>{@code
 * Optimizer adam = new Adam(model.parameters(), 1e-3);
 * Trainer trainer = new Trainer(model, adam, new CrossEntropyLoss())
 *     .epochs(20).batchSize(128).seed(42).normalizer(Normalizer.fit(train))
 *     .metrics(Metric.accuracy())
 *     .callbacks(new EarlyStopping("val_loss", 3), new ModelCheckpoint(dir, "val_accuracy"),
 *         ScheduleStepping.of(new StepLR(adam, 10)), ProgressLogger.auto());

 * History h = trainer.fit(train, validation);
 * }</pre>
 *
 * <p><b>Lifecycle and memory.</b> Each step runs in its own
 * {@link org.jdnn.tensor.TensorScope}, so native memory in use is the same after every step however
 * long the fit. The trainer owns nothing native: model, optimizer, datasets and callbacks stay the
 * caller's. Training runs on the model's device; batches are gathered on the CPU by a prefetch
 * thread and copied over inside the step.
 *
 * <p><b>Resume and stopping.</b> {@link org.jdnn.train.ModelCheckpoint} writes a
 * {@link org.jdnn.train.TrainingCheckpoint} after every epoch (model, optimizer state, callback
 * state, history, seeds) and the best model as a model file. {@link org.jdnn.train.Trainer#resume}
 * checks the whole checkpoint against the trainer before changing anything, and a resumed run ends
 * bit-identical to an uninterrupted one. An interrupt or a non-finite loss stops fit within one step
 * with a {@link org.jdnn.train.TrainingStoppedException} carrying the completed epochs.
 *
 * <p><b>Neighbours.</b> This is the top of the library: it uses {@link org.jdnn.nn},
 * {@link org.jdnn.optim} and {@link org.jdnn.optim.schedule}, {@link org.jdnn.loss},
 * {@link org.jdnn.data} and {@link org.jdnn.io}; {@link org.jdnn.plot} draws its History.
 */
package org.jdnn.train;
