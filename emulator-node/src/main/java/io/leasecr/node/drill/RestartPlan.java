package io.leasecr.node.drill;

import io.leasecr.proto.image.Process;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The order of a batched restart's first round, node by node: a node's lease-table batches first, then its
 * process batches, each as soon as every table its processes have open is settled (confirmed, or given up on
 * after {@link #MAX_SENDS} sends), not once every node's tables are (the nodes of a 100k drill finished their
 * tables 0.2-1.2 s apart, the first one idle meanwhile). With {@code allTables} (a restored process was blocked
 * in a call, whose file need not be one it has open) every process batch waits for every table. A table batch
 * that comes back with tables unconfirmed (or is lost) queues them again on their node. Not thread-safe: the
 * driver's restart thread alone uses it.
 */
final class RestartPlan {

  /** How often one table is sent in all before the processes go without it. */
  static final int MAX_SENDS = 3;

  /** What a node gets next. */
  sealed interface Part {}

  record Tables(List<Long> inos) implements Part {}

  record Processes(List<Process> processes) implements Part {}

  private final Map<Long, String> tableNode;
  private final boolean allTables;
  private final int batch;
  private final Map<String, ArrayDeque<List<Long>>> tables = new LinkedHashMap<>();
  private final Map<String, ArrayDeque<List<Process>>> processes = new LinkedHashMap<>();
  /** Each process batch's tables, by identity of the batch's list (found when it is first looked at). */
  private final Map<List<Process>, Set<Long>> needs = new IdentityHashMap<>();
  private final Function<Process, Set<Long>> inosOf;
  private final Set<Long> unsettled;
  private final Map<Long, Integer> sends = new HashMap<>();
  private final List<Long> gaveUp = new ArrayList<>();
  private long tablesSettledAt;

  /**
   * {@code tableNode}: each table's node, in the order to send; {@code processes} in the order to send, and
   * {@code nodeOf} each one's node; {@code inosOf}: the inodes a process has open; {@code batch}: the most
   * entities in one batch.
   */
  RestartPlan(Map<Long, String> tableNode, List<Process> processes, Function<Process, String> nodeOf,
      Function<Process, Set<Long>> inosOf, boolean allTables, int batch) {
    this.tableNode = tableNode;
    this.allTables = allTables;
    this.batch = batch;
    this.inosOf = inosOf;
    this.unsettled = new HashSet<>(tableNode.keySet());
    Map<String, List<Long>> tablesByNode = new LinkedHashMap<>();
    tableNode.forEach((ino, node) -> tablesByNode.computeIfAbsent(node, k -> new ArrayList<>()).add(ino));
    tablesByNode.forEach(this::queueTables);
    Map<String, List<Process>> byNode = new LinkedHashMap<>();
    processes.forEach(p -> byNode.computeIfAbsent(nodeOf.apply(p), k -> new ArrayList<>()).add(p));
    byNode.forEach((node, ps) -> {
      for (int from = 0; from < ps.size(); from += batch) {
        this.processes.computeIfAbsent(node, k -> new ArrayDeque<>())
            .add(List.copyOf(ps.subList(from, Math.min(ps.size(), from + batch))));
      }
    });
    if (unsettled.isEmpty()) {
      tablesSettledAt = System.currentTimeMillis();
    }
  }

  private void queueTables(String node, List<Long> inos) {
    for (int from = 0; from < inos.size(); from += batch) {
      tables.computeIfAbsent(node, k -> new ArrayDeque<>())
          .add(List.copyOf(inos.subList(from, Math.min(inos.size(), from + batch))));
    }
  }

  /**
   * The tables a process batch waits for: those its processes have open (a file no table restores is nothing
   * to wait for). Found when the batch is first looked at, while the tables are out: 0.25 s for 33k processes
   * on the driver, which the restart waited for when they were found up front.
   */
  private Set<Long> tablesOf(List<Process> part) {
    Set<Long> mine = new HashSet<>();
    part.forEach(p -> mine.addAll(inosOf.apply(p)));
    mine.retainAll(tableNode.keySet());
    return mine;
  }

  /** The nodes with something to send, those with tables first. */
  Set<String> nodes() {
    Set<String> all = new LinkedHashSet<>(tables.keySet());
    all.addAll(processes.keySet());
    return all;
  }

  /** The node's next part: a table batch, or else its next process batch once that one's tables settled; or null. */
  Part next(String node) {
    ArrayDeque<List<Long>> t = tables.get(node);
    if (t != null && !t.isEmpty()) {
      List<Long> part = t.poll();
      part.forEach(ino -> sends.merge(ino, 1, Integer::sum));
      return new Tables(part);
    }
    ArrayDeque<List<Process>> p = processes.get(node);
    if (p == null || p.isEmpty()) {
      return null;
    }
    boolean ready = allTables ? unsettled.isEmpty()
        : needs.computeIfAbsent(p.peek(), this::tablesOf).stream().noneMatch(unsettled::contains);
    return ready ? new Processes(p.poll()) : null;
  }

  /**
   * A table batch came back with {@code confirmed} (empty if it was lost): those settle; the others of the batch
   * are queued again on their node, or given up on once sent {@link #MAX_SENDS} times.
   */
  void tablesAnswered(List<Long> inos, List<Long> confirmed) {
    confirmed.forEach(unsettled::remove);
    Map<String, List<Long>> again = new LinkedHashMap<>();
    for (long ino : inos) {
      if (!unsettled.contains(ino)) {
        continue;
      }
      if (sends.getOrDefault(ino, 0) >= MAX_SENDS) {
        unsettled.remove(ino);
        gaveUp.add(ino);
      } else {
        again.computeIfAbsent(tableNode.get(ino), k -> new ArrayList<>()).add(ino);
      }
    }
    again.forEach(this::queueTables);
    if (unsettled.isEmpty() && tablesSettledAt == 0) {
      tablesSettledAt = System.currentTimeMillis();
    }
  }

  /** The tables given up on. */
  List<Long> gaveUp() {
    return gaveUp;
  }

  /** Wall ms the last table settled, or 0. */
  long tablesSettledAt() {
    return tablesSettledAt;
  }
}
