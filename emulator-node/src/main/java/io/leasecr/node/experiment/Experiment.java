package io.leasecr.node.experiment;

import io.leasecr.core.scenario.Scenario;
import java.util.List;

/**
 * An experiment file (docs/experiment-format.md): a base scenario in which {@code holder} holds a
 * lease that {@code breaker} breaks, and a grid of restart conditions to run it under.
 */
public record Experiment(String source, String name, String description, Scenario base, String holder,
    String breaker, Grid grid, int fanout, int filesPerProcess, long restartAfterMs, int maxCheckpoints,
    String costModel) {

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
  }
}
