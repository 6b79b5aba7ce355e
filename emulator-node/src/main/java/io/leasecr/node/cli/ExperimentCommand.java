package io.leasecr.node.cli;

import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.node.experiment.Experiment;
import io.leasecr.node.experiment.ExperimentOutput;
import io.leasecr.node.experiment.ExperimentParser;
import io.leasecr.node.experiment.ExperimentRunner;
import io.leasecr.node.experiment.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code emulator experiment FILE}: run an experiment's grid, write its CSV and plots, print a summary. */
final class ExperimentCommand {

  private ExperimentCommand() {}

  static int run(String[] args) throws InterruptedException {
    Options o = Options.parse(args, Set.of("--out", "--jobs"), Set.of("--no-progress", "--no-plots"));
    if (o.positional.size() != 1) {
      throw new Main.UsageException("experiment needs exactly one experiment file");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    long jobs = o.number("--jobs", cores);
    if (jobs < 1 || jobs > 256) {
      throw new Main.UsageException("--jobs must be between 1 and 256, got " + jobs);
    }
    Experiment e;
    try {
      e = ExperimentParser.parse(Path.of(o.positional.get(0)));
    } catch (ScenarioException bad) {
      System.err.println("emulator: " + bad.getMessage());
      return Main.BAD_INPUT;
    }
    Path out = Path.of(o.get("--out", "experiments-out/" + e.name()));
    System.out.printf("experiment %s: %d runs on %d threads, restart-cost model %s -> %s%n", e.name(),
        e.grid().size(), jobs, e.costModel(), out);
    long start = System.nanoTime();
    List<ExperimentRunner.Row> rows;
    try {
      rows = ExperimentRunner.run(e, (int) jobs, new Progress(System.err, !o.has("--no-progress"), System.console() != null));
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
