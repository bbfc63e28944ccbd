/**
 * Files: models, weights and training checkpoints as safetensors, the format PyTorch's
 * {@code safetensors} package reads and writes. A model file holds the weights under their
 * state_dict names plus the architecture and input normalizer as JSON in the header's metadata;
 * every file jdnn writes carries a CRC-32 of its whole content and is written atomically.
 *
 * <pre>{@code
 * ModelFile.save(Path.of("model.safetensors"), model, normalizer);
 * try (SavedModel m = ModelFile.load(Path.of("model.safetensors"));
 *      TensorScope scope = new TensorScope()) {
 *   Tensor probabilities = m.predict(images).softmax();
 * }
 * }</pre>
 *
 * <p><b>Trust.</b> Loading treats a file as hostile: {@link org.jdnn.io.SafeTensorsFile} validates
 * the whole header (lengths, strict UTF-8 and JSON, dtypes, shapes, offsets) and the checksum
 * before any tensor is read, the architecture may only name registered layer types (no class names,
 * no reflection), and every layer's parameter shapes are checked against the file before the layer
 * is built, so memory use is bounded by the file's size. Every failure is an IOException that
 * starts with the file's path and says what is wrong, and what to do where that is known (a
 * checkpoint given to the model loader, a weights-only file, a file from another program).
 *
 * <p><b>Layers.</b> {@link org.jdnn.io.ModelFile} writes models and rebuilds them;
 * {@link org.jdnn.io.SafeTensors} and {@link org.jdnn.io.SafeTensorsFile} write and read the format;
 * {@link org.jdnn.io.StateDicts} maps a layer's tensors to names; {@link org.jdnn.io.AtomicFiles}
 * replaces files atomically; {@link org.jdnn.io.Json} is the one strict JSON mapper;
 * {@link org.jdnn.io.StateEntries} reads the Number-only state maps that optimizers, schedules and
 * callbacks save.
 *
 * <p><b>Neighbours.</b> It reads and builds {@link org.jdnn.nn} layers and
 * {@link org.jdnn.data.Normalizer}s; {@link org.jdnn.train} writes its checkpoints through it;
 * weights from PyTorch load with {@link org.jdnn.io.ModelFile#loadForeignWeights}.
 */
package org.jdnn.io;
