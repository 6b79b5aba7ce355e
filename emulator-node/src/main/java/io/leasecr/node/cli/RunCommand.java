package io.leasecr.node.cli;

import com.typesafe.config.Config;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Expectations;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Timeline;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code emulator run FILE...}: parse, run, print the timeline, write the trace, check expectations. */
final class RunCommand {

  private RunCommand() {}

  static int run(String[] args) {
    Options o = Options.parse(args, Set.of("--trace", "--html", "--time", "--scale", "--data", "--journal", "--restore-cost", "--busy",
        "--mode"),
        Set.of("--quiet"));
    Journal journal = Options.journal(o);
    if (o.positional.isEmpty()) {
      throw new Main.UsageException("run needs at least one scenario file");
    }
    TimeMode mode;
    try {
      mode = TimeMode.valueOf(o.get("--time", "virtual").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--time must be virtual or real");
    }
    double scale = o.decimal("--scale", 1.0);
    try {
      io.leasecr.core.input.Durations.checkScale(scale, o.get("--scale", "1"));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--scale: " + e.getMessage());
    }
    Config restore = Options.restoreCost(o);
    List<Scenario> scenarios = Options.scenarios(o.positional);
    if (scenarios == null) {
      return Main.BAD_INPUT;
    }
    if (o.has("--mode")) {
      io.leasecr.core.locks.RestartMode m = Options.restartMode(o);
      scenarios = scenarios.stream().map(s -> io.leasecr.core.scenario.RestartModes.override(s, m)).toList();
    }
    int status = Main.OK;
    for (int i = 0; i < scenarios.size(); i++) {
      Scenario s = scenarios.get(i);
      Emulation.Result result;
      try {
        result = Emulation.run(s, mode, scale, Duration.ofHours(1), restore, journal);
      } catch (IllegalStateException e) {
        // e.g. a restart from an image file that is missing or corrupt: nothing was changed
        System.err.println("emulator: " + e.getMessage());
        return Main.BAD_INPUT;
      }
      PrintStream out = System.out;
      if (!o.has("--quiet")) {
        out.println("== " + s.name() + " (" + s.source() + ")");
        out.print(Timeline.render(result.events()));
      }
      if (o.has("--trace")) {
        String target = o.get("--trace", null);
        if (scenarios.size() > 1) {
          target = target + "-" + (i + 1);
        }
        try {
          writeTrace(Path.of(target), result.events());
        } catch (IOException e) {
          System.err.println("emulator: cannot write trace " + target + ": " + e.getMessage());
          return Main.BAD_INPUT;
        }
      }
      if (o.has("--html")) {
        Path page = htmlPath(o.get("--html", null), scenarios.size() > 1 ? i + 1 : 0);
        try {
          io.leasecr.node.report.HtmlTimeline.write(result.events(), page, s.name());
        } catch (IOException e) {
          System.err.println("emulator: cannot write the timeline page " + page + ": " + e.getMessage());
          return Main.BAD_INPUT;
        }
      }
      List<String> failures = Expectations.check(s, result.events(), tolerance(mode, scale));
      long last = result.events().isEmpty() ? 0 : result.events().get(result.events().size() - 1).t();
      if (failures.isEmpty()) {
        out.printf("PASS %s: %d steps, %d expectations, %.3f s emulated in %d ms wall%n", s.name(), s.steps().size(),
            s.expectations().size() + (int) s.steps().stream().filter(st -> !st.expect().isEmpty()).count(),
            last / 1000.0, result.wallMillis());
      } else {
        status = Main.FAILED;
        out.println("FAIL " + s.name() + ":");
        failures.forEach(f -> out.println("  " + f));
      }
    }
    return status;
  }

  /**
   * Real time reads the wall clock: a timer fires, and a message arrives, a little late (more in a
   * cold JVM). Allow 50 ms of wall time (scaled to emulated time), and at least 100 ms.
   */
  static long tolerance(TimeMode mode, double scale) {
    return mode == TimeMode.VIRTUAL ? 0 : Math.max(100, Math.round(50 * scale));
  }

  /** --html FILE, with -N before the extension when several scenarios run (out.html -> out-2.html). */
  static Path htmlPath(String file, int n) {
    if (n == 0) {
      return Path.of(file);
    }
    int dot = file.lastIndexOf('.');
    return dot > file.lastIndexOf('/') && dot > 0 ? Path.of(file.substring(0, dot) + "-" + n + file.substring(dot))
        : Path.of(file + "-" + n);
  }

  static void writeTrace(Path path, List<TraceEvent> events) throws IOException {
    if (path.getParent() != null) {
      Files.createDirectories(path.getParent());
    }
    try (Writer w = Files.newBufferedWriter(path)) {
      for (TraceEvent e : events) {
        w.write(TraceJson.line(e));
        w.write('\n');
      }
    }
  }
}
