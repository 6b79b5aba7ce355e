package io.leasecr.node.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws a {@link Figure} as SVG or PNG. Without options the size follows the panel count and colours go by
 * first appearance (see {@link Palette}). The same figure and options give the same SVG bytes.
 */
public final class Plots {

  static {
    Headless.ensure();
  }

  private Plots() {}

  public static String svg(Figure figure, PlotOptions options) {
    int[] size = FigureRenderer.size(figure, options);
    SvgCanvas canvas = new SvgCanvas(size[0], size[1]);
    FigureRenderer.render(figure, options, size[0], size[1], canvas);
    return canvas.finish();
  }

  public static BufferedImage image(Figure figure, PlotOptions options) {
    int[] size = FigureRenderer.size(figure, options);
    ImageCanvas canvas = new ImageCanvas(size[0], size[1]);
    FigureRenderer.render(figure, options, size[0], size[1], canvas);
    return canvas.finish();
  }

  public static void writeSvg(Figure figure, Path file) throws IOException {
    writeSvg(figure, file, PlotOptions.DEFAULT);
  }

  public static void writeSvg(Figure figure, Path file, PlotOptions options) throws IOException {
    Files.writeString(file, svg(figure, options), StandardCharsets.UTF_8);
  }

  public static void writePng(Figure figure, Path file) throws IOException {
    writePng(figure, file, PlotOptions.DEFAULT);
  }

  public static void writePng(Figure figure, Path file, PlotOptions options) throws IOException {
    if (!ImageIO.write(image(figure, options), "png", file.toFile())) {
      throw new IOException("no PNG writer in this JDK");
    }
  }
}
