package io.leasecr.node.drill;

import io.leasecr.core.locks.Inode;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A drill: a scenario played on a cluster of nodes, with faults. {@code placement} puts each process
 * (by name) and file (by path) on a node; {@code faults} are the node-level steps (crash, partition)
 * by scenario step number (each stands in the scenario as a no-op step, so step numbers are the file's);
 * {@code restartOn} says where a restart step brings its processes back. Format: docs/drill-format.md.
 */
public record Drill(Scenario scenario, List<String> nodes, Map<String, String> placement, Map<Integer, Fault> faults,
    Map<Integer, String> restartOn) {

  /** A node-level step. */
  public sealed interface Fault {}

  /** kill -9 of the node's JVM. */
  public record Crash(String node) implements Fault {}

  /** The node is cut off from the others for a while (not injected yet: reported as skipped). */
  public record Partition(String node, long forMs) implements Fault {}

  /** Where a process runs at first. */
  public String nodeOf(Scenario.ProcessDecl p) {
    return placement.getOrDefault(p.name(), nodes.get(0));
  }

  /** Where a file's lease table (its inode) lives: its placement, else the first node. */
  public String nodeOf(Inode inode) {
    return placement.getOrDefault(inode.path(), nodes.get(0));
  }

  /** The nodes a pid may run on, in order of preference: where it starts, then where restarts put it. */
  public List<String> candidates(int pid) {
    List<String> out = new ArrayList<>();
    for (Scenario.ProcessDecl p : scenario.processes()) {
      if (p.pid() == pid) {
        out.add(nodeOf(p));
        for (Step s : scenario.steps()) {
          String on = restartOn.get(s.number());
          if (on != null && s.action() instanceof Step.Restart r && (r.only() == null || r.only().contains(p.name()))
              && !out.contains(on)) {
            out.add(on);
          }
        }
      }
    }
    return out;
  }

  public List<String> candidates(long ino) {
    for (Inode inode : scenario.vfs().inodes()) {
      if (inode.ino() == ino) {
        return List.of(nodeOf(inode));
      }
    }
    return List.of();
  }
}
