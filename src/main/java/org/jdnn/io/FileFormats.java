package org.jdnn.io;

/**
 * The "jdnn.format" metadata entry that says what a jdnn file holds, and the hints a loader gives
 * when it is handed the other kind of file.
 */
public final class FileFormats {
  /** The metadata key naming a jdnn file's kind. */
  public static final String KEY = "jdnn.format";
  /** A model file ({@link ModelFile#save}). */
  public static final String MODEL = "model/1";
  /** A training checkpoint (org.jdnn.train.TrainingCheckpoint, written by ModelCheckpoint). */
  public static final String CHECKPOINT = "checkpoint/1";

  private FileFormats() {}

  /**
   * What to say about a file of format {@code found} given to a loader of {@code expected}.
   *
   * @param found the file's "jdnn.format" value, or null when it has none
   * @param expected the format the loader reads, {@link #MODEL} or {@link #CHECKPOINT}
   * @return null when they agree, else the end of a sentence that starts with the file's name
   *     ("is a training checkpoint ..., not a model file: ..."), saying what to do instead
   */
  public static String mismatch(String found, String expected) {

    if (expected.equals(found)) return null;
    if (CHECKPOINT.equals(found)) {
      return "is a training checkpoint (" + KEY + " '" + CHECKPOINT + "'), not a model file: resume training from it with"
          + " Trainer.resume, or load the model file ModelCheckpoint writes next to it (best.safetensors)";
    }
    if (MODEL.equals(found)) {
      return "is a model file (" + KEY + " '" + MODEL + "'), not a training checkpoint: load it with ModelFile.load, or resume"
          + " from the checkpoint ModelCheckpoint writes (last.ckpt.safetensors)";
    }
    if (found == null && MODEL.equals(expected)) {
      return "has no " + KEY + " entry, so holds no architecture: a weights-only file (ModelFile.saveWeights) or one from"
          + " another program; build the model in code and load the weights with ModelFile.loadWeights (or"
          + " loadForeignWeights for another program's file)";
    }
    return "expected " + KEY + " '" + expected + "', got " + (found == null ? "none" : "'" + found + "'");
  }
}
