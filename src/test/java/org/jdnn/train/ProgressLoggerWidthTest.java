package org.jdnn.train;

import static org.jdnn.optim.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jdnn.data.ArrayDataset;
import org.jdnn.loss.CrossEntropyLoss;
import org.jdnn.nn.Layer;
import org.jdnn.optim.SGD;
import org.jdnn.tensor.Generator;
import org.junit.jupiter.api.Test;

/** The live progress line never wraps (a wrapped line cannot be redrawn), and the epoch line names the learning rate. */
class ProgressLoggerWidthTest {
  // Every redraw of the live line: the text between carriage returns, up to a line end.
  private static List<String> redraws(String out) {
    List<String> r = new ArrayList<>();
    for (String line : out.split("\n")) {
      String[] parts = line.split("\r");
      for (int i = 0; i < parts.length; i++) if (!parts[i].isEmpty() && (i < parts.length - 1 || !parts[i].startsWith("epoch 1/1  loss"))) r.add(parts[i]);
    }
    return r;
  }

  private static String run(int columns) {
    Generator.manualSeed(3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ArrayDataset data = TrainerTestData.blobs(400, 2); Layer m = TrainerTestData.mlp(); SGD sgd = new SGD(m.parameters(), 0.25)) {
      new Trainer(m, sgd, new CrossEntropyLoss()).epochs(1).batchSize(8).messages(null)
          .callbacks(new ProgressLogger(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 0, columns)).fit(data, null);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSeventyColumnTerminalGetsLinesOfAtMostSixtyNine() {
    String out = run(70);
    List<String> lines = redraws(out);
    assertEquals(50, lines.size(), "one redraw per batch");
    for (String l : lines) assertTrue(l.length() <= 69, l.length() + " columns: " + l);
    assertTrue(lines.get(49).contains("[") && lines.get(49).contains("] 50/50"), "the bar stays, narrower: " + lines.get(49));
    String epochLine = out.substring(out.lastIndexOf('\r') + 1).trim();
    assertTrue(epochLine.startsWith("epoch 1/1  loss ") && epochLine.contains("  lr 0.250  "), epochLine);
  }

  @Test
  void aNarrowTerminalDropsTheBarThenCutsTheText() {
    for (String l : redraws(run(30))) {
      assertTrue(l.length() <= 29, l.length() + " columns: " + l);
      assertTrue(!l.contains("["), "no room for a bar: " + l);
    }
  }

  @Test
  void theWidthComesFromColumnsOrDefaultsToEighty() {
    assertEquals(70, ProgressLogger.terminalColumns("70"));
    assertEquals(ProgressLogger.DEFAULT_COLUMNS, ProgressLogger.terminalColumns(null));
    assertEquals(ProgressLogger.DEFAULT_COLUMNS, ProgressLogger.terminalColumns("wide"));
    assertEquals(ProgressLogger.DEFAULT_COLUMNS, ProgressLogger.terminalColumns("3"));
    assertRejected("columns must be >= 20, got 10", () -> new ProgressLogger(System.out, true, 0, 10));
  }
}
