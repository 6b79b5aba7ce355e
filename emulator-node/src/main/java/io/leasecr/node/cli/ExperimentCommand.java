package io.leasecr.node.cli;

import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.node.experiment.Experiment;
import io.leasecr.node.experiment.ExperimentOutput;
import io.leasecr.node.experiment.ExperimentParser;
import io.leasecr.node.experiment.ExperimentRunner;
import io.leasecr.node.experiment.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code emulator experiment FILE...}: run each experiment's grid, write its CSV and plots under
 * {@code --out}/NAME, print a summary per policy.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Run experiments: a grid of restarts each, in parallel on emulated time; write a CSV of metrics "
        + "per run and plots (PNG, SVG) of each metric, one line per policy (docs/experiment-format.md).",
    footer = "Exit codes: 0 done, 1 a run failed or the results could not be written, 2 bad input.")
final class ExperimentCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "experiment files") List<String> files;

  @Option(names = "--out", paramLabel = "DIR",
      description = "where results go, each experiment in DIR/NAME (default: ${DEFAULT-VALUE})")
  Path out = Path.of("experiments-out");

  @Option(names = "--jobs", paramLabel = "N", description = "parallel runs, 1-256 (default: the cores)")
  Integer jobs;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "seed, criu or keep-break: every restart in that mode, overriding the grid")
  String restartMode;

  @Option(names = "--no-progress", description = "no progress line on stderr") boolean noProgress;

  @Option(names = "--no-plots", description = "only the CSV") boolean noPlots;

  @Option(names = "--timeline", paramLabel = "N",
      description = "run N (as numbered in the CSV) again and draw it as an HTML timeline, DIR/NAME/run-N.html")
  Integer timeline;

  @Override
  public Integer call() throws InterruptedException {
    int threads = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
    if (threads < 1 || threads > 256) {
      throw new ParameterException(spec.commandLine(), "--jobs must be between 1 and 256, got " + threads);
    }
    // every file is checked before the first run starts, and so is where the results go
    io.leasecr.core.locks.RestartMode restart = null;
    if (restartMode != null) {
      try {
        restart = io.leasecr.core.locks.RestartMode.parse(restartMode);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--mode: " + e.getMessage());
      }
    }
    List<Experiment> experiments = new ArrayList<>();
    for (String file : files) {
      try {
        Experiment e = ExperimentParser.parse(Path.of(file));
        experiments.add(restart != null ? e.withMode(restart) : e);
      } catch (ScenarioException bad) {
        throw new Failure(Main.BAD_INPUT, bad.getMessage());
      }
    }
    for (Experiment e : experiments) {
      if (timeline != null && (timeline < 1 || timeline > e.grid().size())) {
        throw new ParameterException(spec.commandLine(), "--timeline must name a run of " + e.name() + " (1 to "
            + e.grid().size() + "), got " + timeline);
      }
    }
    OutputPaths.checkDirectory("--out", out);
    for (Experiment e : experiments) {
      OutputPaths.checkDirectory("--out", out.resolve(e.name()));
    }
    for (Experiment e : experiments) {
      int status = runOne(e, out.resolve(e.name()), threads);
      if (status != Main.OK) {
        return status;
      }
      if (timeline != null) {
        status = timelinePage(e, timeline, out.resolve(e.name()));
        if (status != Main.OK) {
          return status;
        }
      }
    }
    return Main.OK;
  }

  /** --timeline N: run N of the grid (the CSV's run column) again and draw it as a timeline page. */
  private static int timelinePage(Experiment e, int run, Path out) {
    io.leasecr.node.experiment.Experiment.RunPoint point = e.grid().points().stream()
        .filter(p -> p.index() == run).findFirst().orElseThrow();
    Path page = out.resolve("run-" + run + ".html");
    try {
      io.leasecr.node.report.HtmlTimeline.write(ExperimentRunner.trace(e, point), page,
          e.name() + " run " + run + ": " + ExperimentRunner.describe(point));
    } catch (IOException failed) {
      System.err.println("emulator: cannot draw run " + run + " as " + page + ": " + OutputPaths.why(failed));
      return Main.FAILED;
    } catch (IllegalStateException failed) {
      System.err.println("emulator: cannot draw run " + run + " as " + page + ": " + failed.getMessage());
      return Main.FAILED;
    }
    System.out.println("timeline of run " + run + ": " + page);
    return Main.OK;
  }

  private int runOne(Experiment e, Path out, int jobs) throws InterruptedException {
    System.out.printf("experiment %s: %d runs on %d threads, restart-cost model %s -> %s%n", e.name(),
        e.grid().size(), jobs, e.costModel(), out);
    long start = System.nanoTime();
    List<ExperimentRunner.Row> rows;
    try {
      rows = ExperimentRunner.run(e, jobs, new Progress(System.err, !noProgress, System.console() != null));
    } catch (IllegalStateException failed) {
      System.err.println("emulator: " + failed.getMessage());
      return Main.FAILED;
    }
    try {
      List<Path> written = ExperimentOutput.write(e, rows, out, !noPlots, jobs);
      System.out.print(ExperimentOutput.summary(rows));
      System.out.printf("%d runs in %.1f s wall; wrote %s%n", rows.size(), (System.nanoTime() - start) / 1e9,
          written.size() == 1 ? written.get(0) : written.get(0) + " and " + (written.size() - 1) + " plot files");
    } catch (IOException failed) {
      System.err.println("emulator: cannot write the results to " + out + ": " + OutputPaths.why(failed));
      return Main.FAILED;
    }
    return Main.OK;
  }
}
