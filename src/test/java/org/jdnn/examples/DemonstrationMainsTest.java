package org.jdnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each demonstration's main with small settings: it prints its result and the path of a PNG that
 * decodes and is not blank; and --help answers from the jar's classes alone, with no dependency on
 * the class path.
 */
class DemonstrationMainsTest {
  @TempDir Path dir;

  interface Main {
    void run(String[] args) throws Exception;
  }

  @Test
  void hiddenUnitFits() throws Exception {
    String out = run(HiddenUnitFits::main, "--steps", "300", "--activation", "sigmoid");
    assertTrue(out.contains("x^2") && out.contains("sin(x)") && out.contains("|x|"), out);
    BufferedImage img = picture(out, "hidden-units.png");
    assertEquals(3 * 460, img.getWidth(), "three panels");
  }

  @Test
  void xor() throws Exception {
    String out = run(Xor::main, "--steps", "1500");
    assertTrue(out.contains("wired by hand from OR, NAND and AND units:          0     1     1     0"), out);
    assertEquals(720, picture(out, "xor.png").getWidth(), "two panels");
  }

  @Test
  void perceptron() throws Exception {
    String out = run(Perceptron::main);
    assertTrue(out.contains("AND: converged after"), out);
    assertTrue(out.contains("XOR: not learned: the weights after epoch") && out.contains("cycles forever"), out);
    picture(out, "perceptron.png");
  }

  @Test
  void backpropByHand() throws Exception {
    String out = run(BackpropByHand::main);
    assertTrue(out.contains("largest |hand - autograd|") && out.contains("GradCheck") && out.contains("one step"), out);
    assertEquals(900, picture(out, "backprop.png").getWidth(), "the network diagram");
  }

  @Test
  void decisionSurfaces() throws Exception {
    String out = run(DecisionSurfaces::main, "--steps", "200");
    assertTrue(out.contains("1 layer (linear)") && out.contains("3 layers, 4 tanh units each"), out);
    assertEquals(3 * 380, picture(out, "decision-surfaces.png").getWidth());
  }

  @Test
  void vanishingGradients() throws Exception {
    String out = run(VanishingGradients::main, "--depth", "6", "--width", "16");
    assertTrue(out.contains("first layer / last layer: sigmoid"), out);
    assertEquals(720, picture(out, "vanishing-gradients.png").getWidth());
  }

  @Test
  void batchNormEffect() throws Exception {
    String out = run(BatchNormEffect::main, "--epochs", "2");
    assertTrue(out.contains("plain      after 2 epochs") && out.contains("batch norm after 2 epochs"), out);
    assertEquals(1000, picture(out, "batch-norm.png").getWidth());
  }

  /** Every example answers --help in a JVM whose class path is the jar's classes only. */
  @Test
  void helpNeedsNothingButTheJar() throws Exception {
    Path classes = Path.of(HiddenUnitFits.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (String name : List.of("HiddenUnitFits", "Xor", "Perceptron", "BackpropByHand", "DecisionSurfaces",
        "VanishingGradients", "BatchNormEffect", "SquareFit", "FashionMnistMlp", "FashionMnistCnn", "FashionMnistFit", "FashionMnistVit", "FashionMnistMultiTask")) {
      Process p = new ProcessBuilder(java, "-cp", classes.toString(), "org.jdnn.examples." + name, "--help")
          .redirectErrorStream(true).start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), name + " --help finished");
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), name + ": " + text);
      assertTrue(text.startsWith("usage: " + name), name + ": " + text);
    }
    // a bad value ends the program with status 2, naming the option, what it must be and what it got
    Process p = new ProcessBuilder(java, "-cp", classes.toString(), "org.jdnn.examples.Xor", "--steps", "0")
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), text);
    assertTrue(text.startsWith("error: --steps must be an integer of at least 1, got 0\nusage: Xor"), text);
  }

  /** Runs a main with --out set to the temp directory and returns what it printed. */
  private String run(Main main, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--out");
    all.add(dir.toString());
    return printed(main, all.toArray(new String[0]));
  }

  /** What {@code main} printed to System.out. */
  private static String printed(Main main, String... all) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      main.run(all);
    } finally {
      System.setOut(saved);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** The PNG whose path the output printed: named {@code name}, in the temp directory, decoding and not blank. */
  private BufferedImage picture(String out, String name) throws IOException {
    Path png = dir.resolve(name);
    assertTrue(out.contains("picture: " + png.toAbsolutePath()), out);
    assertTrue(Files.size(png) > 1000, png + " has " + Files.size(png) + " bytes");
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, png + " decodes");
    int drawn = 0;
    for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) drawn++;
    assertTrue(drawn > img.getWidth() * img.getHeight() / 50, name + ": only " + drawn + " pixels drawn, under 2%");
    return img;
  }
}
