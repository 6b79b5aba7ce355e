package io.leasecr.node.plot;

import java.awt.Color;
import java.util.List;
import java.util.Map;

/**
 * Lays a figure out and draws it: title, legend, the panels in a grid with the shared axes, the axis labels.
 * Layout uses estimated text widths (see {@link TextWidth}), so it is the same for SVG and PNG.
 */
final class FigureRenderer {

  private static final int CELL_WIDTH = 370;
  private static final int CELL_HEIGHT = 280;

  private FigureRenderer() {}

  static int columns(int panels) {
    return panels <= 3 ? Math.max(1, panels) : panels == 4 ? 2 : 3;
  }

  /** The options' size, or one from the panel count. */
  static int[] size(Figure figure, PlotOptions options) {
    if (options.width() > 0) {
      return new int[] {options.width(), options.height()};
    }
    int n = Math.max(1, figure.panels().size());
    int cols = columns(n);
    int rows = (n + cols - 1) / cols;
    double width = 2 * Style.PAD + (figure.yLabel().isBlank() ? 0 : Style.LABEL_BLOCK) + cols * CELL_WIDTH;
    List<String> names = List.copyOf(options.palette().colours(figure).keySet());
    double height = 2 * Style.PAD + (figure.title().isBlank() ? 0 : Style.TITLE_BLOCK)
        + Legend.height(names, width - 2 * Style.PAD) + rows * CELL_HEIGHT
        + (figure.xLabel().isBlank() ? 0 : Style.LABEL_BLOCK);
    return new int[] {(int) Math.ceil(width), (int) Math.ceil(height)};
  }

  static void render(Figure figure, PlotOptions options, int width, int height, Canvas c) {
    Map<String, Color> colours = options.palette().colours(figure);
    List<Panel> panels = figure.panels().isEmpty() ? List.of(new Panel("", List.of())) : figure.panels();
    c.rect(0, 0, width, height, Style.BACKGROUND, null);
    double top = Style.PAD;
    if (!figure.title().isBlank()) {
      c.text(width / 2.0, top + Style.TITLE.size(),
          TextWidth.fit(figure.title(), Style.TITLE, width - 2 * Style.PAD), Style.TITLE, 0);
      top += Style.TITLE_BLOCK;
    }
    top += Legend.draw(c, colours, Style.PAD, top, width - 2 * Style.PAD);
    double left = Style.PAD + (figure.yLabel().isBlank() ? 0 : Style.LABEL_BLOCK);
    double right = width - Style.PAD;
    double bottom = height - Style.PAD - (figure.xLabel().isBlank() ? 0 : Style.LABEL_BLOCK);

    int cols = columns(panels.size());
    int rows = (panels.size() + cols - 1) / cols;
    double cellWidth = (right - left) / cols;
    double cellHeight = Math.max(0, bottom - top) / rows;
    boolean titled = panels.stream().anyMatch(p -> !p.title().isBlank());
    double boxTop = titled ? Style.PANEL_TITLE_BLOCK : Style.GAP / 2;
    double boxHeight = Math.max(1, cellHeight - boxTop - Style.X_TICK_BLOCK - Style.GAP / 2);

    Extent data = Extent.of(panels, figure.logX());
    Axis y = Axis.linear(data.yLow(), data.yHigh(), Math.max(2, (int) (boxHeight / 45)));
    double boxLeft = y.widestLabel(Style.TICK) + 12;
    Axis x = xAxis(figure.logX(), data, Math.max(1, cellWidth - boxLeft - 24));
    double lastLabel = TextWidth.of(x.labels().get(x.labels().size() - 1), Style.TICK);
    double boxRight = Math.max(8, lastLabel / 2 - Style.INSET + 4) + Style.GAP;
    double boxWidth = Math.max(1, cellWidth - boxLeft - boxRight);

    for (int i = 0; i < panels.size(); i++) {
      double cx = left + (i % cols) * cellWidth;
      double cy = top + (i / cols) * cellHeight;
      Box box = new Box(cx + boxLeft, cy + boxTop, boxWidth, boxHeight);
      new PanelRenderer(c, box, x, y).draw(panels.get(i), colours);
    }
    double plotsLeft = left + boxLeft;
    double plotsRight = left + (cols - 1) * cellWidth + boxLeft + boxWidth;
    c.text(Style.PAD + Style.AXIS_LABEL.size(), top + (rows * cellHeight) / 2,
        TextWidth.fit(figure.yLabel(), Style.AXIS_LABEL, Math.max(0, bottom - top)), Style.AXIS_LABEL, -90);
    c.text((plotsLeft + plotsRight) / 2, height - Style.PAD - 4,
        TextWidth.fit(figure.xLabel(), Style.AXIS_LABEL, width - 2 * Style.PAD), Style.AXIS_LABEL, 0);
  }

  /** The x axis with as many labelled ticks as fit side by side in the width (fewer on a linear one). */
  private static Axis xAxis(boolean log, Extent data, double width) {
    int target = Math.max(2, (int) (width / (log ? 30 : 60)));
    while (true) {
      Axis x = log ? Axis.log(data.xLow(), data.xHigh(), target) : Axis.linear(data.xLow(), data.xHigh(), target);
      double spacing = (width - 2 * Style.INSET) / Math.max(1, x.ticks().length - 1);
      if (target <= 2 || spacing >= x.widestLabel(Style.TICK) + 12) {
        return x;
      }
      target--;
    }
  }
}
