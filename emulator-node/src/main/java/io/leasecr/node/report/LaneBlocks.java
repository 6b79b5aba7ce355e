package io.leasecr.node.report;

import io.leasecr.node.report.TimelineModel.Block;
import io.leasecr.node.report.TimelineModel.Call;
import io.leasecr.node.report.TimelineModel.Mark;
import io.leasecr.node.report.TimelineModel.ProcLane;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The processes a large trace does not draw in the main picture, all of them, below it: per node, blocks of
 * {@link TimelineModel#BLOCK} processes by pid, each a line (counts, a strip of when their calls ran) that
 * expands into a thin lane per process on the main picture's time axis. A block's lanes wait as JSON data
 * (positions already on the axis) that the page's script draws when the block is opened: text, not DOM
 * nodes, until then, so a page of 10,000 processes opens nearly as fast as one of a hundred. Hovering a call or mark shows what it was ({@code data-tip}), clicking pins it.
 */
final class LaneBlocks {

  private static final double X0 = TimelineSvg.X0;
  private static final double X1 = TimelineSvg.X1;

  private LaneBlocks() {}

  /** The HTML section (empty when every process is drawn in the main picture). */
  static String html(TimelineModel m) {
    if (m.blocks.isEmpty()) {
      return "";
    }
    TimeScale scale = TimeScale.fit(m.instants(), X0, X1 - X0);
    Map<String, List<Block>> byNode = new LinkedHashMap<>();
    for (Block b : m.blocks) {
      byNode.computeIfAbsent(b.node() == null ? "" : b.node(), k -> new java.util.ArrayList<>()).add(b);
    }
    StringBuilder h = new StringBuilder(1 << 16);
    int hidden = m.blocks.stream().mapToInt(b -> b.lanes().size()).sum();
    h.append("<section id=\"more\">\n<h2>The other ").append(hidden).append(" process lane")
        .append(hidden == 1 ? "" : "s").append(", in blocks of ").append(TimelineModel.BLOCK)
        .append(" by node and pid</h2>\n<p class=\"hint\">click a block to draw its lanes (same time axis as above;"
            + " blue: a call, orange: blocked, red: failed, green dot: restarted, black: exit, red cross: killed);"
            + " hover a call to see it, click to pin it</p>\n");
    byNode.forEach((node, blocks) -> {
      int n = blocks.stream().mapToInt(b -> b.lanes().size()).sum();
      h.append("<div class=\"node-blocks\" id=\"more-").append(Svg.escape(node.isEmpty() ? "all" : node))
          .append("\" data-node=\"").append(Svg.escape(node)).append("\">\n<h3>")
          .append(Svg.escape(node.isEmpty() ? "processes" : "node " + node)).append(": ").append(n)
          .append(" more process").append(n == 1 ? "" : "es").append("</h3>\n");
      for (Block b : blocks) {
        block(h, b, scale);
      }
      h.append("</div>\n");
    });
    return h.append("</section>\n").toString();
  }

  private static void block(StringBuilder h, Block b, TimeScale scale) {
    String pids = b.firstPid() == b.lastPid() ? "pid " + b.firstPid() : "pids " + b.firstPid() + "-" + b.lastPid();
    h.append("<details class=\"block\" data-node=\"").append(Svg.escape(Objects.toString(b.node(), "")))
        .append("\" data-pids=\"").append(b.firstPid()).append('-').append(b.lastPid()).append("\" data-count=\"")
        .append(b.lanes().size()).append("\"><summary><span class=\"block-label\">").append(pids).append(" · ")
        .append(b.lanes().size()).append(" process").append(b.lanes().size() == 1 ? "" : "es");
    if (b.inRestart() > 0) {
      h.append(" · ").append(b.inRestart()).append(" restarted");
    }
    if (b.inBreak() > 0) {
      h.append(" · ").append(b.inBreak()).append(" in a break");
    }
    h.append("</span>").append(density(b, scale)).append("</summary>\n<script type=\"application/json\" class=\"lanes\">");
    // the lanes as data, drawn by the page's script when the block is opened (text, not DOM, until then):
    // [title, node, x from, x to, [[x0, x1, x blocked or -1, failed 0/1, tip], ...], [[type, x, tip], ...]]
    StringBuilder j = new StringBuilder("[");
    for (ProcLane p : b.lanes()) {
      if (j.length() > 1) {
        j.append(",\n");
      }
      String who = p.title() + (p.node == null ? "" : " on " + p.node) + ": ";
      j.append('[').append(str(p.title())).append(',').append(str(Objects.toString(p.node, ""))).append(',')
          .append(Svg.num(scale.x(p.from))).append(',').append(Svg.num(scale.x(p.to))).append(",[");
      boolean first = true;
      for (Call c : p.calls) {
        double a = scale.x(c.t0());
        double z = Math.max(scale.x(c.t1()), a + 2);
        String tip = who + c.call() + " " + TimeScale.secs(c.t0()) + " → " + TimeScale.secs(c.t1()) + " " + c.end()
            + (c.blockAt() >= 0 ? ", blocked " + TimeScale.duration(c.t1() - c.blockAt()) : "");
        j.append(first ? "" : ",").append('[').append(Svg.num(a)).append(',').append(Svg.num(z)).append(',')
            .append(c.blockAt() >= 0 ? Svg.num(scale.x(c.blockAt())) : "-1").append(',')
            .append(c.failed() ? 1 : 0).append(',').append(str(tip)).append(']');
        first = false;
      }
      j.append("],[");
      first = true;
      for (Mark k : p.marks) {
        if (k.type().equals("note")) {
          continue;
        }
        j.append(first ? "" : ",").append('[').append(str(k.type())).append(',').append(Svg.num(scale.x(k.t())))
            .append(',').append(str(who + TimeScale.secs(k.t()) + "  " + k.label())).append(']');
        first = false;
      }
      j.append("]]");
    }
    // "<" only inside JSON strings: escaped, so nothing in a tip can end the script block
    h.append(j.append(']').toString().replace("<", "\\u003c")).append("</script></details>\n");
  }

  private static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return b.append('"').toString();
  }

  /** When the block's calls ran: a strip, darker where more of them did. */
  private static String density(Block b, TimeScale scale) {
    int cols = 200;
    int[] count = new int[cols];
    for (ProcLane p : b.lanes()) {
      for (Call c : p.calls) {
        int a = col(scale.x(c.t0()), cols);
        int z = col(scale.x(c.t1()), cols);
        for (int i = a; i <= z; i++) {
          count[i]++;
        }
      }
    }
    int max = 1;
    for (int c : count) {
      max = Math.max(max, c);
    }
    Svg svg = new Svg();
    double w = (X1 - X0) / cols;
    svg.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"density\" width=\"" + Svg.num(X1 - X0)
        + "\" height=\"10\" viewBox=\"0 0 " + Svg.num(X1 - X0) + " 10\">");
    for (int i = 0; i < cols; i++) {
      if (count[i] > 0) {
        svg.empty("rect", "x", i * w, "y", 0.0, "width", w + 0.3, "height", 10.0, "fill", "#37474f",
            "fill-opacity", Svg.num(0.15 + 0.85 * count[i] / max));
      }
    }
    return svg.raw("</svg>").toString();
  }

  private static int col(double x, int cols) {
    return Math.max(0, Math.min(cols - 1, (int) ((x - X0) / (X1 - X0) * cols)));
  }
}
