package io.leasecr.node.bench;

import io.leasecr.node.experiment.Experiment;
import io.leasecr.node.experiment.ExperimentRunner;
import io.leasecr.node.experiment.Phases;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

/**
 * One experiment run of a large holder tree (issue 17 item 1): the experiment's first grid point with the
 * tree size set, no load, checkpointed and restarted once, timed per phase, with the heap's peak.
 */
public final class TreeRuns {

  /** The phases in the order a run goes through them (commit and read: only with a journal). */
  static final List<String> PHASES = List.of("spawn", "run", "collect", "build", "serialize", "commit", "read",
      "restore", "idle");

  private final PrintStream out;

  public TreeRuns(PrintStream out) {
    this.out = out;
  }

  /** Returns whether every size met its wall-time and heap target. */
  public boolean run(Experiment e, List<Integer> sizes, int repeats, String policy) {
    return run(e, sizes, repeats, policy, false);
  }

  /** {@code liveHeap}: also measure the live heap at the cut and with the restored tree (two full GCs, untimed). */
  public boolean run(Experiment e, List<Integer> sizes, int repeats, String policy, boolean liveHeap) {
    out.printf("machine: %d cores, Java %s, max heap %d MiB; experiment %s, checkpoint at %.1f s, policy %s, "
            + "busy-threads 0, fanout %d, %d file(s) per process, %s%% of the processes holding a lease under break%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20, e.name(), e.grid().checkpointAtMs().get(0) / 1000.0, policy,
        e.fanout(), e.filesPerProcess(), java.math.BigDecimal.valueOf(e.leaseHoldersPercent()).stripTrailingZeros().toPlainString());
    out.println("phases: spawn = the tree's actors started; run = virtual time to the cut (opens, the break); "
        + "collect = every actor's state; build (+ serialize, commit: journal runs only); read (journal only); "
        + "restore = restart step to idle with the restored tree; idle = final /proc/locks");
    boolean met = true;
    for (int n : sizes) {
      List<Double> walls = new ArrayList<>();
      for (int r = 0; r < repeats; r++) {
        Experiment.RunPoint p = new Experiment.RunPoint(0, n, 0, e.grid().checkpointAtMs().get(0), policy, 0, 1);
        System.gc();
        long heapBefore = usedHeap();
        resetPeaks();
        Phases phases = new Phases(liveHeap);
        long start = System.nanoTime();
        long cpuStart = processCpu();
        ExperimentRunner.runOne(e, p, phases);
        double processCpu = (processCpu() - cpuStart) / 1e9;
        double wall = (System.nanoTime() - start) / 1e9 - phases.measuringMillis() / 1000;
        long peak = peakHeap();
        long teardownStart = System.nanoTime();
        io.leasecr.core.scenario.EmulatorPool.shared().awaitCleared(); // the tree stops after the run's result
        double teardown = (System.nanoTime() - teardownStart) / 1e6;
        walls.add(wall);
        StringBuilder line = new StringBuilder();
        StringBuilder cpuLine = new StringBuilder();
        double inPhases = 0;
        double cpu = 0;
        for (String ph : PHASES) {
          double ms = phases.millis(ph);
          inPhases += ms;
          cpu += phases.cpuMillis(ph);
          line.append(String.format(" %s %.0f", ph, ms));
          cpuLine.append(String.format(" %s %.0f", ph, phases.cpuMillis(ph)));
        }
        out.printf("%,9d processes, run %d: %.2f s wall; wall ms:%s, outside the run (tree built, system) %.0f; "
                + "then the tree stopped, after the result (not counted): %.0f%n",
            n, r + 1, wall, line, wall * 1000 - inPhases, teardown);
        out.printf("           loop thread CPU ms:%s = %.0f ms; the whole JVM's CPU (GC, tree built): %.2f s%n",
            cpuLine, cpu, processCpu);
        out.printf("           heap: %,d MiB at the peak (%,d bytes per process above the %,d MiB before); "
                + "image %,d bytes (%,d per process)%n", peak >> 20, (peak - heapBefore) / n, heapBefore >> 20,
            phases.imageBytes(), phases.imageBytes() / n);
        if (liveHeap) {
          out.printf("           live heap (full GC on entering the phase; %.2f s of collection not counted above): "
                  + "at the cut %,d MiB = %,d bytes per process; with the restored tree %,d MiB = %,d bytes per process "
                  + "(above the %,d MiB before)%n", phases.measuringMillis() / 1000,
              (phases.liveBytes("collect") - heapBefore) >> 20, (phases.liveBytes("collect") - heapBefore) / n,
              (phases.liveBytes("idle") - heapBefore) >> 20, (phases.liveBytes("idle") - heapBefore) / n,
              heapBefore >> 20);
        }
        double wallTarget = n >= 1_000_000 ? 10 : n >= 100_000 ? 1 : Double.NaN;
        if (!Double.isNaN(wallTarget)) {
          boolean ok = wall <= wallTarget;
          boolean heapOk = n < 1_000_000 || peak <= 2L << 30;
          out.printf("           target: <= %.0f s wall%s: %s%n", wallTarget, n >= 1_000_000 ? " and <= 2 GB heap" : "",
              ok && heapOk ? "met" : "MISSED");
          met &= ok && heapOk;
        }
      }
      if (repeats > 1) {
        out.printf("%,9d processes: wall %.2f-%.2f s over %d runs%n", n, walls.stream().mapToDouble(d -> d).min()
            .orElse(0), walls.stream().mapToDouble(d -> d).max().orElse(0), repeats);
      }
    }
    return met;
  }

  private static long processCpu() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : 0;
  }

  private static long usedHeap() {
    return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** The sum of the heap pools' peaks: at most what was in use at once, at least the real peak. */
  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
