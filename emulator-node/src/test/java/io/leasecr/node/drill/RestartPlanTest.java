package io.leasecr.node.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.proto.image.Process;
import io.leasecr.proto.wire.ProcessSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RestartPlanTest {

  private static Process process(int pid) {
    return Process.newBuilder().setSpec(ProcessSpec.newBuilder().setPid(pid)).build();
  }

  private static final Process P1 = process(101);
  private static final Process P3 = process(103);
  /** P1 (on n1) has file 11 open, whose table is on n1; P3 (on n3) file 13, on n3. */
  private static final Map<Process, String> NODE = Map.of(P1, "n1", P3, "n3");
  private static final Map<Process, Set<Long>> FILES = Map.of(P1, Set.of(11L), P3, Set.of(13L));

  private static RestartPlan plan(boolean allTables) {
    Map<Long, String> tables = new LinkedHashMap<>();
    tables.put(11L, "n1");
    tables.put(13L, "n3");
    return new RestartPlan(tables, List.of(P1, P3), NODE::get, FILES::get, allTables, 2500);
  }

  @Test
  void aNodeStartsItsProcessesOnceTheirTablesAreConfirmedNotEveryNodes() {
    RestartPlan plan = plan(false);
    assertThat(plan.nodes()).containsExactly("n1", "n3");
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(11L)));
    assertThat(plan.next("n3")).isEqualTo(new RestartPlan.Tables(List.of(13L)));
    assertThat(plan.next("n1")).as("n1's table is not confirmed yet").isNull();
    plan.tablesAnswered(List.of(11L), List.of(11L));
    assertThat(plan.tablesSettledAt()).isZero();
    assertThat(plan.next("n3")).as("n3's table is still out").isNull();
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Processes(List.of(P1)));
    assertThat(plan.next("n1")).isNull();
    plan.tablesAnswered(List.of(13L), List.of(13L));
    assertThat(plan.tablesSettledAt()).isPositive();
    assertThat(plan.next("n3")).isEqualTo(new RestartPlan.Processes(List.of(P3)));
    assertThat(plan.gaveUp()).isEmpty();
  }

  @Test
  void aProcessBlockedInACallMakesEveryProcessWaitForEveryTable() {
    RestartPlan plan = plan(true);
    plan.next("n1");
    plan.next("n3");
    plan.tablesAnswered(List.of(11L), List.of(11L));
    assertThat(plan.next("n1")).as("n3's table is not confirmed yet").isNull();
    plan.tablesAnswered(List.of(13L), List.of(13L));
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Processes(List.of(P1)));
  }

  @Test
  void anUnconfirmedTableGoesAgainAndIsGivenUpOnAfterThreeSendsThenItsProcessesGo() {
    RestartPlan plan = plan(false);
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(11L)));
    plan.tablesAnswered(List.of(11L), List.of()); // answered without it
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(11L)));
    plan.tablesAnswered(List.of(11L), List.of()); // lost
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(11L)));
    assertThat(plan.gaveUp()).isEmpty();
    plan.tablesAnswered(List.of(11L), List.of());
    assertThat(plan.gaveUp()).containsExactly(11L);
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Processes(List.of(P1)));
  }

  @Test
  void batchesHoldAtMostTheirSizeInOrderAndAFileNoTableRestoresIsNotWaitedFor() {
    Map<Long, String> tables = new LinkedHashMap<>();
    for (long ino = 1; ino <= 5; ino++) {
      tables.put(ino, "n1");
    }
    Process loner = process(200);
    RestartPlan plan = new RestartPlan(tables, List.of(P1, loner), p -> "n1",
        p -> p == loner ? Set.of(99L) : Set.of(1L), false, 2);
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(1L, 2L)));
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(3L, 4L)));
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Tables(List.of(5L)));
    assertThat(plan.next("n1")).as("table 1 is not confirmed").isNull();
    plan.tablesAnswered(List.of(1L, 2L), List.of(1L, 2L));
    assertThat(plan.next("n1")).isEqualTo(new RestartPlan.Processes(List.of(P1, loner)));

    RestartPlan alone = new RestartPlan(Map.of(), List.of(loner), p -> "n3", p -> Set.of(99L), false, 2);
    assertThat(alone.tablesSettledAt()).isPositive();
    assertThat(alone.next("n3")).isEqualTo(new RestartPlan.Processes(List.of(loner)));
  }
}
