package org.jdnn.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.jdnn.io.AtomicFiles;

/** PNG output through javax.imageio, written atomically like every jdnn file. */
final class Png {
  private Png() {}

  static void write(BufferedImage image, Path png) throws IOException {
    AtomicFiles.write(png, ch -> {
      if (!ImageIO.write(image, "png", Channels.newOutputStream(ch))) throw new IOException("no PNG writer available");
    });
  }
}
