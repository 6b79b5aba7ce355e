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
