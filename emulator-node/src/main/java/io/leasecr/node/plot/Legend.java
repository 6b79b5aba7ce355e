package io.leasecr.node.plot;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One legend for the figure: a line-and-marker swatch and the name per series, in rows that wrap, centred. */
final class Legend {

  private static final double ROW = 20;
  private static final double SWATCH = 24;
  private static final double TEXT_GAP = 6;
  private static final double SPACING = 20;

  private Legend() {}

  /** The height the legend takes, margin below included. */
  static double height(List<String> names, double width) {
    return names.isEmpty() ? 0 : rows(names, width).size() * ROW + 8;
  }

  static double draw(Canvas c, Map<String, Color> colours, double x, double y, double width) {
    List<String> names = List.copyOf(colours.keySet());
    if (names.isEmpty()) {
      return 0;
    }
    c.begin("legend", "");
    List<List<Integer>> rows = rows(names, width);
    for (int r = 0; r < rows.size(); r++) {
      List<Integer> row = rows.get(r);
      double used = row.stream().mapToDouble(i -> entryWidth(label(names.get(i), width))).sum() - SPACING;
      double ex = x + Math.max(0, (width - used) / 2);
      double mid = y + r * ROW + ROW / 2;
      for (int i : row) {
        String label = label(names.get(i), width);
        Color colour = colours.get(names.get(i));
        c.line(ex, mid, ex + SWATCH, mid, colour, Style.LINE_WIDTH);
        c.circle(ex + SWATCH / 2, mid, Style.MARKER, colour, Style.BACKGROUND);
        c.text(ex + SWATCH + TEXT_GAP, mid + 0.36 * Style.LEGEND.size(), label, Style.LEGEND, 0);
        ex += entryWidth(label);
      }
    }
    c.end();
    return height(names, width);
  }

  /** Indexes of the names, row by row. */
  private static List<List<Integer>> rows(List<String> names, double width) {
    List<List<Integer>> rows = new ArrayList<>();
    List<Integer> row = new ArrayList<>();
    double used = 0;
    for (int i = 0; i < names.size(); i++) {
      double w = entryWidth(label(names.get(i), width));
      if (!row.isEmpty() && used + w - SPACING > width) {
        rows.add(row);
        row = new ArrayList<>();
        used = 0;
      }
      row.add(i);
      used += w;
    }
    rows.add(row);
    return rows;
  }

  private static String label(String name, double width) {
    return TextWidth.fit(name, Style.LEGEND, width - SWATCH - TEXT_GAP);
  }

  private static double entryWidth(String label) {
    return SWATCH + TEXT_GAP + TextWidth.of(label, Style.LEGEND) + SPACING;
  }
}
