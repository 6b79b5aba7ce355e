package io.leasecr.node.bench;

import io.leasecr.node.plot.Figure;
import io.leasecr.node.plot.Panel;
import io.leasecr.node.plot.Plots;
import io.leasecr.node.plot.Series;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The checkpoint/restart benchmark as a picture: per journal, writes and reads as a share of raw JDBC
 * against the tree size, with raw JDBC plus the journal's floor and the 50% target beside them.
 */
final class CheckpointPlot {

  private CheckpointPlot() {}

  /** Writes {@code cr-throughput.svg} and {@code .png} into {@code dir}; the two files. */
  static List<Path> write(Map<String, List<CheckpointBench.Result>> byJournal, Path dir) throws IOException {
    List<Panel> panels = new ArrayList<>();
    byJournal.forEach((journal, results) -> {
      panels.add(panel(journal + ": checkpoint (write)", results, CheckpointBench.Result::journalWriteRatio,
          CheckpointBench.Result::withFloorWriteRatio, CheckpointBench.Result::checkpointRatio));
      panels.add(panel(journal + ": restart (read)", results, CheckpointBench.Result::journalReadRatio,
          CheckpointBench.Result::withFloorReadRatio, CheckpointBench.Result::restartRatio));
    });
    Figure figure = new Figure("Checkpoint journal vs raw JDBC on the same bytes",
        "processes in the tree", "% of raw JDBC throughput", true, panels);
    Files.createDirectories(dir);
    Path svg = dir.resolve("cr-throughput.svg");
    Path png = dir.resolve("cr-throughput.png");
    Plots.writeSvg(figure, svg);
    Plots.writePng(figure, png);
    return List.of(svg, png);
  }

  private static Panel panel(String title, List<CheckpointBench.Result> results,
      ToDoubleFunction<CheckpointBench.Result> journalOnly, ToDoubleFunction<CheckpointBench.Result> withFloor,
      ToDoubleFunction<CheckpointBench.Result> endToEnd) {
    double[] x = results.stream().mapToDouble(CheckpointBench.Result::processes).toArray();
    return new Panel(title, List.of(
        new Series("journal only", x, percent(results, journalOnly)),
        new Series("raw + the journal's floor", x, percent(results, withFloor)),
        new Series("end to end (actors included)", x, percent(results, endToEnd)),
        new Series("target: 50%", x, results.stream().mapToDouble(r -> 50.0).toArray())));
  }

  private static double[] percent(List<CheckpointBench.Result> results, ToDoubleFunction<CheckpointBench.Result> f) {
    return results.stream().mapToDouble(r -> 100 * f.applyAsDouble(r)).toArray();
  }
}
