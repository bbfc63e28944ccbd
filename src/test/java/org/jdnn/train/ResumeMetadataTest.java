package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.jdnn.data.ArrayDataset;
import org.jdnn.io.Json;
import org.jdnn.io.SafeTensors;
import org.jdnn.io.SafeTensorsFile;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Implausible training-state fields are refused with the file, the field, what it must be and what it is. */
class ResumeMetadataTest {
  @TempDir Path dir;
  private Path good;

  @BeforeEach
  void checkpoint() {
    Generator.manualSeed(3);
    try (ArrayDataset train = TrainerTestData.blobs(24, 1); ArrayDataset val = TrainerTestData.blobs(8, 2);
        ResumeFixture f = new ResumeFixture(dir.resolve("run"), 3)) {
      f.trainer.fit(train, val);
    }
    good = dir.resolve("run").resolve(ModelCheckpoint.LAST);
  }

  /** The checkpoint with its training state edited, rewritten with a valid checksum. */
  private Path edited(Consumer<ObjectNode> edit) throws IOException {
    Path out = dir.resolve("edited.safetensors");
    try (SafeTensorsFile f = SafeTensorsFile.open(good); TensorScope s = new TensorScope()) {
      ObjectNode state = (ObjectNode) Json.parse(f.metadata().get("jdnn.training"), "state");
      edit.accept(state);
      Map<String, String> meta = new LinkedHashMap<>(f.metadata());
      meta.put("jdnn.training", Json.write(state));
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : f.entries().keySet()) tensors.put(name, f.read(name));
      SafeTensors.write(out, tensors, meta);
    }
    return out;
  }

  /** Resumes a fresh trainer from the edited file: it must fail naming the file and {@code mentions}, and change nothing. */
  private void assertRefused(Consumer<ObjectNode> edit, String... mentions) throws IOException {
    Path bad = edited(edit);
    try (ResumeFixture f = new ResumeFixture(dir.resolve("other"), 5)) {
      Map<String, String> before = ResumeFixture.snapshot(f.trainer);
      IOException e = assertThrows(IOException.class, () -> f.trainer.resume(bad));
      assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
      for (String m : mentions) assertTrue(e.getMessage().contains(m), e.getMessage() + "\nshould mention: " + m);
      assertEquals(before, ResumeFixture.snapshot(f.trainer), e.getMessage());
    }
  }

  private static ArrayNode history(ObjectNode state, String metric) {
    return (ArrayNode) state.get("history").get(metric);
  }

  @Test
  void implausibleFieldsAreRefusedNamingFieldExpectationAndValue() throws IOException {
    assertRefused(s -> s.put("epoch", 65536), "'epoch' is 65536, but 'history' holds values for 3 epochs and 'history.loss' 3");
    assertRefused(s -> s.put("epoch", -1), "field 'epoch' must be an integer >= 0, got -1");
    assertRefused(s -> s.put("generator_offset", -1), "field 'generator_offset' must be an integer >= 0, got -1");
    assertRefused(s -> s.put("generator_offset", 0.5), "field 'generator_offset' must be an integer >= 0, got 0.5");
    assertRefused(s -> s.put("generator_seed", 1e308), "field 'generator_seed' must be a 64-bit integer, got 1.0E308");
    assertRefused(s -> s.put("shuffle_seed", "11"), "field 'shuffle_seed' must be a 64-bit integer, got \"11\"");
    assertRefused(s -> history(s, "loss").set(1, "abc"),
        "field 'history.loss[1]' must be a number, \"NaN\", \"Infinity\" or \"-Infinity\", got \"abc\"");
    assertRefused(s -> history(s, "loss").add(1.0), "'history.loss' holds 4 values, more than 'epoch' = 3");
    assertRefused(s -> history(s, "loss").remove(0), "'history.loss' 2 (every completed epoch logs its loss)");
    assertRefused(s -> s.put("optimizer", true), "field 'optimizer' must be an object of numbers and booleans, got true");
    assertRefused(s -> ((ObjectNode) s.get("optimizer")).put("group.0.lr", -0.1), "group.0.lr", "-0.1");
    assertRefused(s -> s.remove("generator_seed"), "lacks field 'generator_seed'");
    assertRefused(s -> s.put("extra", 1), "unknown field 'extra'");
    assertRefused(s -> ((ArrayNode) s.get("callbacks")).set(0, true), "field 'callbacks[0]' must be an object");
    // callbacks run (and are saved) by order: the two schedules, early stopping, the checkpoint writer, the counter
    assertRefused(s -> ((ObjectNode) s.get("callbacks").get(2).get("state")).put("wait", "x"),
        "callback 2 (EarlyStopping)", "wait must be a Number, got \"x\"");
    assertRefused(s -> ((ObjectNode) s.get("callbacks").get(0).get("state")).put("last_epoch", 0.5),
        "callback 0 (ScheduleStepping)", "last_epoch must be a whole number >= 0, got 0.5");
  }

  @Test
  void aUserCallbackRefusingItsStateHalfwayIsPutBackWithEverythingElse() throws IOException {
    // Counter restores its count, then refuses a label that is not a string; the callbacks before it were restored already
    assertRefused(s -> ((ObjectNode) s.get("callbacks").get(4).get("state")).put("label", 7),
        "state of callback 4 (Counter) was refused: Counter: label must be a string; nothing was restored");
  }

  @Test
  void theNonFiniteValuesJsonSpellsAsStringsAreAccepted() throws IOException {
    Path ok = edited(s -> {
      history(s, "val_loss").set(0, "NaN");
      history(s, "loss").set(2, "Infinity");
    });
    try (ResumeFixture f = new ResumeFixture(dir.resolve("other"), 5)) {
      f.trainer.resume(ok);
      assertTrue(Double.isNaN(f.trainer.history().get("val_loss").get(0)));
      assertEquals(Double.POSITIVE_INFINITY, f.trainer.history().get("loss").get(2));
      assertEquals(3, f.trainer.startEpoch());
    }
  }
}
