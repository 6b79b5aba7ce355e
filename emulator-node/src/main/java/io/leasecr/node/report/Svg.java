package io.leasecr.node.report;

import java.util.Locale;

/**
 * SVG text written the way the plot package writes it: numbers with at most 2 decimals in Locale.ROOT and
 * XML-escaped text, so the same drawing gives the same bytes.
 */
final class Svg {

  private final StringBuilder out = new StringBuilder(1 << 16);

  Svg raw(String s) {
    out.append(s);
    return this;
  }

  /** {@code <NAME a="v" ...>} with the attributes given as name, value pairs (null values left out). */
  Svg open(String name, Object... attrs) {
    out.append('<').append(name);
    attrs(attrs);
    out.append(">\n");
    return this;
  }

  Svg close(String name) {
    out.append("</").append(name).append(">\n");
    return this;
  }

  Svg empty(String name, Object... attrs) {
    out.append('<').append(name);
    attrs(attrs);
    out.append("/>\n");
    return this;
  }

  Svg text(String text, Object... attrs) {
    out.append("<text");
    attrs(attrs);
    out.append('>').append(escape(text)).append("</text>\n");
    return this;
  }

  /** An element with a tooltip title (seen also without the page's script). */
  Svg titled(String name, String title, Object... attrs) {
    out.append('<').append(name);
    attrs(attrs);
    out.append("><title>").append(escape(title)).append("</title></").append(name).append(">\n");
    return this;
  }

  private void attrs(Object[] attrs) {
    for (int i = 0; i + 1 < attrs.length; i += 2) {
      Object v = attrs[i + 1];
      if (v == null) {
        continue;
      }
      out.append(' ').append(attrs[i]).append("=\"")
          .append(v instanceof Double d ? num(d) : escape(String.valueOf(v))).append('"');
    }
  }

  @Override
  public String toString() {
    return out.toString();
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

  /** XML-escaped, with characters XML 1.0 cannot hold replaced by U+FFFD. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      switch (cp) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.appendCodePoint(cp == 0x9 || cp == 0xA || (cp >= 0x20 && cp <= 0xD7FF)
            || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000 ? cp : 0xFFFD);
      }
    });
    return b.toString();
  }

  /** Text width estimate (DejaVu Sans-like advances), so layout does not depend on installed fonts. */
  static double width(String text, double size) {
    double em = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      em += c == ' ' || "il.,:;'|!".indexOf(c) >= 0 ? 0.32 : "fjrt()[]-/".indexOf(c) >= 0 ? 0.42
          : "mwMW%".indexOf(c) >= 0 ? 0.9 : Character.isUpperCase(c) ? 0.68 : 0.58;
    }
    return em * size;
  }
}
