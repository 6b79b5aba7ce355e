package io.leasecr.node.drill;

import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The drill's invariants, checked on the merged trace of every node (times on the drill's axis):
 * never two conflicting leases on one file at once; every blocked opener returns, or was lost with a
 * crashed node and restarted, and returns no later than its break's deadline plus the restart time
 * (plus a tolerance for real time); no committed checkpoint lost (checked by the runner).
 */
final class Invariants {

  static final long TOLERANCE_MS = 1000;

  private Invariants() {}

  static String secs(long ms) {
    return String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0);
  }

  /** {@code lostAt}: pid to when its node crashed; {@code restartMs}: pid to how long its restart took after the crash. */
  static List<String> check(List<TraceEvent> all, Map<Integer, Long> lostAt, Map<Integer, Long> restartMs) {
    return check(all, lostAt, restartMs, java.util.Set.of(), TOLERANCE_MS);
  }

  /**
   * {@code confirmed}: restarted pids the driver saw running (an idle restored process leaves no trace line);
   * {@code toleranceMs}: how late (emulated ms) a blocked opener may return past its bound.
   */
  static List<String> check(List<TraceEvent> all, Map<Integer, Long> lostAt, Map<Integer, Long> restartMs,
      java.util.Set<Integer> confirmed, long toleranceMs) {
    return check(all, lostAt, restartMs, confirmed, toleranceMs, List.of(), 0);
  }

  /**
   * {@code cuts}: pauses and partitions that healed, [from, to] on the drill axis; a blocked opener whose wait
   * overlaps one may have had its wake-up dropped by it, and the wake-up comes again when the opener asks
   * again, every {@code recheckMs}: its bound is then the cut's end plus that interval (plus the tolerance),
   * if later than the usual one.
   */
  static List<String> check(List<TraceEvent> all, Map<Integer, Long> lostAt, Map<Integer, Long> restartMs,
      java.util.Set<Integer> confirmed, long toleranceMs, List<long[]> cuts, long recheckMs) {
    return check(all, lostAt, restartMs, confirmed, toleranceMs, cuts, recheckMs, 0);
  }

  /** As above; {@code endMs}: when the run ended on the drill's axis (the last event's time if later). */
  static List<String> check(List<TraceEvent> all, Map<Integer, Long> lostAt, Map<Integer, Long> restartMs,
      java.util.Set<Integer> confirmed, long toleranceMs, List<long[]> cuts, long recheckMs, long endMs) {
    List<TraceEvent> events = new ArrayList<>(all);
    events.sort(Comparator.comparingLong(TraceEvent::t));
    List<String> violations = new ArrayList<>();
    conflictingLeases(events, violations);
    blockedOpeners(events, lostAt, restartMs, toleranceMs, cuts, recheckMs, violations);
    unanswered(events, lostAt, endMs, violations);
    java.util.Set<Integer> ran = new java.util.HashSet<>();
    for (TraceEvent e : events) {
      Long lost = lostAt.get(e.pid());
      if (lost != null && e.t() > lost && !e.proc().equals("kernel")) {
        ran.add(e.pid());
      }
    }
    for (Map.Entry<Integer, Long> r : restartMs.entrySet()) {
      if (ran.contains(r.getKey()) || confirmed.contains(r.getKey())) {
        continue;
      }
      long lost = lostAt.get(r.getKey());
      if (events.stream().noneMatch(e -> e.pid() == r.getKey() && e.t() > lost && !e.proc().equals("kernel"))) {
        violations.add("pid " + r.getKey() + " was restarted but never ran again");
      }
    }
    return violations;
  }

  /** How long before the end of the run a call must have been made to count as never answered. */
  static final long ANSWER_WINDOW_MS = 5000;

  /**
   * Every call a step made is answered: it returns or sleeps (a sleeping one is the blocked-opener check's).
   * One with neither, made at least {@link #ANSWER_WINDOW_MS} before the run's end, lost its request
   * or its answer (a cut drops both; the process sends the request again until an answer comes). Calls of
   * processes lost with their node, and of processes that exited or were killed, are not counted.
   */
  private static void unanswered(List<TraceEvent> events, Map<Integer, Long> lostAt, long endMs,
      List<String> violations) {
    if (events.isEmpty()) {
      return;
    }
    long end = Math.max(endMs, events.get(events.size() - 1).t());
    Map<String, TraceEvent> open = new java.util.LinkedHashMap<>();
    java.util.Set<Integer> gone = new java.util.HashSet<>();
    for (TraceEvent e : events) {
      if (e.pid() == 0 || e.proc().equals("kernel") || e.proc().equals("drill")) {
        continue;
      }
      String key = e.pid() + "/" + e.step();
      switch (e.kind()) {
        case "enter" -> {
          if (e.step() > 0) {
            open.put(key, e);
          }
        }
        case "return", "block" -> open.remove(key);
        case "exit", "killed" -> gone.add(e.pid());
        default -> {
          // other events say nothing about an answer
        }
      }
    }
    for (TraceEvent c : open.values()) {
      if (lostAt.containsKey(c.pid()) || gone.contains(c.pid()) || c.t() > end - ANSWER_WINDOW_MS) {
        continue;
      }
      violations.add(c.proc() + "[" + c.pid() + "]'s " + c.call() + " (step " + c.step() + ", made at " + secs(c.t())
          + ") was never answered: no return and no sleep (its request or its answer lost?)");
    }
  }

  private static void conflictingLeases(List<TraceEvent> events, List<String> violations) {
    Map<String, Map<Integer, String>> holders = new HashMap<>();
    for (TraceEvent e : events) {
      if (!e.kind().equals("lease")) {
        continue;
      }
      Map<Integer, String> h = holders.computeIfAbsent(String.valueOf(e.arg("path")), p -> new HashMap<>());
      String change = String.valueOf(e.arg("change"));
      if (change.contains("removed")) {
        h.remove(e.pid());
      } else {
        h.put(e.pid(), String.valueOf(e.arg("type")));
      }
      if (h.size() > 1 && h.containsValue("WRITE")) {
        violations.add("two conflicting leases on " + e.arg("path") + " at " + secs(e.t()) + ": " + h);
      }
    }
  }

  /** When the last re-ask of {@code pid} held by fencing after a cut (ending at {@code from}) was applied; 0 if none. */
  private static long heldReaskApplied(List<TraceEvent> events, int pid, long from, long until) {
    long applied = 0;
    for (TraceEvent e : events) {
      if (e.kind().equals("note") && e.pid() == pid && e.t() >= from && e.t() <= until
          && e.arg("text") instanceof String text && text.startsWith("applied after a hold of ")
          && text.contains("re-ask of a blocked call")) {
        applied = Math.max(applied, e.t());
      }
    }
    return applied;
  }

  private static void blockedOpeners(List<TraceEvent> events, Map<Integer, Long> lostAt, Map<Integer, Long> restartMs,
      long toleranceMs, List<long[]> cuts, long recheckMs, List<String> violations) {
    for (int i = 0; i < events.size(); i++) {
      TraceEvent b = events.get(i);
      boolean retried = b.kind().equals("restart") && b.pid() != 0 && "restore".equals(b.arg("after"));
      if (!b.kind().equals("block") && !retried) {
        continue;
      }
      TraceEvent ret = null;
      long deadline = 0;
      for (int j = 0; j < events.size(); j++) {
        TraceEvent e = events.get(j);
        // the break this open caused is stamped on the table's node, a few ms after the block on the opener's
        // (and a skewed node's stamps are only as exact as its skew's note): allow the tolerance
        if (e.kind().equals("lease") && e.arg("deadline") instanceof Number d && e.t() <= b.t() + toleranceMs) {
          deadline = Math.max(deadline, d.longValue());
        }
        if (j > i && ret == null && e.kind().equals("return") && e.pid() == b.pid() && e.step() == b.step()) {
          ret = e;
        }
      }
      String what = b.proc() + "[" + b.pid() + "]'s " + b.call() + " (step " + b.step() + ", "
          + (retried ? "retried" : "blocked") + " at " + secs(b.t()) + ")";
      Long lost = lostAt.get(b.pid());
      if (ret == null) {
        if (lost != null && lost >= b.t()) {
          continue; // lost with its node; the restarted call is checked on its own
        }
        if (b.kind().equals("block")) {
          violations.add(what + " never returned");
        }
        continue;
      }
      long bound = deadline + restartMs.getOrDefault(b.pid(), 0L) + toleranceMs;
      String cutWords = "";
      for (long[] cut : cuts) {
        if (cut[0] <= bound && cut[1] >= b.t() && cut[1] + recheckMs + toleranceMs > bound) {
          bound = cut[1] + recheckMs + toleranceMs; // its wake-up may have been dropped: it comes at the next re-ask
          cutWords = " (a cut until " + secs(cut[1]) + " plus the re-ask interval)";
          // fencing holds that re-ask until the healed node is reachable again and every member has seen it
          // (docs/drill-format.md, "Fencing"): then its answer comes when the hold ends
          long applied = heldReaskApplied(events, b.pid(), cut[1], ret.t());
          if (applied + toleranceMs > bound) {
            bound = applied + toleranceMs;
            cutWords = " (a cut until " + secs(cut[1]) + ", its re-ask held by fencing until " + secs(applied) + ")";
          }
        }
      }
      if (deadline > 0 && ret.t() > bound) {
        violations.add(what + " returned at " + secs(ret.t()) + ", after its deadline plus restart time "
            + secs(bound) + cutWords);
      }
    }
  }
}
