package io.leasecr.node.plot;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** One panel: title, grid, ticks and their labels, frame, zero line, then each series' lines and markers. */
final class PanelRenderer {

  private final Canvas c;
  private final Box box;
  private final Axis x;
  private final Axis y;

  PanelRenderer(Canvas c, Box box, Axis x, Axis y) {
    this.c = c;
    this.box = box;
    this.x = x;
    this.y = y;
  }

  void draw(Panel panel, Map<String, Color> colours) {
    c.begin("panel", panel.title());
    double titleWidth = box.w() + Style.GAP;
    c.text(box.x() + box.w() / 2, box.y() - 8, TextWidth.fit(panel.title(), Style.PANEL_TITLE, titleWidth),
        Style.PANEL_TITLE, 0);
    axes();
    boolean drawn = false;
    for (Series s : panel.series()) {
      drawn |= series(s, colours.get(s.name()));
    }
    if (!drawn) {
      c.text(box.x() + box.w() / 2, box.y() + box.h() / 2, "no data", Style.NOTE, 0);
    }
    c.end();
  }

  double px(double v) {
    return box.x() + Style.INSET + x.fraction(v) * (box.w() - 2 * Style.INSET);
  }

  double py(double v) {
    return box.bottom() - Style.INSET - y.fraction(v) * (box.h() - 2 * Style.INSET);
  }

  private void axes() {
    for (int i = 0; i < y.ticks().length; i++) {
      double p = py(y.ticks()[i]);
      c.line(box.x(), p, box.right(), p, Style.GRID, 1);
      c.line(box.x() - 4, p, box.x(), p, Style.FRAME, 1);
      c.text(box.x() - 7, p + 0.36 * Style.TICK.size(), y.labels().get(i), Style.TICK.at(Anchor.END), 0);
    }
    for (int i = 0; i < x.ticks().length; i++) {
      double p = px(x.ticks()[i]);
      c.line(p, box.y(), p, box.bottom(), Style.GRID, 1);
      c.line(p, box.bottom(), p, box.bottom() + 4, Style.FRAME, 1);
      c.text(p, box.bottom() + 6 + Style.TICK.size(), x.labels().get(i), Style.TICK, 0);
    }
    for (double m : x.minor()) {
      double p = px(m);
      c.line(p, box.bottom(), p, box.bottom() + 2.5, Style.FRAME, 1);
    }
    if (y.min() < 0 && y.max() > 0) {
      c.line(box.x(), py(0), box.right(), py(0), Style.ZERO, 1.2);
    }
    c.rect(box.x(), box.y(), box.w(), box.h(), null, Style.FRAME);
  }

  /** Draws the series' lines (broken at missing points) and markers; false if it has no point to draw. */
  private boolean series(Series s, Color colour) {
    double[] xs = s.x();
    double[] ys = s.y();
    Integer[] placed = IntStream.range(0, xs.length).filter(i -> x.accepts(xs[i]))
        .boxed().sorted(Comparator.comparingDouble(i -> xs[i])).toArray(Integer[]::new);
    if (Arrays.stream(placed).noneMatch(i -> Axis.usable(ys[i]))) {
      return false;
    }
    c.begin("series", s.name());
    List<double[]> run = new ArrayList<>();
    for (int i : placed) {
      if (Axis.usable(ys[i])) {
        run.add(new double[] {px(xs[i]), py(ys[i])});
      } else {
        line(run, colour);
        run.clear();
      }
    }
    line(run, colour);
    for (int i : placed) {
      if (Axis.usable(ys[i])) {
        c.circle(px(xs[i]), py(ys[i]), Style.MARKER, colour, Style.BACKGROUND);
      }
    }
    c.end();
    return true;
  }

  private void line(List<double[]> run, Color colour) {
    if (run.size() >= 2) {
      c.polyline(run.stream().mapToDouble(p -> p[0]).toArray(), run.stream().mapToDouble(p -> p[1]).toArray(),
          colour, Style.LINE_WIDTH);
    }
  }
}
