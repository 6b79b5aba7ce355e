package io.leasecr.node.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceJson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A large tree started in slices under ProcessGroups (lease-cr.process.spawn-group) gives the same trace, byte
 * for byte, as the same tree started as children of the ProcessTable alone: generated experiment trees with a
 * checkpoint in the break, a modelled restore and (repeated-checkpoints) a checkpoint asked for while a restore
 * is still under way, which reaches processes whose slice has not reported its actors yet.
 */
class LargeTreeSlicesTest {

  @Test
  void theSeedCaseGivesTheSameTraceInSlicesAsUnderTheTableAlone() throws Exception {
    Experiment e = ExperimentParser.parse(Path.of("../scenarios/experiments/seed-40s-into-break.yaml"));
    Experiment.RunPoint p = new Experiment.RunPoint(1, 2_000, 0, 40_000, "remaining", 0, 1);
    List<String> whole = trace(e, p, 0);
    assertThat(whole).isEqualTo(trace(e, p, 64));
    assertThat(count(whole, "\"kind\":\"enter\"")).isGreaterThanOrEqualTo(2_000); // every process opened (2,001 with the breaker)
    assertThat(whole).anyMatch(l -> l.contains("\"kind\":\"restored\"") && l.contains("\"processes\":2001"));
  }

  @Test
  void repeatedCheckpointsDuringRestoresGiveTheSameTraceInSlices() throws Exception {
    Experiment e = ExperimentParser.parse(Path.of("../scenarios/experiments/repeated-checkpoints.yaml"));
    Experiment.RunPoint p = new Experiment.RunPoint(1, 120, 4, 10_000, "favor-holder", 5_000, 2);
    List<String> whole = trace(e, p, 0);
    assertThat(whole).isEqualTo(trace(e, p, 10)); // 13 slices: the holder's 120 processes and the breaker
    assertThat(count(whole, "\"kind\":\"checkpoint\"")).isGreaterThan(1);
  }

  /**
   * A checkpoint asked for 1 ms after a modelled restart is taken once the restore is over, right after the
   * table was told to start the restored tree: it reaches the processes through slices that have not reported
   * their actors yet (ProcessGroup.SaveAll), and the image and trace are those of the table alone.
   */
  @Test
  void aCheckpointDeferredBehindARestoreGivesTheSameTraceInSlices() {
    String yaml = """
        name: deferred-checkpoint-in-slices
        description: a checkpoint 1 ms after a restart, deferred until the restore is over
        files:
          - path: /data/F1
        processes:
          - {name: A, pid: 101}
          - {name: B, pid: 102}
          - {name: C, pid: 103, parent: A, forked: true}
          - {name: D, pid: 104}
          - {name: E, pid: 105}
          - {name: F, pid: 106}
        steps:
          - {at: 0s, proc: A, open: /data/F1, flags: O_RDONLY}
          - {at: 0s, proc: B, open: /data/F1, flags: O_RDONLY}
          - {at: 1s, proc: A, flock: 3, op: LOCK_EX}
          - {at: 1s, proc: A, fork: C}
          - {at: 2s, proc: B, flock: 3, op: LOCK_SH}
          - {at: 10s, checkpoint: C1}
          - {at: 20s, restart: C1}
          - {at: 20001ms, checkpoint: C2}
          - {at: 30s, restart: C2}
          - {at: 31s, proc: C, flock: 3, op: LOCK_UN}
          - {at: 32s, proc: A, close: 3}
        """;
    io.leasecr.core.scenario.Scenario s = io.leasecr.core.scenario.ScenarioParser.parse("deferred.yaml", yaml);
    List<String> whole = trace(s, 0);
    assertThat(whole).isEqualTo(trace(s, 2)); // slices of 2: 3 for the initial tree and 3 per restore
    int restored = indexOf(whole, "\"kind\":\"restored\"");
    int c2 = indexOf(whole, "\"id\":\"C2\",\"processes\":6");
    assertThat(restored).isNotNegative();
    assertThat(c2).isGreaterThan(restored); // deferred behind the restore, with the whole restored tree
  }

  private static int indexOf(List<String> lines, String part) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> trace(io.leasecr.core.scenario.Scenario s, int spawnGroup) {
    Config overrides = ConfigFactory.parseMap(Map.of(
        "lease-cr.process.spawn-group", spawnGroup,
        "lease-cr.run.reuse-systems", false,
        "lease-cr.restore.cost-model", "default"));
    return Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), overrides).events().stream()
        .map(TraceJson::line).toList();
  }

  private static List<String> trace(Experiment e, Experiment.RunPoint p, int spawnGroup) {
    TrialScenario.Built built = TrialScenario.build(e, p);
    Config overrides = ConfigFactory.parseMap(Map.of(
        "lease-cr.process.spawn-group", spawnGroup,
        "lease-cr.run.reuse-systems", false,
        "lease-cr.restore.cost-model", e.costModel(),
        "lease-cr.restore.busy-threads", p.busyThreads(),
        "lease-cr.restore.seed", p.seed()));
    List<TraceEvent> events = Emulation.run(built.scenario(), TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), overrides)
        .events();
    return events.stream().map(TraceJson::line).toList();
  }

  private static long count(List<String> lines, String part) {
    return lines.stream().filter(l -> l.contains(part)).count();
  }
}
