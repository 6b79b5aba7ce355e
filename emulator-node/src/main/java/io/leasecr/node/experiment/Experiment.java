package io.leasecr.node.experiment;

import io.leasecr.core.scenario.Scenario;
import java.util.List;

/**
 * An experiment file (docs/experiment-format.md): a base scenario in which {@code holder} holds a
 * lease that {@code breaker} breaks, and a grid of restart conditions to run it under.
 */
public record Experiment(String source, String name, String description, Scenario base, String holder,
    String breaker, Grid grid, int fanout, int filesPerProcess, long restartAfterMs, int maxCheckpoints,
    String costModel, double leaseHoldersPercent) {

  /** The file without {@code tree: lease-holders}: only the holder holds a lease. */
  public Experiment(String source, String name, String description, Scenario base, String holder, String breaker,
      Grid grid, int fanout, int filesPerProcess, long restartAfterMs, int maxCheckpoints, String costModel) {
    this(source, name, description, base, holder, breaker, grid, fanout, filesPerProcess, restartAfterMs,
        maxCheckpoints, costModel, 0);
  }

  /**
   * The tree processes at positions i (1 to size-1) with floor(i*p/100) > floor((i-1)*p/100) hold a lease:
   * spread evenly, every 100th for 1%, floor((size-1)*p/100) of them.
   */
  public boolean holdsLease(int treeIndex) {
    if (leaseHoldersPercent <= 0) {
      return false;
    }
    double f = leaseHoldersPercent / 100;
    return Math.floor(treeIndex * f + 1e-9) > Math.floor((treeIndex - 1) * f + 1e-9);
  }

  /** The same experiment with {@code percent} of the added tree processes holding a lease the breaker breaks. */
  public Experiment withLeaseHolders(double percent) {
    return new Experiment(source, name, description, base, holder, breaker, grid, fanout, filesPerProcess,
        restartAfterMs, maxCheckpoints, costModel, percent);
  }

  /** The grid's axes; a run is one combination, taken in the order the values are written. */
  public record Grid(List<Integer> treeSizes, List<Integer> busyThreads, List<Long> checkpointAtMs,
      List<String> policies, List<Long> repeatEveryMs, List<Long> seeds) {

    public long size() {
      return (long) treeSizes.size() * busyThreads.size() * checkpointAtMs.size() * policies.size()
          * repeatEveryMs.size() * seeds.size();
    }

    /** Every run, with seeds innermost and the tree size outermost. */
    public List<RunPoint> points() {
      List<RunPoint> out = new java.util.ArrayList<>();
      for (int size : treeSizes) {
        for (int busy : busyThreads) {
          for (long at : checkpointAtMs) {
            for (long every : repeatEveryMs) {
              for (String policy : policies) {
                for (long seed : seeds) {
                  out.add(new RunPoint(out.size() + 1, size, busy, at, policy, every, seed));
                }
              }
            }
          }
        }
      }
      return out;
    }
  }

  /** One run of the grid. {@code repeatEveryMs} 0: one checkpoint only. */
  public record RunPoint(int index, int treeSize, int busyThreads, long checkpointAtMs, String policy,
      long repeatEveryMs, long seed) {

    public boolean criu() {
      return policy.equals("criu");
    }

    /** The restart mode of this run: criu, keep-break (policy written "keep-break/POLICY") or seed. */
    public io.leasecr.core.locks.RestartMode mode() {
      return criu() ? io.leasecr.core.locks.RestartMode.CRIU
          : policy.startsWith(KEEP_BREAK) ? io.leasecr.core.locks.RestartMode.KEEP_BREAK
          : io.leasecr.core.locks.RestartMode.SEED;
    }

    /** The break-time policy of the restart (CRIU's fresh break has none of its own: remaining). */
    public String restartPolicy() {
      return criu() ? "remaining" : policy.startsWith(KEEP_BREAK) ? policy.substring(KEEP_BREAK.length()) : policy;
    }
  }

  /** A keep-break run's policy column: the mode axis folded into the policy axis, so plots draw a line each. */
  static final String KEEP_BREAK = "keep-break/";

  /**
   * The policy axis crossed with restart modes: seed mode keeps each policy as written (criu included, as
   * before the mode axis), keep-break adds "keep-break/POLICY" for each policy but criu, criu mode keeps only
   * "criu".
   */
  static List<String> crossModes(List<String> policies, List<io.leasecr.core.locks.RestartMode> modes) {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (io.leasecr.core.locks.RestartMode m : modes) {
      for (String p : policies) {
        String base = p.startsWith(KEEP_BREAK) ? p.substring(KEEP_BREAK.length()) : p;
        switch (m) {
          case SEED -> out.add(base);
          case CRIU -> out.add("criu");
          case KEEP_BREAK -> {
            if (!base.equals("criu")) {
              out.add(KEEP_BREAK + base);
            }
          }
        }
      }
    }
    return List.copyOf(out);
  }

  /** The same experiment with every run in {@code mode} (the command line's --mode). */
  public Experiment withMode(io.leasecr.core.locks.RestartMode mode) {
    Grid g = new Grid(grid.treeSizes(), grid.busyThreads(), grid.checkpointAtMs(),
        crossModes(grid.policies(), List.of(mode)), grid.repeatEveryMs(), grid.seeds());
    return new Experiment(source, name, description, base, holder, breaker, g, fanout, filesPerProcess,
        restartAfterMs, maxCheckpoints, costModel, leaseHoldersPercent);
  }
}
