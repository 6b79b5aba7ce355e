package io.leasecr.node.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.EmulatorPool;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceJson;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many small runs in one JVM (issue 17 item 2): the given scenarios over and over on reused actor systems
 * ({@link EmulatorPool}), on 1 and on {@code jobs} threads, against a new actor system per run, in the same
 * run. Every reused run's trace is compared with the fresh run's of the same scenario (a difference fails).
 */
public final class SmallRuns {

  private static final Config FRESH = ConfigFactory.parseMap(Map.of("lease-cr.run.reuse-systems", "off"));

  private final PrintStream out;

  public SmallRuns(PrintStream out) {
    this.out = out;
  }

  /** The figures of one setting: runs and wall seconds. */
  public record Rate(long runs, double seconds) {
    double perSecond() {
      return runs / seconds;
    }
  }

  /** Returns whether the target (>= {@code target} runs/s with {@code jobs} threads) was met and every trace matched. */
  public boolean run(List<Scenario> scenarios, double seconds, int jobs, double target) throws Exception {
    out.printf("machine: %d cores, Java %s, max heap %d MiB; %d scenarios%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20, scenarios.size());
    long t0 = System.nanoTime();
    List<List<String>> fresh = scenarios.stream()
        .map(s -> lines(Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), FRESH))).toList();
    Rate freshRate = new Rate(scenarios.size(), (System.nanoTime() - t0) / 1e9);
    // warm-up (JIT), then the measured rounds
    timed(scenarios, fresh, Math.min(2, seconds / 2), jobs);
    Rate one = timed(scenarios, fresh, seconds, 1);
    Rate many = jobs > 1 ? timed(scenarios, fresh, seconds, jobs) : one;
    Rate freshAgain = timedFresh(scenarios, Math.min(seconds, 3));
    out.printf("new actor system per run:   %,d runs in %.2f s = %,.0f runs/s (the first pass, reference traces)%n",
        freshRate.runs(), freshRate.seconds(), freshRate.perSecond());
    out.printf("new actor system per run:   %,d runs in %.2f s = %,.0f runs/s (warm)%n",
        freshAgain.runs(), freshAgain.seconds(), freshAgain.perSecond());
    out.printf("reused systems, 1 thread:   %,d runs in %.2f s = %,.0f runs/s (%.0fx)%n",
        one.runs(), one.seconds(), one.perSecond(), one.perSecond() / freshAgain.perSecond());
    if (jobs > 1) {
      out.printf("reused systems, %d threads:  %,d runs in %.2f s = %,.0f runs/s (%.2fx one thread)%n",
          jobs, many.runs(), many.seconds(), many.perSecond(), many.perSecond() / one.perSecond());
    }
    out.printf("every reused run's trace and final /proc/locks equal the fresh run's: yes (%,d compared)%n",
        one.runs() + (jobs > 1 ? many.runs() : 0));
    out.printf("actor systems started by the pool: %d, runs that reused one: %,d%n",
        EmulatorPool.shared().created(), EmulatorPool.shared().reused());
    boolean met = many.perSecond() >= target;
    out.printf("  runs/s with %d thread(s): target >= %,.0f: %s%n", jobs, target, met ? "met" : "MISSED");
    return met;
  }

  private Rate timed(List<Scenario> scenarios, List<List<String>> fresh, double seconds, int jobs) throws Exception {
    AtomicLong runs = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    ExecutorService pool = Executors.newFixedThreadPool(jobs);
    long start = System.nanoTime();
    try {
      List<Future<?>> all = new java.util.ArrayList<>();
      for (int j = 0; j < jobs; j++) {
        int offset = j;
        all.add(pool.submit(() -> {
          for (int i = offset; System.nanoTime() < end; i++) {
            int k = i % scenarios.size();
            List<String> got = lines(Emulation.run(scenarios.get(k)));
            if (!got.equals(fresh.get(k))) {
              throw new IllegalStateException(scenarios.get(k).source()
                  + ": the trace on a reused actor system differs from the fresh run's");
            }
            runs.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new Rate(runs.get(), (System.nanoTime() - start) / 1e9);
  }

  private Rate timedFresh(List<Scenario> scenarios, double seconds) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long runs = 0;
    for (int i = 0; System.nanoTime() < end; i++) {
      Emulation.run(scenarios.get(i % scenarios.size()), TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), FRESH);
      runs++;
    }
    return new Rate(runs, (System.nanoTime() - start) / 1e9);
  }

  private static List<String> lines(Emulation.Result r) {
    List<String> l = new java.util.ArrayList<>(r.events().size() + 1);
    r.events().forEach(e -> l.add(TraceJson.line(e)));
    l.add(String.valueOf(r.finalLocks()));
    return l;
  }
}
