package org.jdnn.plot;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdnn.nn.Activation;
import org.jdnn.nn.BatchNorm;
import org.jdnn.nn.Conv2d;
import org.jdnn.nn.Dropout;
import org.jdnn.nn.Dropout2d;
import org.jdnn.nn.HookHandle;
import org.jdnn.nn.Layer;
import org.jdnn.tensor.DType;
import org.jdnn.tensor.GradMode;
import org.jdnn.tensor.Tensor;
import org.jdnn.tensor.TensorScope;

/**
 * What one input looks like after each convolution of a model, as a PNG: the input first, then one
 * row of panels per {@link Conv2d}, each channel a tile labelled with its index. A convolution's
 * maps are taken after the batch norms, activations and dropouts that directly follow it (the
 * heading lists them), so "Conv2d -> ReLU" shows what the next layer receives. Colours run from
 * dark blue (the panel's minimum) to yellow (its maximum), scaled per layer: the bar beside each
 * panel gives the values, and a ReLU's dead channels show as flat dark tiles.
 *
 * <p>The model runs once, as it is (Sequential, Residual, Graph or a layer of one's own), with a
 * forward hook ({@link Layer#registerForwardHook}) on each of its layers without children, so the
 * convolutions and their followers are taken in the order they run; a container that calls a
 * child's {@code forward} instead of {@code call} hides that child. It runs in evaluation mode
 * without gradients, its hooks are removed and its training mode is restored afterwards.
 *
 * <pre>{@code
 * ActivationMaps.save(cnn, testImages.rows(0, 1).features(), Path.of("activations.png"), 16);
 * }</pre>
 */
public final class ActivationMaps {
  private static final int MIN_TILE = 56;
  private static final int PER_ROW = 8;
  private static final int GAP = 6;

  private ActivationMaps() {}

  /** One captured map: its heading and (C, H, W) values. */
  private static final class Panel {
    final String heading;
    final int channels;
    final int height;
    final int width;
    final double[] values;

    Panel(String heading, Tensor x) {
      this.heading = heading;
      channels = (int) x.dim(1);
      height = (int) x.dim(2);
      width = (int) x.dim(3);
      try (Tensor d = x.to(DType.FLOAT64)) {
        values = d.toDoubleArray();  // sample 0 is the whole tensor: the batch holds one input
      }
    }

    private Panel(String heading, Panel p) {
      this.heading = heading;
      channels = p.channels;
      height = p.height;
      width = p.width;
      values = p.values;
    }

    Panel titled(String h) {
      return new Panel(h, this);
    }
  }

  /** One call of a layer without children, in call order: its name in the model and its output (null unless one (1, C, H, W) map). */
  private record Call(String name, Layer layer, Panel output) {}

  /**
   * Writes the maps of {@code input} through {@code model} to {@code png}, atomically.
   *
   * @param model any model whose convolutions are Conv2d layers run through {@code call}
   * @param input one image, (C, H, W) or (1, C, H, W), on any device (moved to the model's)
   * @param png the file to create or replace; its directory is created when missing
   * @param maxChannels how many channels of each layer to show at most (the first ones), in [1, 256]
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when the input is not one image, maxChannels is out of range,
   *     or the model has no Conv2d
   */
  public static void save(Layer model, Tensor input, Path png, int maxChannels) throws IOException {
    Png.write(render(model, input, maxChannels), png);
  }

  /**
   * Draws the maps of {@code input} through {@code model}.
   *
   * @param model any model whose convolutions are Conv2d layers run through {@code call}
   * @param input one image, (C, H, W) or (1, C, H, W)
   * @param maxChannels how many channels of each layer to show at most, in [1, 256]
   * @return a new RGB image
   * @throws IllegalArgumentException when the input is not one image, maxChannels is out of range,
   *     or the model has no Conv2d
   */
  public static BufferedImage render(Layer model, Tensor input, int maxChannels) {
    if (maxChannels < 1 || maxChannels > 256) {
      throw new IllegalArgumentException("ActivationMaps: maxChannels must be in [1, 256], got " + maxChannels);
    }
    boolean batched = input.rank() == 4;
    if (!(input.rank() == 3 || batched && input.dim(0) == 1)) {
      throw new IllegalArgumentException("ActivationMaps: expected one image (C, H, W) or (1, C, H, W), got "
          + input.describe() + "; pass a single sample, e.g. dataset.rows(0, 1).features()");
    }
    List<Panel> panels = capture(model, input, batched);
    if (panels.size() < 2) {
      throw new IllegalArgumentException("ActivationMaps: the model has no Conv2d layer to show (none ran through"
          + " Layer.call in " + model.describe() + ")");
    }
    return draw(panels, maxChannels);
  }

  private static List<Panel> capture(Layer model, Tensor input, boolean batched) {
    List<Call> calls = new ArrayList<>();
    List<HookHandle> hooks = new ArrayList<>();
    boolean wasTraining = model.isTraining();
    List<Panel> panels = new ArrayList<>();
    model.eval();
    try (TensorScope s = new TensorScope(); GradMode.Guard g = GradMode.disable()) {
      hookLeaves(model, "", calls, hooks);
      Tensor x = (batched ? input : input.reshape(1, input.dim(0), input.dim(1), input.dim(2))).to(model.device());
      panels.add(new Panel(String.format(Locale.ROOT, "input, %d x %d x %d", x.dim(1), x.dim(2), x.dim(3)), x));
      model.call(x);
    } finally {
      for (HookHandle h : hooks) h.remove();
      model.train(wasTraining);
    }
    String heading = null;  // the heading of a convolution whose followers are still being applied
    Panel pending = null;
    for (Call c : calls) {
      if (pending != null && !(follows(c.layer()) && c.output() != null)) {
        panels.add(pending.titled(shape(heading, pending)));
        pending = null;
      }
      if (c.layer() instanceof Conv2d && c.output() != null) {
        heading = c.name() + ": Conv2d";
        pending = c.output();
      } else if (pending != null) {
        heading += " -> " + c.layer().getClass().getSimpleName();
        pending = c.output();
      }
    }
    if (pending != null) panels.add(pending.titled(shape(heading, pending)));
    return panels;
  }

  /** The headings of the panels {@code render} would draw, in order (for tests). */
  static List<String> headings(Layer model, Tensor input) {
    List<String> out = new ArrayList<>();
    for (Panel p : capture(model, input, input.rank() == 4)) out.add(p.heading);
    return out;
  }

  /** A forward hook on every layer below {@code l} that has no children, recording its calls with their maps. */
  private static void hookLeaves(Layer l, String name, List<Call> calls, List<HookHandle> hooks) {
    if (l.children().isEmpty()) {
      String n = name.isEmpty() ? "0" : name;
      hooks.add(l.registerForwardHook((layer, in, out) -> {
        boolean oneMap = out.rank() == 4 && out.dim(0) == 1;
        calls.add(new Call(n, layer, oneMap ? new Panel("", out) : null));
        return null;
      }));
      return;
    }
    for (Map.Entry<String, Layer> e : l.children().entrySet()) {
      hookLeaves(e.getValue(), name.isEmpty() ? e.getKey() : name + "." + e.getKey(), calls, hooks);
    }
  }

  private static boolean follows(Layer l) {
    return l instanceof Activation || l instanceof BatchNorm || l instanceof Dropout || l instanceof Dropout2d;
  }

  private static String shape(String heading, Panel p) {
    return String.format(Locale.ROOT, "%s, %d x %d x %d", heading, p.channels, p.height, p.width);
  }

  private static String heading(Panel p, int shown) {
    return p.heading + (shown < p.channels ? " (first " + shown + " of " + p.channels + " channels)" : "");
  }

  private static BufferedImage draw(List<Panel> panels, int maxChannels) {
    FontMetrics text = Canvas.metrics(Canvas.TEXT);
    FontMetrics small = Canvas.metrics(Canvas.SMALL);
    String title = "Activation maps of one input; colours scaled per layer (its min to its max)";
    int width = Canvas.metrics(Canvas.TITLE).stringWidth(title) + 3 * Canvas.PAD;  // slack: drawn text runs wider than measured
    int[] heights = new int[panels.size()];
    int[] ppp = new int[panels.size()];
    int barW = Canvas.barWidth("-0.0000e+00");
    for (int k = 0; k < panels.size(); k++) {
      Panel p = panels.get(k);
      ppp[k] = Math.max(1, (MIN_TILE + Math.max(p.height, p.width) - 1) / Math.max(p.height, p.width));
      int shown = Math.min(p.channels, maxChannels);
      int cols = Math.min(PER_ROW, shown);
      int rows = (shown + cols - 1) / cols;
      int cellW = p.width * ppp[k] + GAP;
      int cellH = small.getHeight() + p.height * ppp[k] + GAP;
      heights[k] = text.getHeight() + rows * cellH + Canvas.PAD;
      width = Math.max(width, Canvas.PAD + cols * cellW + Canvas.PAD + barW + Canvas.PAD);
      width = Math.max(width, text.stringWidth(heading(p, shown)) + 3 * Canvas.PAD);
    }
    int top = Canvas.PAD + Canvas.metrics(Canvas.TITLE).getHeight() + Canvas.PAD / 2;
    int height = top;
    for (int h : heights) height += h;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Canvas.white(img);
    g.setFont(Canvas.TITLE);
    g.drawString(title, Canvas.PAD, Canvas.PAD + g.getFontMetrics().getAscent());
    int y = top;
    for (int k = 0; k < panels.size(); k++) {
      Panel p = panels.get(k);
      int shown = Math.min(p.channels, maxChannels);
      double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < shown * p.height * p.width; i++) {
        lo = Math.min(lo, p.values[i]);
        hi = Math.max(hi, p.values[i]);
      }
      double range = hi > lo ? hi - lo : 1;
      g.setFont(Canvas.TEXT);
      g.setColor(Color.BLACK);
      g.drawString(heading(p, shown), Canvas.PAD, y + text.getAscent());
      int gridTop = y + text.getHeight();
      int cols = Math.min(PER_ROW, shown);
      int cellW = p.width * ppp[k] + GAP;
      int cellH = small.getHeight() + p.height * ppp[k] + GAP;
      g.setFont(Canvas.SMALL);
      for (int c = 0; c < shown; c++) {
        int x0 = Canvas.PAD + (c % cols) * cellW;
        int y0 = gridTop + (c / cols) * cellH;
        g.setColor(Color.BLACK);
        g.drawString(Integer.toString(c), x0, y0 + small.getAscent());
        int base = c * p.height * p.width;
        for (int r = 0; r < p.height; r++) {
          for (int q = 0; q < p.width; q++) {
            g.setColor(Palette.sequential((p.values[base + r * p.width + q] - lo) / range));
            g.fillRect(x0 + q * ppp[k], y0 + small.getHeight() + r * ppp[k], ppp[k], ppp[k]);
          }
        }
      }
      int barH = Math.max(40, heights[k] - text.getHeight() - Canvas.PAD - GAP);
      Canvas.colourBar(g, Canvas.PAD + cols * cellW + Canvas.PAD, gridTop + small.getHeight(), Math.min(barH, 200),
          Palette::sequential, Canvas.number(hi), null, Canvas.number(lo));
      y += heights[k];
    }
    g.dispose();
    return img;
  }
}
