package io.leasecr.node.report;

import io.leasecr.core.trace.TraceEvent;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a drill leaves for people to look at, beside its text timelines: {@code timeline.html} (all nodes on one
 * time axis) and {@code drill.jsonl} (every node's events and the driver's, merged, which {@code emulator report}
 * draws again). A page that cannot be written is said in one line; it does not change the drill's verdict.
 */
public final class DrillPages {

  private DrillPages() {}

  public static void write(Path dir, String title, Map<String, List<TraceEvent>> byNode, List<TraceEvent> driver,
      PrintStream out) {
    Path page = dir.resolve("timeline.html");

    try {
      long t0 = System.nanoTime();
      HtmlTimeline.writeDrillTrace(byNode, driver, dir.resolve("drill.jsonl"));
      HtmlTimeline.writeDrill(byNode, driver, page, title);
      out.printf("%ntimeline page: %s (%d ms to draw; the merged trace is %s)%n", page,
          (System.nanoTime() - t0) / 1_000_000, dir.resolve("drill.jsonl"));
    } catch (Exception e) {
      out.printf("%ntimeline page: not written (%s); the text timelines above are complete%n", e);
    }
  }
}
