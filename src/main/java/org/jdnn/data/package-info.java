/**
 * Data: getting samples into native memory and out again as mini-batches. An
 * {@link org.jdnn.data.ArrayDataset} holds N samples (features plus class labels or float targets)
 * as two tensors; batches are gathered from it natively, in an order drawn from (seed, epoch), so a
 * run and a resumed run see the same batches.
 *
 * <pre>{@code
 * try (ArrayDataset train = CsvReader.labelColumn("label").read(Path.of("train.csv")).toDataset()) {
 *   Normalizer norm = Normalizer.fit(train);
 *   try (DataLoader loader = new DataLoader(train, 64, true, 42, 0, null, 2)) {
 *     for (Batch b : loader) {
 *       try (b; TensorScope step = new TensorScope()) {
 *         Tensor x = norm.apply(b.inputs());
 *         ...
 *       }
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Sources.</b> {@link org.jdnn.data.CsvReader} (tabular files with a header),
 * {@link org.jdnn.data.IdxReader} (the MNIST format, plain or gzipped) and
 * {@link org.jdnn.data.FashionMnist} on top of it; arrays already in memory go through
 * {@link org.jdnn.data.ArrayDataset#withLabels} or {@code of(features, targets)}. Readers check
 * sizes before allocating and name the file, line and column of a bad value.
 *
 * <p><b>Batches and ownership.</b> A dataset owns its two tensors. A {@link org.jdnn.data.Batch}
 * owns its inputs and targets: from {@link org.jdnn.data.BatchIterator} (the calling thread) it
 * belongs to the caller's open scope, from {@link org.jdnn.data.DataLoader} (a prefetch thread,
 * optionally with an {@link org.jdnn.data.Augmentation}) it belongs to the caller alone, who closes
 * it. {@link org.jdnn.data.DataLoader#ofIndices} visits a given order of samples instead of its own
 * shuffle, such as one rank's shard from {@code org.jdnn.distributed.DistributedSampler}. A {@link org.jdnn.data.Normalizer} standardizes inputs with statistics fitted on the training
 * split and travels with the model file, as does the {@link org.jdnn.data.FeatureEncoding} that
 * records how a CSV file's numeric and categorical columns became features.
 *
 * <p><b>Neighbours.</b> This package uses only {@link org.jdnn.tensor}. {@link org.jdnn.train.Trainer}
 * drives a DataLoader per epoch and applies the normalizer and augmentation; {@link org.jdnn.io}
 * stores the normalizer in model files.
 */
package org.jdnn.data;
