package io.leasecr.node.experiment;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The CSV of an experiment: one row per run, grid values first, then the metrics (docs/experiment-format.md). */
final class ResultsCsv {

  static final String HEADER = "run,tree_size,busy_threads,checkpoint_at_s,policy,repeat_every_s,seed,"
      + "restore_ms,holder_effective_ms,holder_flushed,breaker_wait_ms,holder_signals,starved,checkpoints";

  private ResultsCsv() {}

  static void write(Path file, List<ExperimentRunner.Row> rows) throws IOException {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write(HEADER);
      w.write('\n');
      for (ExperimentRunner.Row r : rows) {
        w.write(line(r));
        w.write('\n');
      }
    }
  }

  static String line(ExperimentRunner.Row r) {
    Experiment.RunPoint p = r.point();
    RunMetrics.Metrics m = r.metrics();
    return String.join(",", String.valueOf(p.index()), String.valueOf(p.treeSize()), String.valueOf(p.busyThreads()),
        seconds(p.checkpointAtMs()), p.policy(), p.repeatEveryMs() == 0 ? "none" : seconds(p.repeatEveryMs()),
        String.valueOf(p.seed()), number(m.restoreMs()), number(m.holderEffectiveMs()), number(m.flushed()),
        number(m.breakerWaitMs()), String.valueOf(m.holderSignals()), m.starved() ? "1" : "0",
        String.valueOf(m.checkpoints()));
  }

  private static String seconds(long ms) {
    return number(ms / 1000.0);
  }

  /** Whole numbers without a point, others with up to three decimals, missing ones empty. */
  private static String number(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    if (v == Math.rint(v)) {
      return String.valueOf((long) v);
    }
    return String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
  }
}
