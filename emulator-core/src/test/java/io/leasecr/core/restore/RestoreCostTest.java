package io.leasecr.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.image.Process;
import io.leasecr.proto.wire.ProcessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's restore timing from its configuration, and the plan it makes for an image: what each process holds
 * (fds, leases, POSIX locks counted by holder), when each is back in emulated milliseconds, when the tree runs
 * (issue 20: this class had no test of its own; the scenario library runs restores off).
 */
class RestoreCostTest {

  /** base 1000 us, per process 500, per file 100, per lease 1000, per lock 2000; one at a time; no jitter. */
  private static final RestartCostModel MODEL = new RestartCostModel("test", 1000, 500, 100, 1000, 2000, 1, 0.5, 0);

  private static Config restore(String model, int busy, long seed) {
    return ConfigFactory.parseMap(Map.of("lease-cr.restore.cost-model", model, "lease-cr.restore.busy-threads", busy,
        "lease-cr.restore.seed", seed));
  }

  private static Process proc(int pid, int ppid, int fds) {
    Process.Builder p = Process.newBuilder().setSpec(ProcessSpec.newBuilder().setPid(pid).setPpid(ppid).setName("P" + pid));
    for (int fd = 0; fd < fds; fd++) {
      p.putFds(3 + fd, 1000L + fd);
    }
    return p.build();
  }

  /** P101 (root, 2 fds, a lease and a POSIX lock) and its child P102 (nothing). */
  private static final CheckpointImage IMAGE = CheckpointImage.newBuilder()
      .addProcesses(proc(101, 1, 2)).addProcesses(proc(102, 101, 0))
      .addLeases(Lease.newBuilder().setFileId(1000).setPid(101))
      .addPosixLocks(PosixLock.newBuilder().setIno(7).setPid(101))
      .build();

  @Test
  void offMeansInstantRestarts() {
    assertThat(RestoreCost.fromConfig(restore("off", 0, -1), 5)).isNull();
    assertThat(RestoreCost.fromConfig(restore("off", 4, 9), 5)).as("off whatever the load").isNull();
  }

  @Test
  void theModelTheLoadAndTheSeedComeFromTheConfiguration(@TempDir Path dir) throws Exception {
    RestoreCost shipped = RestoreCost.fromConfig(restore("default", 3, -1), 42);
    assertThat(shipped.model()).isEqualTo(RestartCostModel.defaults());
    assertThat(shipped.busyThreads()).isEqualTo(3);
    assertThat(shipped.seed()).as("-1: the scenario's seed").isEqualTo(42);
    assertThat(RestoreCost.fromConfig(restore("default", 0, 0), 42).seed()).as("0 is a seed").isZero();
    assertThat(RestoreCost.fromConfig(restore("default", 0, 9), 42).seed()).isEqualTo(9);
    Path file = dir.resolve("cost.conf");
    Files.writeString(file, "restart-cost { base-us = 1, per-process-us = 2, per-file-us = 3, per-lease-us = 4,"
        + " per-lock-us = 5, parallelism = 6, load-slowdown = 0.25, jitter = 0 }");
    RestoreCost fromFile = RestoreCost.fromConfig(restore(file.toString(), 0, 1), 42);
    assertThat(fromFile.model()).isEqualTo(new RestartCostModel(file.toString(), 1, 2, 3, 4, 5, 6, 0.25, 0));
    assertThatThrownBy(() -> RestoreCost.fromConfig(restore("default", -1, 1), 42))
        .isInstanceOf(RestartCostModel.BadModel.class).hasMessageContaining("busy-threads must be >= 0, got -1");
  }

  @Test
  void aPlanCountsWhatEachProcessHoldsAndRoundsUpToMilliseconds() {
    // slowdown 1 + 0.5 * 2 / 1 = 2: P101 (500 + 2*100 + 1000 + 2000) * 2 = 7400 us, from 1000 to 8400 (without
    // its lease 6400, without its lock 4400: each counted); then its child P102 500 * 2 = 1000 us, to 9400
    RestoreCost cost = new RestoreCost(MODEL, 2, 7);
    RestoreCost.Pending p = cost.plan(IMAGE, IMAGE.getProcessesList(), 10_000, 1);
    assertThat(p.restoredAtMs()).isEqualTo(Map.of(101, 10_009L, 102, 10_010L));
    assertThat(p.resumeAtMs()).isEqualTo(10_010);
    assertThat(p.startMs()).isEqualTo(10_000);
    assertThat(p.processes()).isEqualTo(IMAGE.getProcessesList());
    assertThat(p.image()).isSameAs(IMAGE);
    // only the chosen: the child alone is a root then
    RestoreCost.Pending child = cost.plan(IMAGE, List.of(IMAGE.getProcesses(1)), 0, 1);
    assertThat(child.restoredAtMs()).isEqualTo(Map.of(102, 2L)); // 1000 + 1000 us
  }

  @Test
  void aRestoreThatHasBegunTakesAtLeastOneMillisecondAndWholeOnesUp() {
    RestartCostModel free = new RestartCostModel("free", 0, 0, 0, 0, 0, 1, 0, 0);
    assertThat(new RestoreCost(free, 0, 1).plan(IMAGE, IMAGE.getProcessesList(), 50, 1).restoredAtMs())
        .isEqualTo(Map.of(101, 51L, 102, 51L));
    RestartCostModel exact = new RestartCostModel("exact", 0, 1000, 0, 0, 0, 1, 0, 0);
    RestoreCost.Pending p = new RestoreCost(exact, 0, 1).plan(IMAGE, List.of(IMAGE.getProcesses(1)), 50, 1);
    assertThat(p.restoredAtMs()).isEqualTo(Map.of(102, 51L)); // exactly 1000 us: 1 ms, not 2
    RestartCostModel over = new RestartCostModel("over", 0, 1001, 0, 0, 0, 1, 0, 0);
    assertThat(new RestoreCost(over, 0, 1).plan(IMAGE, List.of(IMAGE.getProcesses(1)), 50, 1).resumeAtMs())
        .isEqualTo(52);
  }

  @Test
  void eachRestoreOfARunDrawsItsOwnJitterFromTheSeed() {
    RestartCostModel jittery = new RestartCostModel("j", 0, 100_000, 0, 0, 0, 1, 0, 0.5);
    RestoreCost cost = new RestoreCost(jittery, 0, 11);
    List<RestoreSchedule.Proc> procs = List.of(new RestoreSchedule.Proc(101, 1, 2, 1, 1),
        new RestoreSchedule.Proc(102, 101, 0, 0, 0));
    for (int n = 1; n <= 3; n++) {
      RestoreSchedule expected = RestoreSchedule.plan(jittery, procs, 0, 11 * 1_000_003L + n);
      RestoreCost.Pending p = cost.plan(IMAGE, IMAGE.getProcessesList(), 0, n);
      assertThat(p.resumeAtMs()).isEqualTo(Math.max(1, (expected.makespanUs() + 999) / 1000));
      assertThat(p.restoredAtMs().get(101)).isEqualTo(Math.max(1, (expected.doneUs().get(101) + 999) / 1000));
    }
    assertThat(cost.plan(IMAGE, IMAGE.getProcessesList(), 0, 1))
        .isEqualTo(cost.plan(IMAGE, IMAGE.getProcessesList(), 0, 1));
    assertThat(cost.plan(IMAGE, IMAGE.getProcessesList(), 0, 1).restoredAtMs())
        .isNotEqualTo(cost.plan(IMAGE, IMAGE.getProcessesList(), 0, 2).restoredAtMs());
  }
}
