package io.leasecr.node.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The drill's check that every call a step made was answered (it returned or slept). */
class InvariantsTest {

  private static TraceEvent ev(long t, String kind, int pid, int step) {
    return new TraceEvent(t, kind, pid, "P" + pid, step, "open", Map.of(), kind.equals("return") ? 3L : null, null);
  }

  private static List<String> check(List<TraceEvent> events, Map<Integer, Long> lostAt, long endMs) {
    return Invariants.check(events, lostAt, Map.of(), Set.of(), Invariants.TOLERANCE_MS, List.of(), 1000, endMs);
  }

  @Test
  void aCallWithNeitherReturnNorSleepIsNeverAnswered() {
    List<TraceEvent> events = List.of(ev(1000, "enter", 102, 4), ev(1200, "return", 102, 4), ev(3033, "enter", 102, 5));
    assertThat(check(events, Map.of(), 14_000)).containsExactly("P102[102]'s open (step 5, made at 3.033s) was never "
        + "answered: no return and no sleep (its request or its answer lost?)");
    // answered: returned, or asleep (a sleeper is the blocked-opener check's)
    assertThat(check(List.of(ev(3033, "enter", 102, 5), ev(8258, "return", 102, 5)), Map.of(), 14_000)).isEmpty();
    assertThat(check(List.of(ev(3033, "enter", 102, 5), ev(3040, "block", 102, 5), ev(9000, "return", 102, 5)),
        Map.of(), 14_000)).isEmpty();
  }

  @Test
  void aCallMadeLateOrByALostOrDeadProcessIsNotCounted() {
    List<TraceEvent> late = List.of(ev(10_000, "enter", 102, 5));
    assertThat(check(late, Map.of(), 14_000)).isEmpty(); // within the last 5 s of the run
    assertThat(check(late, Map.of(), 15_001)).hasSize(1);
    assertThat(check(List.of(ev(3033, "enter", 102, 5)), Map.of(102, 2000L), 14_000)).isEmpty(); // lost with its node
    assertThat(check(List.of(ev(3033, "enter", 102, 5), ev(3100, "exit", 102, 0)), Map.of(), 14_000)).isEmpty();
    assertThat(check(List.of(ev(3033, "enter", 102, 0)), Map.of(), 14_000)).isEmpty(); // a reaction's call
  }
}
