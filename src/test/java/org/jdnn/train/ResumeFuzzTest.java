package org.jdnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.jdnn.data.ArrayDataset;
import org.jdnn.io.Json;
import org.jdnn.io.SafeTensors;
import org.jdnn.io.SafeTensorsFile;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.Device;
import org.jdnn.tensor.Generator;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupts a real checkpoint in every field of its training state, every tensor and at random
 * bytes, and resumes a trainer in a known state from each: a resume that fails must leave the
 * model, optimizer, callbacks, trainer and generator exactly as they were.
 */
class ResumeFuzzTest {
  @TempDir Path dir;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<JsonNode> REPLACEMENTS = List.of(NullNode.getInstance(), BooleanNode.TRUE, TextNode.valueOf("x"),
      TextNode.valueOf("NaN"), IntNode.valueOf(-1), DoubleNode.valueOf(0.5), DoubleNode.valueOf(1e308), IntNode.valueOf(65536),
      LongNode.valueOf(Long.MIN_VALUE), NODES.objectNode(), NODES.arrayNode());

  /** A corruption of the checkpoint's training-state JSON or tensors. */
  private record Case(String what, JsonNode state, Map<String, Tensor> tensors) {}

  @Test
  void aFailedResumeChangesNothing() throws IOException {
    Path good;
    try (ArrayDataset train = TrainerTestData.blobs(48, 1); ArrayDataset val = TrainerTestData.blobs(16, 2)) {
      Generator.manualSeed(21);
      try (ResumeFixture a = new ResumeFixture(dir.resolve("a"), 3)) {
        a.trainer.fit(train, val);
      }
      good = dir.resolve("a").resolve(ModelCheckpoint.LAST);
      Generator.manualSeed(5);
      try (ResumeFixture b = new ResumeFixture(dir.resolve("b"), 1); TensorScope scope = new TensorScope()) {
        b.trainer.fit(train, val);
        Path known = dir.resolve("b").resolve(ModelCheckpoint.LAST);
        // fit's end freed early stopping's copy of the best weights; the checkpoint has it
        b.trainer.resume(known);
        List<Case> cases = cases(good);
        Path bad = dir.resolve("bad.safetensors");
        long memory = Device.cpu().bytesInUse();
        int refused = 0;
        for (Case c : cases) {
          write(bad, c);
          if (refusedWithoutChange(b.trainer, bad, c.what())) refused++;
          else b.trainer.resume(known); // accepted: back to the known state
        }
        byte[] original = Files.readAllBytes(good);
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
          byte[] flipped = original.clone();
          int at = rng.nextInt(flipped.length);
          flipped[at] ^= (byte) (1 + rng.nextInt(255));
          Files.write(bad, flipped);
          assertTrue(refusedWithoutChange(b.trainer, bad, "byte " + at + " flipped"), "byte " + at + " flipped: accepted");
        }
        System.out.println(refused + " of " + cases.size() + " corruptions refused");
        assertTrue(refused > cases.size() / 2, refused + " of " + cases.size() + " corruptions refused");
        assertTrue(Device.cpu().bytesInUse() <= memory, "failed resumes leak nothing: " + memory + " -> " + Device.cpu().bytesInUse());
        // and the checkpoint itself still resumes
        b.trainer.resume(good);
        assertEquals(3, b.trainer.startEpoch());
      }
    }
  }

  /** True when the resume failed, after checking that it changed nothing and named the file; false when it succeeded. */
  private static boolean refusedWithoutChange(Trainer t, Path file, String what) {
    Map<String, String> before = ResumeFixture.snapshot(t);
    try {
      t.resume(file);
      return false;
    } catch (IOException e) {
      assertTrue(e.getMessage().startsWith(file + ": "), what + ": message does not name the file: " + e.getMessage());
      // jdnn's own messages say what is wrong in the file's terms (the test's user callback speaks for itself)
      boolean internal = e.getMessage().contains("cannot be cast") || e.getMessage().contains("java.lang.");
      assertFalse(internal && !e.getMessage().contains("(Counter)"), what + ": message speaks of Java internals: " + e.getMessage());
      Map<String, String> after = ResumeFixture.snapshot(t);
      List<String> changed = new ArrayList<>();
      for (String k : before.keySet()) if (!before.get(k).equals(after.get(k))) changed.add(k);
      assertEquals(List.of(), changed, what + ": failed with \"" + e.getMessage() + "\" but changed these");
      assertEquals(before, after);
      return true;
    }
  }

  private static void write(Path bad, Case c) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("jdnn.format", "checkpoint/1");
    meta.put("jdnn.training", Json.write(c.state()));
    SafeTensors.write(bad, c.tensors(), meta);
  }

  /**
   * Every corruption: each JSON value removed or replaced, objects given an extra field, each
   * tensor dropped, renamed, reshaped or retyped, and tensors added.
   */
  private static List<Case> cases(Path good) throws IOException {
    JsonNode state;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try (SafeTensorsFile f = SafeTensorsFile.open(good)) {
      state = Json.parse(f.metadata().get("jdnn.training"), "state");
      for (String name : f.entries().keySet()) tensors.put(name, f.read(name));
    }
    List<Case> cases = new ArrayList<>();
    jsonCases(state, state, "", cases, tensors);
    for (String name : tensors.keySet()) {
      Tensor t = tensors.get(name);
      cases.add(tensorCase("dropped " + name, state, tensors, m -> m.remove(name)));
      cases.add(tensorCase("renamed " + name, state, tensors, m -> m.put(name + "_x", m.remove(name))));
      long[] shape = t.shape();
      shape[shape.length - 1]++;
      cases.add(tensorCase("reshaped " + name, state, tensors, m -> m.put(name, Tensor.zeros(shape))));
      cases.add(tensorCase("retyped " + name, state, tensors, m -> m.put(name, t.to(DType.FLOAT64))));
    }
    for (String extra : new String[] {"junk", "model.extra", "optimizer.state.99.exp_avg", "callback.5.x", "callback.0.x"}) {
      cases.add(tensorCase("added " + extra, state, tensors, m -> m.put(extra, Tensor.zeros(2))));
    }
    return cases;
  }

  private static Case tensorCase(String what, JsonNode state, Map<String, Tensor> tensors, Consumer<Map<String, Tensor>> edit) {
    Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
    edit.accept(copy);
    return new Case(what, state, copy);
  }

  // Walks the tree; for each value, a copy of the whole state with that value removed or replaced.
  private static void jsonCases(JsonNode root, JsonNode node, String path, List<Case> out, Map<String, Tensor> tensors) {
    if (node.isObject()) {
      out.add(new Case(path + " with an extra field", edited(root, path, n -> ((ObjectNode) n).put("zz_extra", 1)), tensors));
      for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        String child = path + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
        out.add(new Case(child + " removed", edited(root, path, n -> ((ObjectNode) n).remove(e.getKey())), tensors));
        for (JsonNode r : REPLACEMENTS) {
          out.add(new Case(child + " = " + r, edited(root, path, n -> ((ObjectNode) n).set(e.getKey(), r.deepCopy())), tensors));
        }
        jsonCases(root, e.getValue(), child, out, tensors);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        int at = i;
        String child = path + "/" + i;
        out.add(new Case(child + " removed", edited(root, path, n -> ((ArrayNode) n).remove(at)), tensors));
        for (JsonNode r : REPLACEMENTS) {
          out.add(new Case(child + " = " + r, edited(root, path, n -> ((ArrayNode) n).set(at, r.deepCopy())), tensors));
        }
        jsonCases(root, node.get(i), child, out, tensors);
      }
    }
  }

  private static JsonNode edited(JsonNode root, String path, Consumer<JsonNode> edit) {
    JsonNode copy = root.deepCopy();
    edit.accept(path.isEmpty() ? copy : copy.at(path));
    return copy;
  }
}
