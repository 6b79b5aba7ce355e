package io.leasecr.node.plot;

/**
 * The width text will take, estimated from DejaVu Sans' advances by character class. Layout uses the estimate
 * rather than a font's metrics so that the SVG does not depend on the fonts installed where it is made.
 */
final class TextWidth {

  private TextWidth() {}

  static double of(String text, TextStyle style) {
    double em = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      em += advance(cp);
    }
    return em * style.size() * (style.bold() ? 1.1 : 1);
  }

  /** The text, cut and ended with an ellipsis if it is wider than max. */
  static String fit(String text, TextStyle style, double max) {
    if (of(text, style) <= max) {
      return text;
    }
    int end = text.length();
    while (end > 0 && of(text.substring(0, end) + "…", style) > max) {
      end = text.offsetByCodePoints(end, -1);
    }
    return end == 0 ? "" : text.substring(0, end) + "…";
  }

  private static double advance(int cp) {
    if (cp == ' ' || "il.,:;'|!".indexOf(cp) >= 0) {
      return 0.32;
    }
    if ("fjrt()[]-/".indexOf(cp) >= 0) {
      return 0.42;
    }
    if ("mwMW%".indexOf(cp) >= 0) {
      return 0.98;
    }
    if (Character.isUpperCase(cp)) {
      return 0.74;
    }
    return 0.64;
  }
}
