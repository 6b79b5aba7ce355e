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
import java.util.Set;

/**
 * {@code emulator experiment FILE...}: run each experiment's grid, write its CSV and plots under
 * {@code --out}/NAME, print a summary per policy.
 */
final class ExperimentCommand {

  private ExperimentCommand() {}

  static int run(String[] args) throws InterruptedException {
    Options o = Options.parse(args, Set.of("--out", "--jobs", "--timeline", "--mode"), Set.of("--no-progress", "--no-plots"));
    if (o.positional.isEmpty()) {
      throw new Main.UsageException("experiment needs at least one experiment file");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    long jobs = o.number("--jobs", cores);
    if (jobs < 1 || jobs > 256) {
      throw new Main.UsageException("--jobs must be between 1 and 256, got " + jobs);
    }
    // every file is checked before the first run starts
    List<Experiment> experiments = new ArrayList<>();
    for (String file : o.positional) {
      try {
        Experiment e = ExperimentParser.parse(Path.of(file));
        experiments.add(o.has("--mode") ? e.withMode(Options.restartMode(o)) : e);
      } catch (ScenarioException bad) {
        System.err.println("emulator: " + bad.getMessage());
        return Main.BAD_INPUT;
      }
    }
    long timeline = o.number("--timeline", 0);
    for (Experiment e : experiments) {
      if (o.has("--timeline") && (timeline < 1 || timeline > e.grid().size())) {
        throw new Main.UsageException("--timeline must name a run of " + e.name() + " (1 to " + e.grid().size()
            + "), got " + timeline);
      }
    }
    Path root = Path.of(o.get("--out", "experiments-out"));
    for (Experiment e : experiments) {
      int status = runOne(e, root.resolve(e.name()), (int) jobs, o);
      if (status != Main.OK) {
        return status;
      }
      if (o.has("--timeline")) {
        status = timelinePage(e, (int) timeline, root.resolve(e.name()));
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
    } catch (IOException | IllegalStateException failed) {
      System.err.println("emulator: cannot draw run " + run + " as " + page + ": " + failed.getMessage());
      return Main.FAILED;
    }
    System.out.println("timeline of run " + run + ": " + page);
    return Main.OK;
  }

  private static int runOne(Experiment e, Path out, int jobs, Options o) throws InterruptedException {
    System.out.printf("experiment %s: %d runs on %d threads, restart-cost model %s -> %s%n", e.name(),
        e.grid().size(), jobs, e.costModel(), out);
    long start = System.nanoTime();
    List<ExperimentRunner.Row> rows;
    try {
      rows = ExperimentRunner.run(e, jobs, new Progress(System.err, !o.has("--no-progress"), System.console() != null));
    } catch (IllegalStateException failed) {
      System.err.println("emulator: " + failed.getMessage());
      return Main.FAILED;
    }
    try {
      List<Path> written = ExperimentOutput.write(e, rows, out, !o.has("--no-plots"));
      System.out.print(ExperimentOutput.summary(rows));
      System.out.printf("%d runs in %.1f s wall; wrote %s%n", rows.size(), (System.nanoTime() - start) / 1e9,
          written.size() == 1 ? written.get(0) : written.get(0) + " and " + (written.size() - 1) + " plot files");
    } catch (IOException failed) {
      System.err.println("emulator: cannot write the results to " + out + ": " + failed.getMessage());
      return Main.FAILED;
    }
    return Main.OK;
  }
}
