/**
 * Learning-rate schedules: objects that set an {@link org.jdnn.optim.Optimizer}'s learning rates as
 * training progresses, with torch.optim.lr_scheduler's semantics and counting. An
 * {@link org.jdnn.optim.schedule.LRSchedule} computes each rate in closed form from the group's
 * base rate and a step counter ({@link org.jdnn.optim.schedule.StepLR},
 * {@link org.jdnn.optim.schedule.MultiStepLR}, {@link org.jdnn.optim.schedule.ExponentialLR},
 * {@link org.jdnn.optim.schedule.CosineAnnealingLR} with optional warm-up);
 * {@link org.jdnn.optim.schedule.ReduceLROnPlateau} reacts to a monitored metric instead.
 *
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.1).momentum(0.9);
 * LRSchedule schedule = new CosineAnnealingLR(opt, 90, 0, 5, 0.1);   // 5 warm-up epochs
 * for (int epoch = 0; epoch < 90; epoch++) {
 *   trainOneEpoch(opt);
 *   schedule.step();
 * }
 * }</pre>
 *
 * <p><b>Contract.</b> A schedule owns no native memory; it writes the optimizer's rates and keeps a
 * small state of Numbers ({@link org.jdnn.optim.schedule.Schedule#state()}) that a training
 * checkpoint saves beside the optimizer's own. Constructing a schedule sets epoch 0's rates; each
 * {@code step()} advances one epoch, or one batch when the schedule's periods count batches.
 *
 * <p><b>Neighbours.</b> Schedules sit on {@link org.jdnn.optim}; {@link org.jdnn.train.ScheduleStepping}
 * steps one from a Trainer after each epoch, and {@link org.jdnn.optim.schedule.LinearScaling}
 * scales a tuned rate to a new batch size.
 */
package org.jdnn.optim.schedule;
