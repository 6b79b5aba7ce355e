package io.leasecr.node.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every point of an experiment's grid, each in its own actor system on emulated time, {@code
 * jobs} at once. Results come back in grid order whatever order the runs finish in: the same file
 * and seeds give the same rows.
 */
public final class ExperimentRunner {

  /** One finished run. */
  public record Row(Experiment.RunPoint point, RunMetrics.Metrics metrics) {}

  private ExperimentRunner() {}

  public static List<Row> run(Experiment e, int jobs, Progress progress) throws InterruptedException {
    List<Experiment.RunPoint> points = e.grid().points();
    progress.start(points);
    ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "experiment-run");
      t.setDaemon(true);
      return t;
    });
    try {
      // largest trees first (a stable sort: grid order among equals), so that no job is left with a 100k run
      // at the end while the other has finished; each run is independent, and rows come back in grid order
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < points.size(); i++) {
        order.add(i);
      }
      order.sort((a, b) -> Integer.compare(points.get(b).treeSize(), points.get(a).treeSize()));
      List<Future<Row>> futures = new ArrayList<>(java.util.Collections.nCopies(points.size(), null));
      for (int i : order) {
        Experiment.RunPoint p = points.get(i);
        futures.set(i, pool.submit(() -> {
          Row row = runOne(e, p);
          progress.done(p);
          return row;
        }));
      }
      List<Row> rows = new ArrayList<>(points.size());
      for (int i = 0; i < futures.size(); i++) {
        try {
          rows.add(futures.get(i).get());
        } catch (ExecutionException failure) {
          Throwable cause = failure.getCause();
          throw new IllegalStateException("run " + points.get(i).index() + " (" + describe(points.get(i))
              + ") failed: " + cause.getMessage(), cause);
        }
      }
      return rows;
    } finally {
      pool.shutdownNow();
      progress.finish();
    }
  }

  static Row runOne(Experiment e, Experiment.RunPoint p) {
    return runOne(e, p, null);
  }

  /** One run, with the wall time of each of its phases recorded in {@code phases} (if not null). */
  public static Row runOne(Experiment e, Experiment.RunPoint p, Phases phases) {
    TrialScenario.Built built = TrialScenario.build(e, p);
    RunMetrics metrics = new RunMetrics(built, phases);
    Config restore = ConfigFactory.parseMap(Map.of(
        "lease-cr.restore.cost-model", e.costModel(),
        "lease-cr.restore.busy-threads", p.busyThreads(),
        "lease-cr.restore.seed", p.seed()));
    Emulation.run(built.scenario(), restore, metrics, Duration.ofMinutes(30));
    return new Row(p, metrics.result());
  }

  /** Runs one point of the grid again (same seed, same run) and returns its whole trace, for a timeline page. */
  public static List<io.leasecr.core.trace.TraceEvent> trace(Experiment e, Experiment.RunPoint p) {
    TrialScenario.Built built = TrialScenario.build(e, p);
    Config restore = ConfigFactory.parseMap(Map.of(
        "lease-cr.restore.cost-model", e.costModel(),
        "lease-cr.restore.busy-threads", p.busyThreads(),
        "lease-cr.restore.seed", p.seed()));
    io.leasecr.core.trace.TraceRecorder recorder = new io.leasecr.core.trace.TraceRecorder();
    Emulation.run(built.scenario(), restore, recorder, Duration.ofMinutes(30));
    return recorder.events();
  }

  public static String describe(Experiment.RunPoint p) {
    return "tree-size " + p.treeSize() + ", busy-threads " + p.busyThreads() + ", checkpoint-at "
        + p.checkpointAtMs() / 1000.0 + "s, policy " + p.policy() + ", repeat-every "
        + (p.repeatEveryMs() == 0 ? "none" : p.repeatEveryMs() / 1000.0 + "s") + ", seed " + p.seed();
  }
}
