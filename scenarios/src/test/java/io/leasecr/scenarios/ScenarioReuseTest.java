package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.EmulatorPool;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs on a reused actor system (EmulatorPool) give the trace and final /proc/locks of a run on a fresh
 * system, byte for byte: every shipped scenario, each on a system that has just run other scenarios.
 */
class ScenarioReuseTest {

  private static final Config FRESH = ConfigFactory.parseMap(Map.of("lease-cr.run.reuse-systems", "off"));

  @Test
  void everyShippedScenarioGivesTheSameTraceOnAReusedSystem() {
    List<Scenario> all = ShippedScenarios.all().stream().map(ScenarioParser::parse).toList();
    List<List<String>> fresh = new ArrayList<>();
    for (Scenario s : all) {
      fresh.add(lines(Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), FRESH)));
    }
    long reusedBefore = EmulatorPool.shared().reused();
    // twice over, in two orders: each run's system has run a different scenario just before
    for (int round = 0; round < 2; round++) {
      for (int k = 0; k < all.size(); k++) {
        int i = round == 0 ? k : all.size() - 1 - k;
        assertThat(lines(Emulation.run(all.get(i)))).as(all.get(i).source() + " on a reused system, round " + round)
            .isEqualTo(fresh.get(i));
      }
    }
    assertThat(EmulatorPool.shared().reused() - reusedBefore).as("runs that reused a system")
        .isGreaterThanOrEqualTo(2L * all.size() - 2);
  }

  @Test
  void restoreSettingsArePerRunOnASharedSystem() {
    Scenario s = ScenarioParser.parse(ShippedScenarios.root().resolve("checkpoint/cr-break-40s-remaining.yaml"));
    for (String busy : List.of("0", "8", "0")) {
      Config restore = ConfigFactory.parseMap(Map.of("lease-cr.restore.cost-model", "default",
          "lease-cr.restore.busy-threads", busy));
      List<String> onFresh = lines(Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2),
          restore.withFallback(FRESH)));
      List<String> onReused = lines(Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), restore));
      assertThat(onReused).as("busy-threads " + busy).isEqualTo(onFresh);
    }
  }

  @Test
  void aRunThatFailsEndsItsSystemAndTheNextRunIsUnaffected(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Scenario broken = ScenarioParser.parse(dir.resolve("broken.yaml").toString(), """
        name: broken
        files:
          - path: /data/F1
        processes:
          - name: P1
            pid: 101
        steps:
          - {at: 0s, proc: P1, open: /data/F1, flags: O_RDONLY}
          - {at: 10s, restart: C1, image: missing.img}
        """);
    Scenario good = ScenarioParser.parse(ShippedScenarios.root().resolve("leases/seed-basic.yaml"));
    List<String> fresh = lines(Emulation.run(good, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2), FRESH));
    for (int i = 0; i < 3; i++) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Emulation.run(broken))
          .hasMessageContaining("step 2").hasMessageContaining("missing.img");
      assertThat(lines(Emulation.run(good))).isEqualTo(fresh);
    }
  }

  private static List<String> lines(Emulation.Result r) {
    List<String> out = new ArrayList<>(r.events().stream().map(TraceJson::line).toList());
    out.add("final locks: " + r.finalLocks());
    return out;
  }
}
