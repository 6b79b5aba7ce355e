package io.leasecr.node.drillfile;

import io.leasecr.core.locks.Inode;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.process.Syscall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * A drill: a scenario played on a cluster of nodes, with faults. {@code placement} puts each process
 * (by name) and file (by path) on a node; {@code faults} are the node-level steps (crash, partition)
 * by scenario step number (each stands in the scenario as a no-op step, so step numbers are the file's);
 * {@code restartOn} says where a restart step brings its processes back; {@code spares} are nodes started
 * only by a {@link StartNode} step; {@code scale} is emulated seconds per wall second. Format:
 * docs/drill-format.md.
 */
public record Drill(Scenario scenario, List<String> nodes, List<String> spares, double scale,
    Map<String, String> placement, Map<Integer, Fault> faults,
    Map<Integer, List<String>> restartOn, Map<Integer, Syscall.Open> openGenerated, Set<String> generated,
    Map<Integer, Map<Integer, String>> restartTargets, Map<Integer, List<String>> pidCandidates,
    Map<Long, List<String>> inoCandidates, List<String> randomFaults) {

  /** Builds the drill and its look-up tables (where each pid may run, where each restart puts it). */
  public static Drill of(Scenario scenario, List<String> nodes, List<String> spares, double scale,
      Map<String, String> placement, Map<Integer, Fault> faults,
      Map<Integer, List<String>> restartOn, Map<Integer, Syscall.Open> openGenerated, Set<String> generated) {
    return of(scenario, nodes, spares, scale, placement, faults, restartOn, openGenerated, generated, List.of());
  }

  /** As above, with the steps a random fault schedule ({@code faults:}) expanded to, as drill-file lines. */
  public static Drill of(Scenario scenario, List<String> nodes, List<String> spares, double scale,
      Map<String, String> placement, Map<Integer, Fault> faults,
      Map<Integer, List<String>> restartOn, Map<Integer, Syscall.Open> openGenerated, Set<String> generated,
      List<String> randomFaults) {
    Map<Integer, Map<Integer, String>> targets = new HashMap<>();
    Map<Integer, List<String>> cands = new HashMap<>();
    for (Scenario.ProcessDecl p : scenario.processes()) {
      List<String> c = new ArrayList<>();
      c.add(placement.getOrDefault(p.name(), nodes.get(0)));
      cands.put(p.pid(), c);
    }
    for (Step s : scenario.steps()) {
      List<String> on = restartOn.get(s.number());
      if (on == null || !(s.action() instanceof Step.Restart r)) {
        continue;
      }
      Map<Integer, String> t = new HashMap<>();
      int i = 0;
      Set<String> only = r.only() == null ? null : new java.util.HashSet<>(r.only()); // 33k names at 100k
      for (Scenario.ProcessDecl p : scenario.processes()) {
        if (only == null || only.contains(p.name())) {
          String node = on.get(i++ % on.size());
          t.put(p.pid(), node);
          List<String> c = cands.get(p.pid());
          if (!c.contains(node)) {
            c.add(node);
          }
        }
      }
      targets.put(s.number(), Map.copyOf(t));
    }
    Map<Long, List<String>> inos = new HashMap<>();
    for (Inode inode : scenario.vfs().inodes()) {
      inos.put(inode.ino(), List.of(placement.getOrDefault(inode.path(), nodes.get(0))));
    }
    // a generated process's own file (open_generated: Gi opens PREFIXi) follows it: its lease table comes back
    // where a restart puts the process, beside it, instead of all of a lost node's tables on one survivor
    String prefix = openGenerated.values().stream().findFirst().map(Syscall.Open::path).orElse(null);
    if (prefix != null) {
      for (Scenario.ProcessDecl p : scenario.processes()) {
        if (generated.contains(p.name()) && p.name().startsWith("G")) {
          Inode own = scenario.vfs().lookup(prefix + p.name().substring(1));
          if (own != null && inos.get(own.ino()).equals(List.of(cands.get(p.pid()).get(0)))) {
            inos.put(own.ino(), List.copyOf(cands.get(p.pid())));
          }
        }
      }
    }
    return new Drill(scenario, nodes, spares, scale, placement, faults, restartOn, openGenerated, generated,
        Map.copyOf(targets), cands, inos, List.copyOf(randomFaults));
  }

  /** The same drill at another time scale (the command line's --scale). */
  public Drill withScale(double newScale) {
    return new Drill(scenario, nodes, spares, newScale, placement, faults, restartOn, openGenerated, generated,
        restartTargets, pidCandidates, inoCandidates, randomFaults);
  }

  /** Every node the drill may run: those started at once, then the spares. */
  public List<String> allNodes() {
    List<String> all = new ArrayList<>(nodes);
    all.addAll(spares);
    return all;
  }

  /** A node-level step. */
  public sealed interface Fault {}

  /** kill -9 of the nodes' JVMs, at once. */
  public record Crash(List<String> nodes) implements Fault {}

  /** The node is cut off from the others for a while. */
  public record Partition(String node, long forMs) implements Fault {}

  /**
   * SIGSTOP of the node's JVM (Jepsen's pause): it neither sends nor answers, its failure detector and
   * timers stand still; {@code untilMs}: the drill time a SIGCONT resumes it (a {@code for:} or a later
   * {@code resume:} step), or -1 (stopped until the drill ends).
   */
  public record Pause(String node, long untilMs) implements Fault {}

  /** SIGCONT of a paused node's JVM. */
  public record Resume(String node) implements Fault {}

  /**
   * The journal's PostgreSQL is stopped ({@code down}; {@code untilMs}: the drill time it is started
   * again, or -1: at the end) or started ({@code up}).
   */
  public record Journal(boolean down, long untilMs) implements Fault {}

  /** The node's emulated clock runs {@code byMs} ahead (negative: behind) of the others' from now on. */
  public record Skew(String node, long byMs) implements Fault {}

  /** A spare node's JVM is started and joins the cluster (a new node to restart processes on). */
  public record StartNode(String node) implements Fault {}

  /** Where a process runs at first. */
  public String nodeOf(Scenario.ProcessDecl p) {
    return placement.getOrDefault(p.name(), nodes.get(0));
  }

  /** Where a file's lease table (its inode) lives: its placement, else the first node. */
  public String nodeOf(Inode inode) {
    return placement.getOrDefault(inode.path(), nodes.get(0));
  }

  /** Where restart step {@code step} brings {@code pid} back, or null (no 'on:'). */
  public String restartTarget(int step, int pid) {
    Map<Integer, String> t = restartTargets.get(step);
    return t == null ? null : t.get(pid);
  }

  /** The nodes a pid may run on, in order of preference: where it starts, then where restarts put it. */
  public List<String> candidates(int pid) {
    return pidCandidates.getOrDefault(pid, List.of());
  }

  /** The nodes an inode's lease table may live on: its placement, then (a generated process's own file) its process's. */
  public List<String> candidates(long ino) {
    return inoCandidates.getOrDefault(ino, List.of());
  }
}
