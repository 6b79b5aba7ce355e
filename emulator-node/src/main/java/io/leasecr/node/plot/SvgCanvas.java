package io.leasecr.node.plot;

import java.awt.Color;
import java.util.Locale;

/**
 * Writes SVG text. Numbers have at most 2 decimals, formatted with Locale.ROOT, so the same drawing gives the
 * same bytes; a non-finite coordinate is a renderer bug and throws rather than writing "NaN".
 */
final class SvgCanvas implements Canvas {

  private final StringBuilder out = new StringBuilder();
  private String indent = "  ";

  SvgCanvas(int width, int height) {
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" font-family=\"DejaVu Sans, Verdana, sans-serif\">\n");
  }

  String finish() {
    return out + "</svg>\n";
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, Color colour, double width) {
    if (colour == null) {
      return;
    }
    out.append(indent).append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1))
        .append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2))
        .append("\" stroke=\"").append(hex(colour)).append("\" stroke-width=\"").append(num(width)).append("\"/>\n");
  }

  @Override
  public void polyline(double[] xs, double[] ys, Color colour, double width) {
    if (colour == null) {
      return;
    }
    out.append(indent).append("<polyline points=\"");
    for (int i = 0; i < xs.length; i++) {
      out.append(i == 0 ? "" : " ").append(num(xs[i])).append(',').append(num(ys[i]));
    }
    out.append("\" fill=\"none\" stroke=\"").append(hex(colour)).append("\" stroke-width=\"").append(num(width))
        .append("\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n");
  }

  @Override
  public void circle(double cx, double cy, double r, Color fill, Color outline) {
    out.append(indent).append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy))
        .append("\" r=\"").append(num(r)).append('"');
    paint(fill, outline);
    out.append("/>\n");
  }

  @Override
  public void text(double x, double y, String text, TextStyle style, double degrees) {
    if (text.isEmpty()) {
      return;
    }
    out.append(indent).append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y))
        .append("\" font-size=\"").append(num(style.size())).append('"');
    if (style.bold()) {
      out.append(" font-weight=\"bold\"");
    }
    out.append(" fill=\"").append(hex(style.colour())).append('"');
    switch (style.anchor()) {
      case MIDDLE -> out.append(" text-anchor=\"middle\"");
      case END -> out.append(" text-anchor=\"end\"");
      case START -> { }
    }
    if (degrees != 0) {
      out.append(" transform=\"rotate(").append(num(degrees)).append(' ').append(num(x)).append(' ')
          .append(num(y)).append(")\"");
    }
    out.append('>').append(escape(text)).append("</text>\n");
  }

  @Override
  public void rect(double x, double y, double w, double h, Color fill, Color outline) {
    out.append(indent).append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y))
        .append("\" width=\"").append(num(w)).append("\" height=\"").append(num(h)).append('"');
    paint(fill, outline);
    out.append("/>\n");
  }

  @Override
  public void begin(String kind, String name) {
    out.append(indent).append("<g class=\"").append(escape(kind)).append("\" data-name=\"").append(escape(name))
        .append("\">\n");
    indent += "  ";
  }

  @Override
  public void end() {
    indent = indent.substring(2);
    out.append(indent).append("</g>\n");
  }

  private void paint(Color fill, Color outline) {
    out.append(" fill=\"").append(fill == null ? "none" : hex(fill)).append('"');
    if (outline != null) {
      out.append(" stroke=\"").append(hex(outline)).append("\" stroke-width=\"1\"");
    }
  }

  static String num(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("non-finite coordinate " + v);
    }
    String s = String.format(Locale.ROOT, "%.2f", v);
    if (s.endsWith("0")) {
      s = s.substring(0, s.endsWith("00") ? s.length() - 3 : s.length() - 1);
    }
    return s.equals("-0") ? "0" : s;
  }

  private static String hex(Color c) {
    return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
  }

  /** XML-escaped, with characters XML 1.0 cannot hold replaced by U+FFFD. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      switch (cp) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> b.appendCodePoint(allowed(cp) ? cp : 0xFFFD);
      }
    });
    return b.toString();
  }

  private static boolean allowed(int cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)
        || cp >= 0x10000;
  }
}
