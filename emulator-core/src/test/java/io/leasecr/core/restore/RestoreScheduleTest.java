package io.leasecr.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreScheduleTest {

  /** 100 us per process, nothing else, two at once, no jitter: easy to count by hand. */
  private static final RestartCostModel PLAIN = new RestartCostModel("test", 0, 100, 0, 0, 0, 2, 0.5, 0);

  private static List<RestoreSchedule.Proc> flat(int n) {
    List<RestoreSchedule.Proc> procs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      procs.add(new RestoreSchedule.Proc(100 + i, 1, 0, 0, 0));
    }
    return procs;
  }

  @Test
  void independentProcessesRunParallelismAtATime() {
    RestoreSchedule s = RestoreSchedule.plan(PLAIN, flat(10), 0, 1);
    assertThat(s.makespanUs()).isEqualTo(500); // 10 processes, 2 at a time, 100 us each
    assertThat(s.doneUs().get(100)).isEqualTo(100);
    assertThat(s.doneUs().get(109)).isEqualTo(500);
  }

  @Test
  void aChildIsRestoredOnlyAfterItsParent() {
    // a chain 100 <- 101 <- 102: parallelism cannot help
    List<RestoreSchedule.Proc> chain = List.of(new RestoreSchedule.Proc(100, 1, 0, 0, 0),
        new RestoreSchedule.Proc(101, 100, 0, 0, 0), new RestoreSchedule.Proc(102, 101, 0, 0, 0));
    RestoreSchedule s = RestoreSchedule.plan(PLAIN, chain, 0, 1);
    assertThat(s.doneUs()).containsEntry(100, 100L).containsEntry(101, 200L).containsEntry(102, 300L);
    assertThat(s.makespanUs()).isEqualTo(300);
  }

  @Test
  void filesLeasesLocksAndLoadCost() {
    RestartCostModel m = new RestartCostModel("test", 1000, 100, 10, 20, 5, 2, 0.5, 0);
    RestoreSchedule one = RestoreSchedule.plan(m, List.of(new RestoreSchedule.Proc(100, 1, 3, 1, 2)), 0, 1);
    assertThat(one.makespanUs()).isEqualTo(1000 + 100 + 30 + 20 + 10);
    // 4 busy threads on 2 cores: every process's cost doubles (1 + 0.5 * 4 / 2); the base does not
    RestoreSchedule loaded = RestoreSchedule.plan(m, List.of(new RestoreSchedule.Proc(100, 1, 3, 1, 2)), 4, 1);
    assertThat(loaded.makespanUs()).isEqualTo(1000 + 2 * (100 + 30 + 20 + 10));
  }

  @Test
  void jitterIsSeededAndAveragesToTheModel() {
    RestartCostModel jittery = new RestartCostModel("test", 0, 100, 0, 0, 0, 1, 0, 0.3);
    RestoreSchedule a = RestoreSchedule.plan(jittery, flat(10_000), 0, 7);
    RestoreSchedule b = RestoreSchedule.plan(jittery, flat(10_000), 0, 7);
    RestoreSchedule c = RestoreSchedule.plan(jittery, flat(10_000), 0, 8);
    assertThat(a).isEqualTo(b);
    assertThat(c.doneUs()).isNotEqualTo(a.doneUs());
    // one at a time: the makespan is the sum of 10k costs of mean 100 us
    assertThat(a.makespanUs()).isBetween(980_000L, 1_020_000L);
  }

  @Test
  void aParentCycleDoesNotHangTheRestore() {
    List<RestoreSchedule.Proc> cycle = List.of(new RestoreSchedule.Proc(100, 101, 0, 0, 0),
        new RestoreSchedule.Proc(101, 100, 0, 0, 0));
    RestoreSchedule s = RestoreSchedule.plan(PLAIN, cycle, 0, 1);
    assertThat(s.doneUs()).containsOnlyKeys(100, 101);
    assertThat(s.makespanUs()).isEqualTo(200);
  }

  @Test
  void theShippedDefaultsLoadAndSayWhereTheyCameFrom() {
    RestartCostModel m = RestartCostModel.defaults();
    assertThat(m.perProcessUs()).isPositive();
    assertThat(m.parallelism()).isPositive();
    assertThat(m.source()).isNotBlank();
  }

  @Test
  void aBadModelFileNamesTheFileAndTheProblem(@TempDir Path dir) throws IOException {
    Path missingKey = dir.resolve("m.conf");
    Files.writeString(missingKey, "restart-cost { base-us = 1, per-process-us = 2 }");
    assertThatThrownBy(() -> RestartCostModel.load(missingKey.toString()))
        .isInstanceOf(RestartCostModel.BadModel.class).hasMessageContaining("m.conf").hasMessageContaining("per-file-us");
    Path negative = dir.resolve("n.conf");
    Files.writeString(negative, "restart-cost { base-us = 1, per-process-us = -2, per-file-us = 1, per-lease-us = 1,"
        + " per-lock-us = 1, parallelism = 2, load-slowdown = 0.5, jitter = 0.1 }");
    assertThatThrownBy(() -> RestartCostModel.load(negative.toString())).hasMessageContaining(">= 0");
    assertThatThrownBy(() -> RestartCostModel.load(dir.resolve("none.conf").toString()))
        .hasMessageContaining("no such file");
  }
}
