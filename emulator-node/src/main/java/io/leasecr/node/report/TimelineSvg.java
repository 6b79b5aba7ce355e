package io.leasecr.node.report;

import io.leasecr.node.report.TimelineModel.Band;
import io.leasecr.node.report.TimelineModel.Call;
import io.leasecr.node.report.TimelineModel.InodeLane;
import io.leasecr.node.report.TimelineModel.Mark;
import io.leasecr.node.report.TimelineModel.ProcLane;
import io.leasecr.node.report.TimelineModel.Row;
import io.leasecr.node.report.TimelineModel.Segment;
import io.leasecr.node.report.TimelineModel.Summary;
import io.leasecr.node.report.TimelineModel.Tick;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Draws a {@link TimelineModel} as one SVG, 1240 px wide: legend, time axis (compressed gaps marked), band
 * labels, then per node its process lanes, its inode lanes and a summary of the processes not drawn, and bands
 * over the lanes. Elements that stand for trace events carry {@code data-ev} (their numbers in the page's event
 * list) and a class naming what they are, which the page's script and the browser test read.
 */
final class TimelineSvg {

  static final int WIDTH = 1240;
  static final double X0 = 210;
  static final double X1 = WIDTH - 40;
  private static final double FULL_PROC_H = 40;
  private static final double COMPACT_PROC_H = 26;
  private static final double ROW_H = 22;
  private static final double HEAD_H = 22;
  private static final double SUMMARY_H = 30;

  private static final Map<String, String> BAND_COLOURS = new LinkedHashMap<>();

  static {
    BAND_COLOURS.put("checkpoint", "#2a7f62");
    BAND_COLOURS.put("restart", "#1f5fbf");
    BAND_COLOURS.put("restore", "#1f5fbf");
    BAND_COLOURS.put("stopped", "#555555");
    BAND_COLOURS.put("crash", "#c62828");
    BAND_COLOURS.put("down", "#9e9e9e");
    BAND_COLOURS.put("partition", "#d84315");
    BAND_COLOURS.put("pause", "#c79100");
    BAND_COLOURS.put("outage", "#6d4c41");
    BAND_COLOURS.put("mark", "#777777");
  }

  private static final String[] OTHER = {"#00838f", "#ad1457", "#558b2f", "#4527a0", "#ef6c00"};

  private final TimelineModel m;
  private final Svg svg = new Svg();
  /** Lanes are compact when only some processes are drawn (a large trace). */
  private final double laneH;
  private TimeScale scale;

  private TimelineSvg(TimelineModel m) {
    this.m = m;
    this.laneH = m.procs.size() < m.totalProcesses ? COMPACT_PROC_H : FULL_PROC_H;
  }

  static String render(TimelineModel m) {
    return new TimelineSvg(m).draw();
  }

  static String colour(String kind) {
    String c = BAND_COLOURS.get(kind);
    return c != null ? c : OTHER[Math.floorMod(kind.hashCode(), OTHER.length)];
  }

  private record Placed(String kind, Object what, double y, double h, String node) {}

  private String draw() {
    scale = TimeScale.fit(m.instants(), X0, X1 - X0);
    // layout first: where each lane goes
    List<Placed> placed = new ArrayList<>();
    double y = 0;
    if (!m.scenarioMarks.isEmpty()) {
      placed.add(new Placed("scenario", null, y, ROW_H + 4, null));
      y += ROW_H + 4;
    }
    List<String> groups = new ArrayList<>();
    if (m.nodes.isEmpty()) {
      groups.add(null);
    } else {
      groups.addAll(m.nodes);
    }
    for (String node : groups) {
      if (node != null) {
        placed.add(new Placed("node", node, y, HEAD_H, node));
        y += HEAD_H;
      }
      for (ProcLane p : m.procs) {
        if (Objects.equals(p.node, node)) {
          placed.add(new Placed("proc", p, y, laneH, node));
          y += laneH;
        }
      }
      for (Summary s : m.summaries) {
        if (Objects.equals(s.node(), node)) {
          placed.add(new Placed("summary", s, y, SUMMARY_H, node));
          y += SUMMARY_H;
        }
      }
      for (InodeLane l : m.inodes) {
        if (Objects.equals(l.node, node)) {
          double h = ROW_H * (1 + l.rows.size());
          placed.add(new Placed("inode", l, y, h, node));
          y += h;
        }
      }
    }
    List<List<double[]>> labelRows = new ArrayList<>();
    List<Object[]> bandLabels = new ArrayList<>();
    for (Band b : m.bands) {
      if (b.kind().equals("down")) {
        continue;
      }
      String text = b.label();
      double x = scale.x(b.t0()) + (b.t1() > b.t0() ? 2 : 0);
      double w = Svg.width(text, 10) + 14;
      int row = -1;
      for (int r = 0; r < labelRows.size() && row < 0; r++) {
        boolean free = true;
        for (double[] used : labelRows.get(r)) {
          if (x < used[1] + 6 && x + w > used[0] - 6) {
            free = false;
          }
        }
        if (free) {
          row = r;
        }
      }
      if (row < 0 && labelRows.size() < 6) {
        labelRows.add(new ArrayList<>());
        row = labelRows.size() - 1;
      }
      if (row >= 0) {
        double start = Math.min(x, WIDTH - 4 - w);
        labelRows.get(row).add(new double[] {start, start + w});
        bandLabels.add(new Object[] {b, row, start});
      }
    }
    double legendH = 48;
    double axisY = legendH + 26;
    double labelsY = axisY + 8;
    double lanesTop = labelsY + 16 * labelRows.size() + 8;
    double lanesBottom = lanesTop + y;
    double height = lanesBottom + 56;

    svg.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"" + WIDTH + "\" height=\""
        + Svg.num(height) + "\" viewBox=\"0 0 " + WIDTH + " " + Svg.num(height)
        + "\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n");
    defs();
    svg.empty("rect", "x", 0.0, "y", 0.0, "width", (double) WIDTH, "height", height, "fill", "#ffffff");
    legend();
    axis(axisY, lanesTop, lanesBottom, true);
    // gap columns and bands behind the lanes
    for (long[] g : scale.gaps()) {
      double a = scale.x(g[0]) + 3;
      double b = scale.x(g[1]) - 3;
      svg.titled("rect", "compressed: " + TimeScale.duration(g[1] - g[0]) + " with nothing drawn ("
              + TimeScale.secs(g[0]) + " to " + TimeScale.secs(g[1]) + ")", "class", "gap", "x", a, "y", axisY,
          "width", Math.max(1, b - a), "height", lanesBottom - axisY, "fill", "url(#gap)");
    }
    svg.open("g", "class", "bands");
    for (Band b : m.bands) {
      band(b, placed, lanesTop, lanesBottom);
    }
    svg.close("g");
    for (Object[] bl : bandLabels) {
      Band b = (Band) bl[0];
      double ly = labelsY + 16 * (int) bl[1] + 11;
      double lx = (double) bl[2];
      svg.open("g", "class", "band-label", "data-kind", b.kind(), "data-ev", ev(b.ev()));
      svg.empty("rect", "x", lx, "y", ly - 9, "width", 9.0, "height", 9.0, "fill", colour(b.kind()));
      svg.text(b.label(), "x", lx + 12, "y", ly, "font-size", "10", "fill", "#222222");
      svg.close("g");
    }
    for (Placed p : placed) {
      double top = lanesTop + p.y();
      switch (p.kind()) {
        case "scenario" -> scenarioLane(top, p.h());
        case "node" -> nodeHeader((String) p.what(), top);
        case "proc" -> procLane((ProcLane) p.what(), top);
        case "summary" -> summaryLane((Summary) p.what(), top);
        default -> inodeLane((InodeLane) p.what(), top);
      }
    }
    axis(lanesBottom + 6, lanesTop, lanesBottom, false);
    String caption = "emulated time" + (scale.gaps().isEmpty() ? ""
        : "; the grey columns marked ≈ are gaps where nothing happens, compressed (" + scale.gaps().size()
            + " gap" + (scale.gaps().size() == 1 ? "" : "s") + ", the time in each is written on the axis)");
    svg.text(caption, "class", "axis-caption", "x", X0, "y", lanesBottom + 44, "font-size", "11", "fill", "#444444");
    svg.raw("</svg>\n");
    return svg.toString();
  }

  private void defs() {
    svg.raw("<defs>\n"
        + "<pattern id=\"breaking\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        + "<rect width=\"6\" height=\"6\" fill=\"#f6b26b\"/><rect width=\"3\" height=\"6\" fill=\"#e06f1f\"/></pattern>\n"
        + "<pattern id=\"down\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        + "<rect width=\"8\" height=\"8\" fill=\"#000000\" fill-opacity=\"0.04\"/><rect width=\"2\" height=\"8\" "
        + "fill=\"#000000\" fill-opacity=\"0.16\"/></pattern>\n"
        + "<pattern id=\"gap\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
        + "<rect width=\"4\" height=\"4\" fill=\"#eeeeee\"/><rect width=\"2\" height=\"2\" fill=\"#dddddd\"/></pattern>\n"
        + "</defs>\n");
  }

  private void legend() {
    svg.open("g", "class", "legend");
    Object[][] items = {
        {"call", "rect", "#9db4d3", "a call"},
        {"blocked", "rect", "#e8a33d", "blocked in it"},
        {"signal", "tri", "#7b3fa0", "signal"},
        {"restart", "circle", "#2e7d32", "call restarted"},
        {"reaction", "diamond", "#00796b", "handler acts"},
        {"exit", "square", "#222222", "exit / killed"},
        {"write", "rect", "#3b6fb6", "WRITE lease"},
        {"read", "rect", "#5aa469", "READ lease"},
        {"breaking", "hatch", "url(#breaking)", "BREAKING"},
        {"deadline", "line", "#c62828", "break deadline"},
        {"lock", "rect", "#8e6bbf", "lock range"},
    };
    double x = 10;
    double y = 16;
    for (Object[] it : items) {
      x = legendItem(x, y, it);
    }
    x = 10;
    y = 36;
    Object[][] bands = {
        {"checkpoint", "vline", colour("checkpoint"), "checkpoint"},
        {"restart", "vline", colour("restart"), "restart (policy, mode)"},
        {"restore", "band", colour("restore"), "restore (cost model)"},
        {"stopped", "band", colour("stopped"), "tree stopped"},
        {"crash", "vline", colour("crash"), "crash"},
        {"down", "downband", "url(#down)", "node down"},
        {"partition", "band", colour("partition"), "partition"},
        {"pause", "band", colour("pause"), "pause"},
        {"outage", "band", colour("outage"), "DB / journal outage"},
        {"gap", "gapband", "url(#gap)", "≈ compressed gap"},
    };
    for (Object[] it : bands) {
      x = legendItem(x, y, it);
    }
    svg.close("g");
  }

  private double legendItem(double x, double y, Object[] it) {
    String shape = (String) it[1];
    String fill = (String) it[2];
    svg.open("g", "class", "legend-item", "data-kind", it[0]);
    switch (shape) {
      case "tri" -> svg.empty("path", "d", "M" + Svg.num(x) + " " + Svg.num(y - 9) + "h10l-5 8z", "fill", fill);
      case "circle" -> svg.empty("circle", "cx", x + 5, "cy", y - 4, "r", 4.0, "fill", fill);
      case "diamond" -> svg.empty("path", "d", "M" + Svg.num(x + 5) + " " + Svg.num(y - 9) + "l5 5l-5 5l-5 -5z",
          "fill", fill);
      case "square" -> svg.empty("rect", "x", x + 1, "y", y - 8, "width", 8.0, "height", 8.0, "fill", fill);
      case "line", "vline" -> svg.empty("rect", "x", x + 4, "y", y - 11, "width", 2.0, "height", 13.0, "fill", fill);
      case "band", "downband", "gapband" -> svg.empty("rect", "x", x, "y", y - 11, "width", 12.0, "height", 13.0,
          "fill", fill, "fill-opacity", shape.equals("band") ? "0.25" : null, "stroke", "#999999", "stroke-width", "0.5");
      default -> svg.empty("rect", "x", x, "y", y - 8, "width", 16.0, "height", 8.0, "fill", fill);
    }
    double tx = x + (shape.equals("rect") || shape.equals("hatch") ? 20 : 15);
    svg.text((String) it[3], "x", tx, "y", y, "font-size", "11", "fill", "#222222");
    svg.close("g");
    return tx + Svg.width((String) it[3], 11) + 16;
  }

  private void axis(double y, double lanesTop, double lanesBottom, boolean top) {
    svg.open("g", "class", top ? "axis" : "axis axis-bottom");
    svg.empty("line", "x1", X0, "y1", y, "x2", X1, "y2", y, "stroke", "#444444", "stroke-width", "1");
    List<double[]> usedLabels = new ArrayList<>(); // the gaps' labels first: they say the axis is cut
    for (long[] g : scale.gaps()) {
      double a = scale.x(g[0]);
      double b = scale.x(g[1]);
      double mid = (a + b) / 2;
      svg.empty("rect", "x", a + 2, "y", y - 3, "width", Math.max(1, b - a - 4), "height", 6.0, "fill", "#ffffff");
      svg.empty("path", "class", "gap-mark", "d", "M" + Svg.num(mid - 7) + " " + Svg.num(y + 5) + "l4 -10M"
          + Svg.num(mid + 1) + " " + Svg.num(y + 5) + "l4 -10", "stroke", "#444444", "stroke-width", "1.2");
      String label = "≈" + TimeScale.duration(g[1] - g[0]);
      double w = Svg.width(label, 9);
      if (usedLabels.stream().noneMatch(u -> mid - w / 2 < u[1] + 2 && mid + w / 2 > u[0] - 2)) {
        usedLabels.add(new double[] {mid - w / 2, mid + w / 2});
        svg.text(label, "class", "gap-label", "x", mid, "y", top ? y - 7 : y + 15, "font-size", "9",
            "text-anchor", "middle", "fill", "#666666", "font-style", "italic");
      }
    }
    for (long[] st : scale.stretches()) {
      long step = scale.tickStep(st[0], st[1], 90);
      long firstTick = Math.floorDiv(st[0] + step - 1, step) * step;
      for (long t = firstTick; t <= st[1]; t += step) {
        double x = scale.x(t);
        String label = TimeScale.tick(t, step);
        double w = Svg.width(label, 10);
        boolean free = usedLabels.stream().noneMatch(u -> x - w / 2 < u[1] + 8 && x + w / 2 > u[0] - 8);
        if (!free) {
          continue;
        }
        usedLabels.add(new double[] {x - w / 2, x + w / 2});
        svg.empty("line", "x1", x, "y1", y - 4, "x2", x, "y2", y + 4, "stroke", "#444444", "stroke-width", "1");
        if (top) {
          svg.empty("line", "x1", x, "y1", lanesTop, "x2", x, "y2", lanesBottom, "stroke", "#eeeeee",
              "stroke-width", "1");
        }
        svg.text(label, "x", x, "y", top ? y - 7 : y + 15, "font-size", "10", "text-anchor", "middle",
            "fill", "#333333");
      }
    }
    if (top) {
      svg.text("emulated time →", "x", X0 - 8, "y", y + 4, "font-size", "10", "text-anchor", "end",
          "fill", "#444444");
    }
    svg.close("g");
  }

  private void band(Band b, List<Placed> placed, double lanesTop, double lanesBottom) {
    double top = lanesTop;
    double bottom = lanesBottom;
    if (b.node() != null) {
      top = Double.NaN;
      for (Placed p : placed) {
        if (b.node().equals(p.node())) {
          top = Double.isNaN(top) ? lanesTop + p.y() : top;
          bottom = lanesTop + p.y() + p.h();
        }
      }
      if (Double.isNaN(top)) {
        return;
      }
    }
    double a = scale.x(b.t0());
    double c = scale.x(b.t1());
    String colour = colour(b.kind());
    String title = b.label() + " (" + TimeScale.secs(b.t0()) + (b.t1() > b.t0() ? " to " + TimeScale.secs(b.t1()) : "")
        + ")";
    if (b.kind().equals("down")) {
      svg.titled("rect", title, "class", "band band-down", "data-kind", "down", "data-node", b.node(), "x", a,
          "y", top, "width", Math.max(2, c - a), "height", bottom - top, "fill", "url(#down)");
    } else if (b.t1() > b.t0()) {
      svg.titled("rect", title, "class", "band", "data-kind", b.kind(), "data-ev", ev(b.ev()), "x", a, "y", top,
          "width", Math.max(2, c - a), "height", bottom - top, "fill", colour, "fill-opacity",
          b.kind().equals("stopped") ? "0.10" : "0.16");
    } else {
      svg.titled("rect", title, "class", "band band-instant", "data-kind", b.kind(), "data-ev", ev(b.ev()),
          "x", a - 1, "y", top, "width", 2.0, "height", bottom - top, "fill", colour,
          "fill-opacity", b.kind().equals("mark") ? "0.5" : "0.9");
    }
  }

  private void laneLabel(String text, double y, boolean bold, String cls) {
    svg.text(Svg.width(text, 11) > X0 - 16 ? fit(text, X0 - 16, 11) : text, "class", cls, "x", 8.0, "y", y,
        "font-size", "11", "font-weight", bold ? "bold" : null, "fill", "#111111");
  }

  private static String fit(String text, double max, double size) {
    int end = text.length();
    while (end > 0 && Svg.width(text.substring(0, end) + "…", size) > max) {
      end--;
    }
    return text.substring(0, end) + "…";
  }

  private void nodeHeader(String node, double top) {
    Long down = m.nodeDown.get(node);
    svg.open("g", "class", "node-head", "data-node", node);
    svg.empty("rect", "x", 0.0, "y", top + 2, "width", (double) WIDTH, "height", HEAD_H - 4, "fill", "#e8eef7");
    svg.text("node " + node + (down != null ? "  (crashed at " + TimeScale.secs(down) + ")" : ""), "x", 8.0,
        "y", top + 15, "font-size", "12", "font-weight", "bold", "fill", "#1a3a66");
    svg.close("g");
  }

  private void scenarioLane(double top, double h) {
    double mid = top + h / 2;
    svg.open("g", "class", "lane scenario-lane", "data-lane", m.drill ? "driver" : "scenario");
    laneLabel(m.drill ? "drill driver" : "scenario", mid + 4, true, "lane-label");
    svg.empty("line", "x1", X0, "y1", mid, "x2", X1, "y2", mid, "stroke", "#dddddd", "stroke-width", "1");
    for (Mark k : m.scenarioMarks) {
      double x = scale.x(k.t());
      svg.titled("rect", TimeScale.secs(k.t()) + "  " + k.label(), "class", "mark mark-" + k.type(),
          "data-ev", ev(k.ev()), "x", x - 3, "y", mid - 5, "width", 6.0, "height", 10.0, "fill", "#8d99a6");
    }
    svg.close("g");
  }

  private void procLane(ProcLane p, double top) {
    double mid = top + laneH / 2 + 1;
    svg.open("g", "class", "lane proc-lane", "data-lane", p.title(), "data-node", p.node);
    svg.empty("line", "x1", 0.0, "y1", top + laneH, "x2", (double) WIDTH, "y2", top + laneH, "stroke", "#f0f0f0",
        "stroke-width", "1");
    laneLabel(p.title(), mid + 4, true, "lane-label");
    svg.empty("line", "x1", scale.x(p.from), "y1", mid, "x2", scale.x(p.to), "y2", mid, "stroke", "#b0b0b0",
        "stroke-width", "1.5");
    double[] upperFree = {Double.NEGATIVE_INFINITY};
    double[] lowerFree = {Double.NEGATIVE_INFINITY};
    double[] endFree = {Double.NEGATIVE_INFINITY};
    for (Call c : p.calls) {
      double a = scale.x(c.t0());
      double b = Math.max(scale.x(c.t1()), a + 2);
      String tip = c.call() + " " + TimeScale.secs(c.t0()) + " → " + TimeScale.secs(c.t1()) + " " + c.end()
          + (c.blockAt() >= 0 ? ", blocked " + TimeScale.duration(c.t1() - c.blockAt()) : "");
      svg.open("g", "class", "call" + (c.failed() ? " failed" : "") + (c.returned() ? "" : " unfinished"),
          "data-call", c.call(), "data-ev", evs(c.evs()));
      svg.titled("rect", tip, "x", a, "y", mid - 4, "width", b - a, "height", 8.0, "fill", "#9db4d3");
      if (c.blockAt() >= 0) {
        double k = scale.x(c.blockAt());
        svg.empty("rect", "class", "blocked", "x", k, "y", mid - 6, "width", Math.max(2, b - k), "height", 12.0,
            "fill", "#e8a33d", "stroke", "#b8741a", "stroke-width", "0.5");
      }
      if (a >= upperFree[0]) {
        svg.text(c.call(), "x", a + 1, "y", mid - 8, "font-size", "10", "fill", "#333333");
        upperFree[0] = a + Svg.width(c.call(), 10) + 6;
      }
      String end = c.end();
      if (b + 3 >= endFree[0]) {
        svg.text(end, "class", "result", "x", b + 3, "y", mid + 4, "font-size", "10", "font-weight", "bold",
            "fill", c.failed() ? "#c62828" : c.returned() ? "#1b5e20" : "#777777");
        endFree[0] = b + 3 + Svg.width(end, 10) + 6;
        if (b + 3 + Svg.width(end, 10) > upperFree[0]) {
          upperFree[0] = Math.max(upperFree[0], a);
        }
      }
      svg.close("g");
    }
    for (Mark k : p.marks) {
      double x = scale.x(k.t());
      String tip = TimeScale.secs(k.t()) + "  " + k.label();
      svg.open("g", "class", "mark mark-" + k.type(), "data-ev", ev(k.ev()));
      switch (k.type()) {
        case "signal" -> svg.titled("path", tip, "d", "M" + Svg.num(x - 5) + " " + Svg.num(mid - 14) + "h10l-5 9z",
            "fill", "#7b3fa0");
        case "restart" -> svg.titled("circle", tip, "cx", x, "cy", mid, "r", 4.5, "fill", "#2e7d32",
            "stroke", "#ffffff", "stroke-width", "1");
        case "reaction" -> svg.titled("path", tip, "d", "M" + Svg.num(x) + " " + Svg.num(mid - 6) + "l5 5l-5 5l-5 -5z",
            "fill", "#00796b");
        case "exit" -> svg.titled("rect", tip, "x", x - 4, "y", mid - 4, "width", 8.0, "height", 8.0,
            "fill", "#222222");
        case "killed", "kill" -> svg.titled("path", tip, "d", "M" + Svg.num(x - 5) + " " + Svg.num(mid - 5)
            + "l10 10m0 -10l-10 10", "stroke", "#c62828", "stroke-width", "2.5");
        default -> svg.titled("circle", tip, "cx", x, "cy", mid + 9, "r", 2.5, "fill", "#9e9e9e");
      }
      if (!k.type().equals("note") && x >= lowerFree[0]) {
        String label = k.label();
        if (Svg.width(label, 9) > 230) {
          label = fit(label, 230, 9);
        }
        double w = Svg.width(label, 9);
        boolean left = x + w > WIDTH - 4;
        svg.text(label, "x", left ? x : x + (k.type().equals("signal") ? -4 : 0), "y", mid + 15, "font-size", "9",
            "fill", k.type().equals("signal") ? "#5a2d75" : "#333333", "text-anchor", left ? "end" : null);
        lowerFree[0] = left ? WIDTH : x + w + 6;
      }
      svg.close("g");
    }
    svg.close("g");
  }

  private void summaryLane(Summary s, double top) {
    double mid = top + SUMMARY_H / 2;
    svg.open("g", "class", "lane summary-lane", "data-node", s.node(), "data-count", s.processes());
    String text = s.processes() + " more process" + (s.processes() == 1 ? "" : "es");
    laneLabel(text, mid - 1, false, "lane-label");
    svg.text(s.inBreakOrRestart() > 0 ? "(" + s.inBreakOrRestart() + " in a break/restart)" : "(no break or restart)",
        "x", 8.0, "y", mid + 11, "font-size", "9", "fill", "#555555");
    int cols = (int) Math.ceil(X1 - X0) + 1;
    int[] count = new int[cols];
    for (long t : s.times()) {
      int c = (int) Math.round(scale.x(t) - X0);
      count[Math.max(0, Math.min(cols - 1, c))]++;
    }
    int max = 1;
    for (int c : count) {
      max = Math.max(max, c);
    }
    svg.titled("rect", text + " not drawn one by one (a lane each is drawn only for processes in a break or a"
            + " restart, at most " + TimelineModel.MAX_DRAWN + "); the strip shows when their " + s.times().size()
            + " events happened", "x", X0, "y", mid - 8, "width", X1 - X0, "height", 16.0, "fill", "#f7f7f7",
        "stroke", "#dddddd", "stroke-width", "0.5");
    for (int c = 0; c < cols; c++) {
      if (count[c] > 0) {
        double alpha = 0.2 + 0.8 * Math.log1p(count[c]) / Math.log1p(max);
        svg.empty("rect", "x", X0 + c - 0.5, "y", mid - 8, "width", 1.5, "height", 16.0, "fill", "#37474f",
            "fill-opacity", Svg.num(alpha));
      }
    }
    svg.close("g");
  }

  private void inodeLane(InodeLane l, double top) {
    svg.open("g", "class", "lane inode-lane", "data-lane", l.path, "data-node", l.node);
    svg.empty("rect", "x", 0.0, "y", top + 1, "width", (double) WIDTH, "height", ROW_H * (1 + l.rows.size()) - 2,
        "fill", "#fafafa");
    laneLabel(l.title(), top + 15, true, "lane-label");
    double y = top + ROW_H;
    for (Row r : l.rows.values()) {
      double mid = y + ROW_H / 2;
      svg.text(Svg.width(r.label, 10) > X0 - 26 ? fit(r.label, X0 - 26, 10) : r.label, "x", 18.0, "y", mid + 4,
          "font-size", "10", "fill", "#444444");
      for (Segment sg : r.segments) {
        double a = scale.x(sg.t0());
        double b = Math.max(scale.x(sg.t1()), a + 2);
        String fill = switch (sg.state()) {
          case "write" -> "#3b6fb6";
          case "read" -> "#5aa469";
          case "breaking" -> "url(#breaking)";
          case "lock-rdlck" -> "#c3a9e0";
          default -> "#8e6bbf";
        };
        String cls = sg.state().startsWith("lock") ? "lock" : "lease lease-" + sg.state();
        svg.open("g", "class", cls, "data-ev", ev(sg.ev()));
        svg.titled("rect", sg.label() + " (" + TimeScale.secs(sg.t0()) + " to " + TimeScale.secs(sg.t1()) + ")",
            "x", a, "y", mid - 7, "width", b - a, "height", 14.0, "fill", fill,
            "stroke", sg.state().equals("breaking") ? "#b34d0f" : null, "stroke-width", sg.state().equals("breaking") ? "0.8" : null);
        String label = sg.label();
        double room = b - a - 6;
        if (room > 30) {
          String shown = Svg.width(label, 9.5) > room ? fit(label, room, 9.5) : label;
          boolean dark = !sg.state().equals("breaking") && !sg.state().equals("lock-rdlck");
          svg.text(shown, "x", a + 3, "y", mid + 3.5, "font-size", "9.5", "fill", dark ? "#ffffff" : "#3a1a00",
              "pointer-events", "none");
        }
        svg.close("g");
      }
      for (Tick k : r.ticks) {
        double x = scale.x(k.t());
        svg.open("g", "class", "deadline", "data-ev", ev(k.ev()));
        svg.titled("path", k.label() + " (the break's deadline, set at the event this refers to)",
            "d", "M" + Svg.num(x) + " " + Svg.num(mid - 10) + "v20", "stroke", "#c62828", "stroke-width", "2",
            "stroke-dasharray", "3 2");
        svg.empty("path", "d", "M" + Svg.num(x) + " " + Svg.num(mid - 10) + "h7l-7 5z", "fill", "#c62828");
        boolean left = x > X1 - 50;
        svg.text("deadline", "x", left ? x - 3 : x + 9, "y", mid - 3, "font-size", "9", "fill", "#c62828",
            "text-anchor", left ? "end" : null);
        svg.close("g");
      }
      y += ROW_H;
    }
    svg.close("g");
  }

  private static String ev(int ev) {
    return ev < 0 ? null : String.valueOf(ev);
  }

  private static String evs(List<Integer> evs) {
    StringBuilder b = new StringBuilder();
    for (int e : evs) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(e);
    }
    return b.toString();
  }
}
