package io.leasecr.node.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.restore.RestartCostModel;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code emulator run FILE...}: parse, run, print the timeline, write the trace, check expectations. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Run scenario files on emulated time, print their timelines, check their expectations.",
    footer = "Exit codes: 0 every expectation holds, 1 one failed (named with its step and line), 2 bad input "
        + "(a malformed scenario is reported as FILE:LINE before anything runs), 3 the journal's database cannot "
        + "be used.")
final class RunCommand implements Callable<Integer> {

  /** How emulated time passes. */
  enum Time { virtual, real }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "scenario files (docs/scenario-format.md)")
  List<String> files;

  @Option(names = "--trace", paramLabel = "FILE",
      description = "also write the trace, JSON Lines (with several files, FILE gets a -N suffix)")
  Path trace;

  @Option(names = "--html", paramLabel = "FILE",
      description = "also draw the run as a self-contained HTML timeline (with several files, a -N suffix before "
          + "the extension; docs/timeline-pages.md)")
  Path html;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "seed, criu or keep-break: every restart in that mode, overriding the files")
  String restartMode;

  @Mixin TypeGuessOption typeGuess;

  @Mixin JournalChoice journal;

  @Option(names = "--quiet", description = "no timeline, only PASS or FAIL")
  boolean quiet;

  @Option(names = "--time", paramLabel = "MODE",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; real: the wall clock times --scale)")
  Time time = Time.virtual;

  @Option(names = "--scale", paramLabel = "X",
      description = "emulated seconds per wall second in real time, 0.01-1000 (default: ${DEFAULT-VALUE})")
  double scale = 1.0;

  @Option(names = "--restore-cost", paramLabel = "off|default|FILE",
      description = "restarts take modelled time: off (instant), default (the shipped model) or a model file "
          + "(docs/restart-cost.md; default: ${DEFAULT-VALUE})")
  String restoreCost = "off";

  @Option(names = "--busy", paramLabel = "K",
      description = "CPU-bound threads competing with the restore, 0-10000 (needs --restore-cost)")
  Integer busy;

  @Override
  public Integer call() {
    try {
      io.leasecr.core.input.Durations.checkScale(scale, String.valueOf(scale));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--scale: " + e.getMessage());
    }
    Config restore = restoreCost(spec, restoreCost, busy);
    if (trace != null) {
      OutputPaths.checkFile("--trace", trace, true);
    }
    if (html != null) {
      OutputPaths.checkFile("--html", html, true);
    }
    io.leasecr.core.locks.RestartMode restart = null;
    if (restartMode != null) {
      try {
        restart = io.leasecr.core.locks.RestartMode.parse(restartMode);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--mode: " + e.getMessage());
      }
    }
    List<Scenario> scenarios = typeGuess.apply(scenarios(files));
    if (restart != null) {
      io.leasecr.core.locks.RestartMode m = restart;
      scenarios = scenarios.stream().map(s -> io.leasecr.core.scenario.RestartModes.override(s, m)).toList();
    }
    boolean checkpoints = scenarios.stream().anyMatch(Scenario::checkpoints);
    Journal j = journal.journal(checkpoints);
    TimeMode mode = time == Time.real ? TimeMode.REAL : TimeMode.VIRTUAL;
    int status = Main.OK;
    for (int i = 0; i < scenarios.size(); i++) {
      Scenario s = scenarios.get(i);
      Emulation.Result result;
      try {
        result = Emulation.run(s, mode, scale, Duration.ofHours(1), restore, j);
      } catch (IllegalStateException e) {
        // e.g. a restart from an image file that is missing or corrupt: nothing was changed
        System.err.println("emulator: " + e.getMessage());
        return e.getCause() instanceof Journal.Unavailable ? Main.CANNOT_RUN : Main.BAD_INPUT;
      }
      PrintStream out = System.out;
      if (!quiet) {
        out.println("== " + s.name() + " (" + s.source() + ")");
        out.print(Timeline.render(result.events()));
      }
      if (trace != null) {
        String target = trace.toString();
        if (scenarios.size() > 1) {
          target = target + "-" + (i + 1);
        }
        try {
          writeTrace(Path.of(target), result.events());
        } catch (IOException e) {
          System.err.println("emulator: cannot write trace " + target + ": " + OutputPaths.why(e));
          return Main.BAD_INPUT;
        }
      }
      if (html != null) {
        Path page = htmlPath(html.toString(), scenarios.size() > 1 ? i + 1 : 0);
        try {
          io.leasecr.node.report.HtmlTimeline.write(result.events(), page, s.name());
        } catch (IOException e) {
          System.err.println("emulator: cannot write the timeline page " + page + ": " + OutputPaths.why(e));
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
   * Parses every scenario file before anything runs, so a malformed one is reported first
   * ({@code FILE:LINE: problem}, exit 2).
   */
  static List<Scenario> scenarios(List<String> files) {
    List<Scenario> scenarios = new ArrayList<>();
    for (String file : files) {
      try {
        scenarios.add(ScenarioParser.parse(Path.of(file)));
      } catch (ScenarioException e) {
        throw new Failure(Main.BAD_INPUT, e.getMessage());
      } catch (java.nio.file.InvalidPathException e) {
        throw new Failure(Main.BAD_INPUT, file + ": not a file name");
      }
    }
    return scenarios;
  }

  /**
   * {@code lease-cr.restore} from --restore-cost off|default|FILE and --busy K: how long restarts take
   * (the model file is checked here, so a bad one is a usage error before anything runs).
   */
  static Config restoreCost(CommandSpec spec, String model, Integer busy) {
    if (busy != null && (busy < 0 || busy > 10_000)) {
      throw new ParameterException(spec.commandLine(),
          "--busy must be between 0 and 10000 CPU-bound threads, got " + busy);
    }
    if (!model.equals("off")) {
      try {
        RestartCostModel.load(model);
      } catch (RestartCostModel.BadModel e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    } else if (busy != null) {
      throw new ParameterException(spec.commandLine(), "--busy needs --restore-cost default or a model file");
    }
    return ConfigFactory.parseMap(Map.of("lease-cr.restore.cost-model", model, "lease-cr.restore.busy-threads",
        busy == null ? 0 : busy));
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

  /** The trace as JSON Lines, written whole or not at all (through a temporary file beside it). */
  static void writeTrace(Path path, List<TraceEvent> events) throws IOException {
    OutputPaths.write(path, w -> {
      for (TraceEvent e : events) {
        w.write(TraceJson.line(e));
        w.write('\n');
      }
    });
  }
}
