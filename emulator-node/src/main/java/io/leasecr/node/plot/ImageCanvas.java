package io.leasecr.node.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/** Draws with Java2D, antialiased, into an RGB image. */
final class ImageCanvas implements Canvas {

  static {
    Headless.ensure();
  }

  private final BufferedImage image;
  private final Graphics2D g;

  ImageCanvas(int width, int height) {
    image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
  }

  BufferedImage finish() {
    g.dispose();
    return image;
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, Color colour, double width) {
    if (colour != null) {
      stroke(colour, width);
      g.draw(new Line2D.Double(x1, y1, x2, y2));
    }
  }

  @Override
  public void polyline(double[] xs, double[] ys, Color colour, double width) {
    if (colour == null || xs.length == 0) {
      return;
    }
    Path2D.Double path = new Path2D.Double();
    path.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      path.lineTo(xs[i], ys[i]);
    }
    stroke(colour, width);
    g.draw(path);
  }

  @Override
  public void circle(double cx, double cy, double r, Color fill, Color outline) {
    paint(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r), fill, outline);
  }

  @Override
  public void text(double x, double y, String text, TextStyle style, double degrees) {
    if (text.isEmpty()) {
      return;
    }
    Font font = new Font(Font.SANS_SERIF, style.bold() ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) style.size());
    double width = font.getStringBounds(text, g.getFontRenderContext()).getWidth();
    double dx = switch (style.anchor()) {
      case START -> 0;
      case MIDDLE -> -width / 2;
      case END -> -width;
    };
    AffineTransform saved = g.getTransform();
    g.rotate(Math.toRadians(degrees), x, y);
    g.setFont(font);
    g.setColor(style.colour());
    g.drawString(text, (float) (x + dx), (float) y);
    g.setTransform(saved);
  }

  @Override
  public void rect(double x, double y, double w, double h, Color fill, Color outline) {
    paint(new Rectangle2D.Double(x, y, w, h), fill, outline);
  }

  private void paint(java.awt.Shape shape, Color fill, Color outline) {
    if (fill != null) {
      g.setColor(fill);
      g.fill(shape);
    }
    if (outline != null) {
      stroke(outline, 1);
      g.draw(shape);
    }
  }

  private void stroke(Color colour, double width) {
    g.setColor(colour);
    g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
  }
}
