package io.leasecr.node.cli;

import io.leasecr.node.report.HtmlTimeline;
import io.leasecr.node.report.TraceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emulator report TRACE.jsonl --html OUT.html}: a saved trace (from {@code run --trace}, or a drill's
 * {@code drill.jsonl}) as a self-contained timeline page (docs/timeline-pages.md).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Draw a saved trace (run --trace FILE, or a drill's drill.jsonl) as a self-contained HTML timeline.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the page was written", "1:the page could not be written", "2:bad input (arguments, trace file)"})
public final class ReportCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "TRACE.jsonl", description = "the trace, JSON Lines (docs/trace-format.md)")
  Path trace;

  @Option(names = "--html", required = true, paramLabel = "OUT.html", description = "where to write the page")
  Path html;

  @Option(names = "--title", paramLabel = "TEXT", description = "the page's title (default: the trace file's name)")
  String title;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(trace)) {
      System.err.println("emulator: report: no trace file " + trace);
      return Main.BAD_INPUT;
    }
    Path parent = html.toAbsolutePath().getParent();
    if (Files.isDirectory(html) || (parent != null && Files.exists(parent) && !Files.isDirectory(parent))) {
      System.err.println("emulator: report: cannot write " + html + ": not a file in a directory");
      return Main.BAD_INPUT;
    }
    TraceReader.Read read;
    try {
      read = TraceReader.read(trace);
    } catch (TraceReader.BadTrace e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.BAD_INPUT;
    } catch (java.nio.charset.CharacterCodingException e) {
      System.err.println("emulator: report: " + trace + " is not a trace: not UTF-8 text (a trace is JSON lines, as run"
          + " --trace and drills write)");
      return Main.BAD_INPUT;
    } catch (IOException e) {
      System.err.println("emulator: report: cannot read " + trace + ": " + e.getMessage());
      return Main.BAD_INPUT;
    }
    String name = title != null ? title : trace.getFileName().toString().replaceFirst("\\.jsonl$", "");
    try {
      if (read.isDrill()) {
        HtmlTimeline.writeDrill(read.byNode(), read.driver(), html, name);
      } else {
        HtmlTimeline.write(read.events(), html, name);
      }
    } catch (IOException e) {
      System.err.println("emulator: report: cannot write " + html + ": " + e.getMessage());
      return Main.FAILED;
    }
    System.out.println("wrote " + html + " (" + read.events().size() + " events)");
    return Main.OK;
  }
}
