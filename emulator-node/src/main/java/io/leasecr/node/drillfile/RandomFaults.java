package io.leasecr.node.drillfile;

import io.leasecr.core.scenario.YamlNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A random nemesis schedule from a seed ({@code faults: {seed: 7, count: 6, kinds: [pause, crash, partition,
 * journal, skew], within: 40s, from: 2s, on: [n2, n3]}}), expanded to concrete drill steps: the same seed
 * always gives the same steps (java.util.Random's sequence is fixed by its specification), which the drill
 * prints, so a failing run can be replayed or written down as plain steps. The schedule keeps a majority:
 * at any time at most (nodes - 1) / 2 of the drill's nodes are crashed, paused or cut off (a long pause or
 * partition counts as a crash: the node is downed); one journal outage at a time.
 */
final class RandomFaults {

  static final List<String> KINDS = List.of("pause", "crash", "partition", "journal", "skew");
  private static final Set<String> KEYS = Set.of("seed", "count", "kinds", "within", "from", "on");

  /** One step of the schedule; {@code forMs}/{@code byMs} 0 when the kind takes none. */
  record Planned(long atMs, String verb, String target, long forMs, long byMs) {

    /** As a line of a drill file. */
    String text() {
      return "- {at: " + secs(atMs) + ", " + verb + ": " + target + (forMs > 0 ? ", for: " + secs(forMs) : "")
          + (byMs != 0 ? ", by: " + secs(byMs) : "") + "}";
    }

    /** As a step of the tree, placed on the line of the 'faults:' section. */
    YamlNode node(YamlNode faults) {
      List<String> kv = new ArrayList<>(List.of("at", secs(atMs), verb, target));
      if (forMs > 0) {
        kv.addAll(List.of("for", secs(forMs)));
      }
      if (byMs != 0) {
        kv.addAll(List.of("by", secs(byMs)));
      }
      return YamlNode.of(faults.file(), DrillParser.map(faults.node().getStartMark(), kv.toArray(String[]::new)),
          "a step of the random schedule");
    }
  }

  private final long seed;
  private final int count;
  private final List<String> kinds;
  private final long fromMs;
  private final long withinMs;
  private final List<String> targets;
  private final int nodeCount;

  private RandomFaults(long seed, int count, List<String> kinds, long fromMs, long withinMs, List<String> targets,
      int nodeCount) {
    this.seed = seed;
    this.count = count;
    this.kinds = kinds;
    this.fromMs = fromMs;
    this.withinMs = withinMs;
    this.targets = targets;
    this.nodeCount = nodeCount;
  }

  static RandomFaults parse(YamlNode node, List<String> nodes) {
    Map<String, YamlNode> m = node.map(KEYS);
    for (String k : List.of("seed", "count", "within")) {
      if (!m.containsKey(k)) {
        throw node.error("faults needs 'seed', 'count' and 'within' (e.g. faults: {seed: 7, count: 5, within: 30s}), "
            + "'" + k + "' is missing");
      }
    }
    long seed = m.get("seed").integer();
    int count = m.get("count").intValue();
    if (count < 1 || count > 1000) {
      throw m.get("count").error("faults: count must be 1..1000, got " + count);
    }
    List<String> kinds = new ArrayList<>();
    if (m.containsKey("kinds")) {
      for (YamlNode k : m.get("kinds").list()) {
        if (!KINDS.contains(k.text())) {
          throw k.error("faults: unknown kind '" + k.text() + "' (kinds: " + String.join(", ", KINDS) + ")");
        }
        if (!kinds.contains(k.text())) {
          kinds.add(k.text());
        }
      }
      if (kinds.isEmpty()) {
        throw m.get("kinds").error("faults: kinds needs at least one of " + String.join(", ", KINDS));
      }
    } else {
      kinds.addAll(KINDS);
    }
    long from = m.containsKey("from") ? m.get("from").millis() : 1000;
    long within = m.get("within").millis();
    if (from < 0 || within <= from) {
      throw m.get("within").error("faults: 'within' must come after 'from' (" + from + " ms), got " + within + " ms");
    }
    List<String> on = new ArrayList<>();
    if (m.containsKey("on")) {
      for (YamlNode n : m.get("on").list()) {
        if (!nodes.contains(n.text())) {
          throw n.error("no node '" + n.text() + "' (nodes: " + String.join(", ", nodes) + ")");
        }
        on.add(n.text());
      }
    } else {
      on.addAll(nodes);
    }
    return new RandomFaults(seed, count, List.copyOf(kinds), from, within, List.copyOf(on), nodes.size());
  }

  /** The line over the printed schedule: the seed, and how many of the faults asked for could be placed. */
  String header(int placed) {
    return "(seed " + seed + "): " + (placed == count ? count + " faults" : placed + " of " + count
        + " faults (the others would have lost the majority or overlapped an outage)") + " from " + secs(fromMs)
        + " to " + secs(withinMs) + ", kinds " + kinds + (targets.size() < nodeCount ? " on " + targets : "")
        + "; as drill steps:";
  }

  /** The schedule, in time order. */
  List<Planned> plan() {
    Random r = new Random(seed);
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      times.add(fromMs + Math.round((withinMs - fromMs) * r.nextDouble() / 100.0) * 100);
    }
    times.sort(null);
    int budget = (nodeCount - 1) / 2; // nodes that may be out at once and the majority still stand
    Set<String> lost = new HashSet<>(); // crashed, or paused/cut off long enough to be downed
    Map<String, Long> busyUntil = new HashMap<>(); // a short pause or partition, until it has healed
    long journalBusyUntil = -1;
    List<Planned> out = new ArrayList<>();
    for (long at : times) {
      List<String> free = new ArrayList<>();
      long outNow = lost.size();
      for (String n : targets) {
        if (lost.contains(n)) {
          continue;
        }
        if (busyUntil.getOrDefault(n, -1L) > at) {
          outNow++;
        } else {
          free.add(n);
        }
      }
      List<String> possible = new ArrayList<>();
      for (String k : kinds) {
        boolean nodeFault = !k.equals("journal") && !k.equals("skew");
        if (k.equals("journal") ? journalBusyUntil <= at
            : k.equals("skew") ? !free.isEmpty() : nodeFault && !free.isEmpty() && outNow < budget) {
          possible.add(k);
        }
      }
      if (possible.isEmpty()) {
        continue; // nothing may happen now without losing the majority (or a second outage at once)
      }
      String kind = possible.get(r.nextInt(possible.size()));
      switch (kind) {
        case "journal" -> {
          long d = 2000 + 100L * r.nextInt(41); // 2-6 s
          journalBusyUntil = at + d + 1000;
          out.add(new Planned(at, "journal", "down", d, 0));
        }
        case "skew" -> {
          String n = free.get(r.nextInt(free.size()));
          long by = (200 + 100L * r.nextInt(19)) * (r.nextBoolean() ? 1 : -1); // 0.2-2 s either way
          out.add(new Planned(at, "skew", n, 0, by));
        }
        case "crash" -> {
          String n = free.get(r.nextInt(free.size()));
          lost.add(n);
          out.add(new Planned(at, "crash", n, 0, 0));
        }
        default -> { // pause, partition: mostly short (heals), sometimes long enough to be downed
          String n = free.get(r.nextInt(free.size()));
          boolean longOne = r.nextInt(4) == 0;
          long d = longOne ? 10_000 + 100L * r.nextInt(31) : 1000 + 100L * r.nextInt(21); // 10-13 s or 1-3 s
          if (longOne) {
            lost.add(n);
          } else {
            busyUntil.put(n, at + d + 4000); // healed: reachable again and seen so by the drill
          }
          out.add(new Planned(at, kind, n, d, 0));
        }
      }
    }
    return out;
  }

  static String secs(long ms) {
    return BigDecimal.valueOf(ms).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
  }
}
