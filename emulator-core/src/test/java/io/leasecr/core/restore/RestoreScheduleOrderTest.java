package io.leasecr.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lowest ready pid goes first, however the processes arrive (the schedule's heap), and a model file's values
 * are the ones used (issue 20: survivors of the restore package's mutation testing).
 */
class RestoreScheduleOrderTest {

  @Test
  void oneAtATimeTheyAreRestoredInPidOrderWhateverTheInputOrder() {
    RestartCostModel serial = new RestartCostModel("serial", 0, 100, 0, 0, 0, 1, 0, 0);
    List<RestoreSchedule.Proc> procs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      procs.add(new RestoreSchedule.Proc(200 + i, 1, 0, 0, 0));
    }
    for (long shuffle = 1; shuffle <= 3; shuffle++) {
      Collections.shuffle(procs, new Random(shuffle));
      RestoreSchedule s = RestoreSchedule.plan(serial, procs, 0, 1);
      for (int i = 0; i < 40; i++) {
        assertThat(s.doneUs().get(200 + i)).as("pid %d", 200 + i).isEqualTo(100L * (i + 1));
      }
      assertThat(s.makespanUs()).isEqualTo(4000);
    }
  }

  @Test
  void childrenReadyTogetherGoInPidOrderBehindTheRootsStillWaiting() {
    // root 100 with children 150, 120, 130; independent roots 110 and 140: after 100, the ready set is
    // {110, 120, 130, 140, 150}, taken lowest first
    RestartCostModel serial = new RestartCostModel("serial", 0, 10, 0, 0, 0, 1, 0, 0);
    List<RestoreSchedule.Proc> procs = List.of(new RestoreSchedule.Proc(150, 100, 0, 0, 0),
        new RestoreSchedule.Proc(140, 1, 0, 0, 0), new RestoreSchedule.Proc(130, 100, 0, 0, 0),
        new RestoreSchedule.Proc(120, 100, 0, 0, 0), new RestoreSchedule.Proc(110, 1, 0, 0, 0),
        new RestoreSchedule.Proc(100, 1, 0, 0, 0));
    RestoreSchedule s = RestoreSchedule.plan(serial, procs, 0, 1);
    assertThat(s.doneUs()).containsEntry(100, 10L).containsEntry(110, 20L).containsEntry(120, 30L)
        .containsEntry(130, 40L).containsEntry(140, 50L).containsEntry(150, 60L);
  }

  @Test
  void aModelFileIsReadWithItsOwnValuesAndDefaultIsTheShippedModel(@TempDir Path dir) throws Exception {
    assertThat(RestartCostModel.load("default")).isSameAs(RestartCostModel.defaults());
    Path file = dir.resolve("fitted.conf");
    Files.writeString(file, "restart-cost { source = \"fitted here\", base-us = 1.5, per-process-us = 2, per-file-us = 3,"
        + " per-lease-us = 4, per-lock-us = 5, parallelism = 3, load-slowdown = 0.5, jitter = 0.25 }");
    assertThat(RestartCostModel.load(file.toString()))
        .isEqualTo(new RestartCostModel("fitted here", 1.5, 2, 3, 4, 5, 3, 0.5, 0.25));
    Path unnamed = dir.resolve("unnamed.conf");
    Files.writeString(unnamed, "restart-cost { base-us = 0, per-process-us = 0, per-file-us = 0, per-lease-us = 0,"
        + " per-lock-us = 0, parallelism = 1, load-slowdown = 0, jitter = 0 }");
    assertThat(RestartCostModel.load(unnamed.toString()).source()).isEqualTo(unnamed.toString());
  }
}
