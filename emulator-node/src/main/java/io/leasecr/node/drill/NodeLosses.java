package io.leasecr.node.drill;

import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.drillfile.Drill;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The drill's record of lost nodes: when each was lost and how (kill -9, a partition), when the
 * split-brain resolver downed and removed it (watched on a thread of its own), which processes went
 * with it, a partition that healed instead, and the bound on a restart: the lost node's
 * processes run again within twice the downing time (kill until the member is removed).
 */
final class NodeLosses {

  /** Where the drill writes what happens (step number 0: not a step's). */
  interface Notes {
    void note(int step, String text);
  }

  private final Drill drill;
  private final Membership members;
  private final long expectedDowningMs;
  private final Notes notes;
  private final LongSupplier drillNow;
  /** Lost nodes (a partitioned node until it heals) to the wall time they were lost. */
  private final Map<String, Long> lostAtWall = new ConcurrentHashMap<>();
  private final Map<String, String> how = new ConcurrentHashMap<>();
  /** How many times each node was lost: a watcher of an earlier loss does not speak for a later one. */
  private final Map<String, Integer> generations = new ConcurrentHashMap<>();
  private final Map<String, Long> removedAt = new ConcurrentHashMap<>();
  /** pid to when its node was lost, in drill ms. */
  private final Map<Integer, Long> pidsLostAt = new ConcurrentHashMap<>();
  private final List<String> timingProblems = new ArrayList<>();
  /** When each node was last lost, drill ms. */
  private final Map<String, Long> lostDrillAt = new ConcurrentHashMap<>();
  /** Cuts that healed (a pause or partition the resolver did not decide on): [from, to] in drill ms. */
  private final List<long[]> healedCuts = java.util.Collections.synchronizedList(new ArrayList<>());

  NodeLosses(Drill drill, Membership members, long expectedDowningMs, Notes notes, LongSupplier drillNow) {
    this.drill = drill;
    this.members = members;
    this.expectedDowningMs = expectedDowningMs;
    this.notes = notes;
    this.drillNow = drillNow;
  }

  /**
   * The node is lost at wall time {@code at} by {@code cause}; {@code healsAt}: for a partition, the wall time
   * it ends (0 for a crash, which never heals). Watches for the resolver's verdict meanwhile.
   */
  void lost(String node, long at, String cause, long healsAt) {
    int generation = generations.merge(node, 1, Integer::sum);
    lostAtWall.put(node, at);
    how.put(node, cause);
    long lost = drillNow.getAsLong();
    lostDrillAt.put(node, lost);
    for (Scenario.ProcessDecl p : drill.scenario().processes()) {
      if (drill.nodeOf(p).equals(node)) {
        pidsLostAt.put(p.pid(), lost);
      }
    }
    Thread watcher = new Thread(() -> watch(node, at, cause, healsAt, generation), "downing-" + node);
    watcher.setDaemon(true);
    watcher.start();
  }

  private void watch(String node, long at, String cause, long healsAt, int generation) {
    try {
      long downed = members.awaitGone(node, 60_000, healsAt);
      if (generations.get(node) != generation) {
        return; // lost again since (a paused node crashed): the later loss's watcher speaks
      }
      if (members.selfDown()) {
        return; // the driver's own side went (the driver says so): it cannot tell what became of this node
      }
      if (downed == Membership.HEALED) {
        healed(node, at, cause, healsAt);
      } else if (downed < 0) {
        notes.note(0, node + " was NOT downed within 60 s");
      } else {
        notes.note(0, node + " downed by the split-brain resolver " + (downed - at) + " ms after " + cause
            + " (expected within " + expectedDowningMs + " ms)");
        if (members.awaitRemoved(node, 60_000) && !members.selfDown()) {
          removedAt.put(node, System.currentTimeMillis());
          notes.note(0, node + " removed from the cluster " + (removedAt.get(node) - at) + " ms after " + cause
              + " (the SBR downing time: kill -> member removed)");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The partition ended before the resolver decided: the node and its processes are back, nothing was lost. */
  private void healed(String node, long at, String cause, long healsAt) {
    long lostDrill = pidsLostAtOf(node);
    lostAtWall.remove(node);
    how.remove(node);
    for (Scenario.ProcessDecl p : drill.scenario().processes()) {
      if (drill.nodeOf(p).equals(node)) {
        pidsLostAt.remove(p.pid());
      }
    }
    long from = members.unreachableFrom(node);
    long to = members.reachableAgainAt(node);
    // on the drill axis: from the cut until the others saw the node again (or the cut's end, if later)
    long endWall = Math.max(to, healsAt);
    long nowDrill = drillNow.getAsLong();
    long scaledEnd = lostDrill + (long) ((endWall - at) * Math.max(drill.scale(), 0));
    healedCuts.add(new long[] {lostDrill, Math.min(nowDrill, Math.max(lostDrill, scaledEnd))});
    String what = cause.equals("SIGSTOP") ? "pause" : "partition";
    notes.note(0, node + " was not downed: the " + what + (what.equals("pause") ? " ended" : " healed")
        + " before the split-brain resolver decided"
        + (from > 0 ? " (unreachable from " + (from - at) + " to " + (to - at) + " ms after the " + what + " began)"
            : " (never seen unreachable)") + "; its processes go on");
  }

  /** When the node's processes were noted lost (drill ms), or now if it placed none. */
  private long pidsLostAtOf(String node) {
    for (Scenario.ProcessDecl p : drill.scenario().processes()) {
      if (drill.nodeOf(p).equals(node) && pidsLostAt.containsKey(p.pid())) {
        return pidsLostAt.get(p.pid());
      }
    }
    return lostDrillAt.getOrDefault(node, drillNow.getAsLong());
  }

  /** The pauses and partitions that healed before the resolver decided: [from, to] on the drill axis. */
  List<long[]> healedCuts() {
    synchronized (healedCuts) {
      return List.copyOf(healedCuts);
    }
  }

  /** The nodes lost and not healed. */
  Set<String> nodes() {
    return lostAtWall.keySet();
  }

  /** How the node was lost, or null if it was not. */
  String how(String node) {
    return how.get(node);
  }

  /** pid to when its node was lost (drill ms), for the processes lost so far. */
  Map<Integer, Long> pidsLostAt() {
    return pidsLostAt;
  }

  /**
   * After a restart that brought back {@code restarted} pids (done at wall time {@code done}): for each
   * lost node among theirs, prints both times and the verdict against twice the downing time.
   */
  void checkRestartTime(int step, List<Integer> restarted, long done) {
    Set<Integer> back = Set.copyOf(restarted);
    for (Map.Entry<String, Long> c : lostAtWall.entrySet()) {
      Long removed = removedAt.get(c.getKey());
      boolean hers = drill.scenario().processes().stream()
          .anyMatch(p -> back.contains(p.pid()) && drill.nodeOf(p).equals(c.getKey()));
      if (removed == null || !hers) {
        continue;
      }
      long downing = removed - c.getValue();
      long after = done - c.getValue();
      String verdict = after <= 2 * downing ? "PASS" : "FAIL";
      notes.note(step, String.format(Locale.ROOT, "%s restart time: %s's processes run again %d ms after %s; "
          + "SBR downing time (kill -> removed) %d ms; ratio %.2f of 2 x downing time (%d ms)", verdict, c.getKey(), after,
          how.get(c.getKey()), downing, after / (2.0 * downing), 2 * downing));
      if (verdict.equals("FAIL")) {
        timingProblems.add(c.getKey() + "'s processes ran again " + after + " ms after it was lost, more than twice the "
            + "downing time (" + 2 * downing + " ms)");
      }
    }
  }

  List<String> timingProblems() {
    return timingProblems;
  }
}
