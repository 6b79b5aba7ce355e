package io.leasecr.node.drill;

import io.leasecr.core.trace.TraceEvent;
import io.leasecr.node.cluster.EmulatorSharding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Remember-entities at work, read from the node traces: the lost processes whose entity sharding started
 * again on another node by itself, before the drill's restart reached it (a restore would start it too).
 */
final class RememberedEntities {

  private RememberedEntities() {}

  /** {@code lostAt}: pid to when its node was lost; {@code restartedAt}: pid to when its restart began (drill ms). */
  static Optional<String> summary(List<TraceEvent> all, Map<Integer, Long> lostAt, Map<Integer, Long> restartedAt) {
    if (lostAt.isEmpty()) {
      return Optional.empty();
    }
    Map<String, List<Long>> after = new TreeMap<>();
    for (TraceEvent e : all) {
      Long lost = lostAt.get(e.pid());
      Long restarted = restartedAt.get(e.pid());
      if (lost != null && e.t() > lost && (restarted == null || e.t() < restarted) && e.kind().equals("note")
          && String.valueOf(e.arg("text")).startsWith(EmulatorSharding.ENTITY_STARTED)) {
        after.computeIfAbsent(String.valueOf(e.arg("node")), n -> new ArrayList<>()).add(e.t() - lost);
      }
    }
    int back = after.values().stream().mapToInt(List::size).sum();
    LongSummaryStatistics when = after.values().stream().flatMap(List::stream).mapToLong(Long::longValue)
        .summaryStatistics();
    String where = back == 0 ? " (the restart came first)"
        : " (on " + after.entrySet().stream().map(en -> en.getKey() + ": " + en.getValue().size()).toList() + ", "
            + Invariants.secs(when.getMin()) + (when.getMax() == when.getMin() ? "" : " to " + Invariants.secs(when.getMax()))
            + " after their node was lost)";
    return Optional.of(String.format(Locale.ROOT, "remember-entities: sharding had started %d of the %d lost processes' "
        + "entities again before the restart reached them%s", back, lostAt.size(), where));
  }
}
