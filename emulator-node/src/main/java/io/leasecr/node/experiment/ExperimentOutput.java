package io.leasecr.node.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What an experiment leaves behind: the CSV, the plots, and a summary per policy for the terminal. */
public final class ExperimentOutput {

  private ExperimentOutput() {}

  /**
   * Writes DIR/NAME.csv and, with {@code plots}, DIR/plots/*.png|svg, the plots drawn on {@code jobs} threads
   * (the same files, byte for byte, with any number); returns the files written.
   */
  public static List<Path> write(Experiment e, List<ExperimentRunner.Row> rows, Path dir, boolean plots, int jobs)
      throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    Path csv = dir.resolve(e.name() + ".csv");
    ResultsCsv.write(csv, rows);
    written.add(csv);
    if (plots) {
      written.addAll(ExperimentPlots.write(e, rows, dir.resolve("plots"), jobs));
    }
    return written;
  }

  /** Per policy, over every run: means of the metrics, and how often the holder flushed or the breaker starved. */
  public static String summary(List<ExperimentRunner.Row> rows) {
    Map<String, List<RunMetrics.Metrics>> byPolicy = new LinkedHashMap<>();
    rows.forEach(r -> byPolicy.computeIfAbsent(r.point().policy(), k -> new ArrayList<>()).add(r.metrics()));
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-16s %6s %14s %9s %13s %8s %9s%n", "policy",
        "runs", "holder time s", "flushed", "breaker wait", "starved", "signals"));
    byPolicy.forEach((policy, ms) -> b.append(String.format(Locale.ROOT, "%-16s %6d %14s %9s %13s %8s %9s%n",
        policy, ms.size(), mean(ms, m -> m.holderEffectiveMs() / 1000, "%.3f"), mean(ms, RunMetrics.Metrics::flushed, "%.0f%%", 100),
        mean(ms, m -> m.breakerWaitMs() / 1000, "%.2f s"), mean(ms, m -> m.starved() ? 1 : 0, "%.0f%%", 100),
        mean(ms, RunMetrics.Metrics::holderSignals, "%.2f"))));
    return b.toString();
  }

  private static String mean(List<RunMetrics.Metrics> ms, java.util.function.ToDoubleFunction<RunMetrics.Metrics> f,
      String format) {
    return mean(ms, f, format, 1);
  }

  private static String mean(List<RunMetrics.Metrics> ms, java.util.function.ToDoubleFunction<RunMetrics.Metrics> f,
      String format, double scale) {
    double[] values = ms.stream().mapToDouble(f).filter(Double::isFinite).toArray();
    if (values.length == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, format, java.util.Arrays.stream(values).average().orElse(0) * scale);
  }
}
