package io.leasecr.node.plot;

import java.awt.Color;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Colours of series by name. Each name gets an index: first the names given to {@link #of}, in that order,
 * then the figure's other names in order of first appearance (panel by panel, series by series); index i is
 * colour i of a fixed palette (cycling after 10). A caller that draws several figures with the same names
 * passes them all to {@link #of}, so that a name has the same colour in every figure even where some figures
 * lack some names.
 */
public final class Palette {

  static {
    Headless.ensure();
  }

  // Okabe-Ito (colour-blind safe, without its yellow, too pale on white; black before its orange, which is
  // hard to tell from vermillion where two lines cross), then three distinct extras
  private static final List<Color> COLOURS = List.of(
      new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0x000000), new Color(0xE69F00), new Color(0x56B4E9), new Color(0x8C564B),
      new Color(0x7F7F7F), new Color(0xBCBD22));

  private final List<String> names;

  private Palette(List<String> names) {
    this.names = List.copyOf(names);
  }

  /** Names take colours in order of first appearance in each figure. */
  public static Palette firstAppearance() {
    return new Palette(List.of());
  }

  /** These names take the first colours, in this order, whether or not a figure has them. */
  public static Palette of(List<String> names) {
    return new Palette(names);
  }

  public static Palette of(String... names) {
    return new Palette(List.of(names));
  }

  /** The colour of each series name in the figure, in legend order (the order of the colours). */
  public Map<String, Color> colours(Figure figure) {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (String n : names) {
      index.putIfAbsent(n, index.size());
    }
    Set<String> inFigure = new HashSet<>();
    for (Panel p : figure.panels()) {
      for (Series s : p.series()) {
        index.putIfAbsent(s.name(), index.size());
        inFigure.add(s.name());
      }
    }
    Map<String, Color> colours = new LinkedHashMap<>();
    index.forEach((name, i) -> {
      if (inFigure.contains(name)) {
        colours.put(name, COLOURS.get(i % COLOURS.size()));
      }
    });
    return colours;
  }
}
