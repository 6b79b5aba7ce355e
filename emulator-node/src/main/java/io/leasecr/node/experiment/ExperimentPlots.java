package io.leasecr.node.experiment;

import io.leasecr.node.plot.Figure;
import io.leasecr.node.plot.Palette;
import io.leasecr.node.plot.Panel;
import io.leasecr.node.plot.PlotOptions;
import io.leasecr.node.plot.Plots;
import io.leasecr.node.plot.Series;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Each metric against each axis of the grid that has more than one value: one line per policy
 * (the mean over seeds), one panel per combination of the other varied axes.
 */
final class ExperimentPlots {

  private record Metric(String file, String label, ToDoubleFunction<RunMetrics.Metrics> value) {}

  private record Axis(String file, String label, boolean log, ToLongFunction<Experiment.RunPoint> value,
      String unit) {}

  private static final List<Metric> METRICS = List.of(
      new Metric("holder-time", "holder's time after restart (s)", m -> m.holderEffectiveMs() / 1000),
      new Metric("holder-flushed", "holder flushed before the deadline (fraction of runs)", RunMetrics.Metrics::flushed),
      new Metric("breaker-wait", "breaker's total wait (s)", m -> m.breakerWaitMs() / 1000),
      new Metric("holder-signals", "SIGIOs the holder saw", RunMetrics.Metrics::holderSignals),
      new Metric("starved", "breaker starved (fraction of runs)", m -> m.starved() ? 1 : 0),
      new Metric("restore-time", "restore time (s)", m -> m.restoreMs() / 1000));

  private static final List<Axis> AXES = List.of(
      new Axis("tree-size", "processes in the holder's tree", true, Experiment.RunPoint::treeSize, ""),
      new Axis("busy-threads", "busy threads competing with the restore", false, Experiment.RunPoint::busyThreads, ""),
      new Axis("checkpoint-at", "checkpoint, seconds into the break", false, p -> p.checkpointAtMs() / 1000, "s"),
      new Axis("repeat-every", "checkpoint repeated every (s)", false, p -> p.repeatEveryMs() / 1000, "s"));

  private ExperimentPlots() {}

  /**
   * Draws the figures on {@code jobs} threads: each file is drawn and written on its own (no state is shared
   * between figures), so the bytes are the same with any number of threads, and the list comes back in the same
   * order. With one thread the PNGs (Java2D and the PNG encoder, about 3 s of CPU for 18 figures, cold) were the
   * part of {@code emulator experiment} that a second job did not shorten.
   */
  static List<Path> write(Experiment e, List<ExperimentRunner.Row> rows, Path dir, int jobs) throws IOException {
    Files.createDirectories(dir);
    List<Axis> varied = AXES.stream().filter(a -> rows.stream().map(r -> a.value().applyAsLong(r.point()))
        .distinct().count() > 1).toList();
    PlotOptions options = PlotOptions.DEFAULT.withPalette(Palette.of(e.grid().policies()));
    List<Callable<Path>> files = new ArrayList<>();
    for (Axis x : varied) {
      List<Axis> others = varied.stream().filter(a -> a != x).toList();
      for (Metric metric : METRICS) {
        Figure figure = figure(e, rows, metric, x, others);
        Path svg = dir.resolve(metric.file() + "-vs-" + x.file() + ".svg");
        Path png = dir.resolve(metric.file() + "-vs-" + x.file() + ".png");
        files.add(() -> {
          Plots.writeSvg(figure, svg, options);
          return svg;
        });
        files.add(() -> {
          Plots.writePng(figure, png, options);
          return png;
        });
      }
    }
    return writeAll(files, jobs);
  }

  private static List<Path> writeAll(List<Callable<Path>> files, int jobs) throws IOException {
    List<Path> written = new ArrayList<>(files.size());
    if (jobs <= 1 || files.size() <= 1) {
      for (Callable<Path> f : files) {
        written.add(call(f));
      }
      return written;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, files.size()), r -> {
      Thread t = new Thread(r, "experiment-plot");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Path>> futures = new ArrayList<>(files.size());
      for (Callable<Path> f : files) {
        futures.add(pool.submit(() -> call(f)));
      }
      for (Future<Path> f : futures) {
        written.add(f.get());
      }
      return written;
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(failed.getCause());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing the plots", interrupted);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Path call(Callable<Path> f) throws IOException {
    try {
      return f.call();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Figure figure(Experiment e, List<ExperimentRunner.Row> rows, Metric metric, Axis x, List<Axis> others) {
    // panels: one per combination of the other varied axes' values, in grid order
    Map<String, List<ExperimentRunner.Row>> byPanel = new LinkedHashMap<>();
    for (ExperimentRunner.Row r : rows) {
      StringBuilder title = new StringBuilder();
      for (Axis o : others) {
        title.append(title.length() == 0 ? "" : ", ").append(o.file()).append(' ')
            .append(o.value().applyAsLong(r.point())).append(o.unit());
      }
      byPanel.computeIfAbsent(title.toString(), k -> new ArrayList<>()).add(r);
    }
    List<Panel> panels = new ArrayList<>();
    byPanel.forEach((title, panelRows) -> panels.add(new Panel(title, series(e, panelRows, metric, x))));
    return new Figure(e.name() + ": " + metric.label(), x.label(), metric.label(), x.log(), panels);
  }

  private static List<Series> series(Experiment e, List<ExperimentRunner.Row> rows, Metric metric, Axis x) {
    List<Series> out = new ArrayList<>();
    for (String policy : e.grid().policies()) {
      Map<Long, double[]> sums = new LinkedHashMap<>(); // x -> {sum, count}
      for (ExperimentRunner.Row r : rows) {
        if (!r.point().policy().equals(policy)) {
          continue;
        }
        double[] s = sums.computeIfAbsent(x.value().applyAsLong(r.point()), k -> new double[2]);
        double v = metric.value().applyAsDouble(r.metrics());
        if (Double.isFinite(v)) {
          s[0] += v;
          s[1]++;
        }
      }
      double[] xs = new double[sums.size()];
      double[] ys = new double[sums.size()];
      int i = 0;
      for (Map.Entry<Long, double[]> s : sums.entrySet()) {
        xs[i] = s.getKey();
        ys[i++] = s.getValue()[1] == 0 ? Double.NaN : s.getValue()[0] / s.getValue()[1];
      }
      out.add(new Series(policy, xs, ys));
    }
    return out;
  }
}
