package io.leasecr.node.report;

import io.leasecr.core.scenario.Timeline;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A trace as one self-contained HTML page (docs/timeline-pages.md): an inline SVG timeline (lanes per process
 * and per inode, bands for checkpoints, restarts and faults, a compressed time axis), a legend, and a little
 * inline script that shows an element's trace events on hover and pins them on click. No network, no external
 * scripts or fonts. The same events give the same bytes (nothing from the clock, no hash-order iteration).
 *
 * <p>For the explorer, the fuzzer and anything else that has a trace: {@link #write(List, Path, String)}.
 */
public final class HtmlTimeline {

  private HtmlTimeline() {}

  /** Writes the page for a single-machine trace (a scenario run, a counterexample) to {@code out}. */
  public static void write(List<TraceEvent> events, Path out, String title) throws IOException {
    writeString(out, page(events, title));
  }

  /**
   * Runs a scenario file (a counterexample the explorer or the fuzzer wrote) as {@code emulator run FILE --html}
   * does, and writes its page beside it: {@code NAME.yaml} gets {@code NAME.html}. Returns the page's path.
   * A scenario that does not parse or run throws ({@link io.leasecr.core.scenario.ScenarioException},
   * {@link RuntimeException}): the caller keeps its text output either way.
   */
  public static Path writeBeside(Path scenarioFile) throws IOException {
    io.leasecr.core.scenario.Scenario s = io.leasecr.core.scenario.ScenarioParser.parse(scenarioFile);
    String name = scenarioFile.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    Path page = scenarioFile.resolveSibling(name + ".html");
    write(io.leasecr.core.scenario.Emulation.run(s).events(), page, s.name());
    return page;
  }

  /** Writes the page for a drill: each node's events (on the drill's time axis) and the driver's own events. */
  public static void writeDrill(Map<String, List<TraceEvent>> byNode, List<TraceEvent> driver, Path out, String title)
      throws IOException {
    writeString(out, drillPage(byNode, driver, title));
  }

  /** The page for a single-machine trace, as text. */
  public static String page(List<TraceEvent> events, String title) {
    List<TimelineModel.Src> src = new ArrayList<>();
    for (TraceEvent e : events) {
      src.add(new TimelineModel.Src(src.size(), null, e));
    }
    return html(TimelineModel.build(title, false, src));
  }

  /** The page for a drill, as text: all nodes on one time axis, each node's lanes grouped under it. */
  public static String drillPage(Map<String, List<TraceEvent>> byNode, List<TraceEvent> driver, String title) {
    return html(TimelineModel.build(title, true, new ArrayList<>(sorted(byNode).keySet()), merged(byNode, driver)));
  }

  /** Just the SVG of a single-machine trace (for tests and for embedding). */
  public static String svg(List<TraceEvent> events, String title) {
    List<TimelineModel.Src> src = new ArrayList<>();
    for (TraceEvent e : events) {
      src.add(new TimelineModel.Src(src.size(), null, e));
    }
    return TimelineSvg.render(TimelineModel.build(title, false, src));
  }

  /**
   * A drill's events as one JSON Lines file (each line as in docs/trace-format.md with a last field
   * {@code node}: the node's name, or {@code ""} for the driver), which {@code emulator report} reads back.
   */
  public static void writeDrillTrace(Map<String, List<TraceEvent>> byNode, List<TraceEvent> driver, Path out)
      throws IOException {
    StringBuilder b = new StringBuilder();
    for (TimelineModel.Src s : merged(byNode, driver)) {
      String line = TraceJson.line(s.e());
      b.append(line, 0, line.length() - 1).append(",\"node\":\"").append(s.node().replace("\\", "\\\\")
          .replace("\"", "\\\"")).append("\"}\n");
    }
    writeString(out, b.toString());
  }

  /** Nodes in name order (n2 before n10), whatever order they were started, lost or first seen in. */
  private static Map<String, List<TraceEvent>> sorted(Map<String, List<TraceEvent>> byNode) {
    Map<String, List<TraceEvent>> m = new java.util.TreeMap<>(
        Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()));
    m.putAll(byNode);
    return m;
  }

  /** Node by node, then the driver, ordered by time (stable: a node's own order is kept at equal times). */
  private static List<TimelineModel.Src> merged(Map<String, List<TraceEvent>> unsorted, List<TraceEvent> driver) {
    Map<String, List<TraceEvent>> byNode = sorted(unsorted);
    List<TimelineModel.Src> all = new ArrayList<>();
    byNode.forEach((node, events) -> events.forEach(e -> all.add(new TimelineModel.Src(0, node, e))));
    driver.forEach(e -> all.add(new TimelineModel.Src(0, "", e)));
    all.sort(Comparator.comparingLong(s -> s.e().t()));
    List<TimelineModel.Src> numbered = new ArrayList<>(all.size());
    for (TimelineModel.Src s : all) {
      numbered.add(new TimelineModel.Src(numbered.size(), s.node(), s.e()));
    }
    return numbered;
  }

  private static void writeString(Path out, String text) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static String html(TimelineModel m) {
    String svg = TimelineSvg.render(m);
    StringBuilder b = new StringBuilder(svg.length() + 16_384);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"generator\" content=\"lease-cr-emulator\">\n")
        .append("<title>").append(Svg.escape(m.title)).append("</title>\n<style>\n").append(resource("timeline.css"))
        .append("</style>\n</head>\n<body>\n<h1>").append(Svg.escape(m.title)).append("</h1>\n<p class=\"sub\">")
        .append(Svg.escape(subtitle(m))).append("</p>\n")
        .append("<div class=\"tools\">zoom <button data-zoom=\"1\">1×</button><button data-zoom=\"2\">2×</button>"
            + "<button data-zoom=\"4\">4×</button> <span class=\"hint\">hover an element to see its trace events, "
            + "click to pin them below</span></div>\n")
        .append("<div id=\"wrap\">\n").append(svg).append("</div>\n")
        .append(LaneBlocks.html(m))
        .append("<div id=\"detail\"><b>trace events</b> <span class=\"hint\">(click an element)</span><pre id=\"pinned\">"
            + "</pre></div>\n<div id=\"tip\" hidden></div>\n")
        .append("<script type=\"application/json\" id=\"events\">").append(eventsJson(m)).append("</script>\n")
        .append("<script>\n").append(resource("timeline.js")).append("</script>\n</body>\n</html>\n");
    return b.toString();
  }

  private static String subtitle(TimelineModel m) {
    int shown = m.procs.size();
    StringBuilder s = new StringBuilder();
    s.append(m.all.size()).append(" trace events, ").append(m.totalProcesses).append(" process lane")
        .append(m.totalProcesses == 1 ? "" : "s");
    if (shown < m.totalProcesses) {
      s.append(" (").append(shown).append(" drawn: those in a break or a restart, at most ")
          .append(TimelineModel.MAX_DRAWN).append("; the others summarised per node, and drawn below in blocks)");
    }
    s.append(", ").append(m.inodes.size()).append(" inode lane").append(m.inodes.size() == 1 ? "" : "s");
    if (m.drill) {
      s.append(", nodes ").append(String.join(", ", m.nodes));
    }
    s.append(", emulated time ").append(TimeScale.secs(m.all.isEmpty() ? 0 : m.all.get(0).e().t())).append(" to ")
        .append(TimeScale.secs(m.end));
    return s.toString();
  }

  /** The drawn elements' events: {"N": {"node": ..., "text": timeline line, "e": trace line}}. */
  private static String eventsJson(TimelineModel m) {
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (TimelineModel.Src s : m.all) {
      if (!m.events.containsKey(s.seq())) {
        continue;
      }
      if (!first) {
        b.append(",\n");
      }
      first = false;
      String text;
      try {
        text = Timeline.render(List.of(s.e())).stripTrailing();
      } catch (RuntimeException unexpected) { // a trace from elsewhere may lack what the text form needs
        text = TimeScale.secs(s.e().t()) + "  " + s.e().proc() + "  " + s.e().kind();
      }
      b.append('"').append(s.seq()).append("\":{");
      if (s.node() != null) {
        b.append("\"node\":").append(jsonString(s.node().isEmpty() ? "driver" : s.node())).append(',');
      }
      b.append("\"text\":").append(jsonString(text)).append(",\"e\":").append(TraceJson.line(s.e())).append('}');
    }
    // "<" only occurs inside JSON strings: escaped, no "</script>" or "<!--" can end the block early
    return b.append('}').toString().replace("<", "\\u003c");
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static String resource(String name) {
    try (InputStream in = HtmlTimeline.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + name, e);
    }
  }
}
