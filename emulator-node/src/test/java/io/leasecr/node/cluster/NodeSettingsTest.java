package io.leasecr.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `emulator node` settings: flags over LEASE_CR_* variables over lease-cr.node; loopback unless told. */
class NodeSettingsTest {

  private static NodeSettings parse(Map<String, String> env, String... args) {
    return NodeSettings.parse(args, env, ConfigFactory.load());
  }

  @Test
  void defaultsAreALoopbackNodeThatSeedsItself() {
    NodeSettings s = parse(Map.of());
    assertThat(s.bind()).isEqualTo("127.0.0.1");
    assertThat(s.port()).isEqualTo(25520);
    assertThat(s.seeds()).containsExactly("127.0.0.1:25520");
    assertThat(s.roles()).containsExactlyInAnyOrder("node", "node-25520");
    assertThat(s.stableAfterMs()).isEqualTo(3000);
    assertThat(s.joinTimeoutMs()).isEqualTo(30_000);
  }

  @Test
  void flagsWinOverTheEnvironmentAndSeedsMayRepeatOrBeAList() {
    Map<String, String> env = Map.of("LEASE_CR_PORT", "25600", "LEASE_CR_SEEDS", "127.0.0.1:1",
        "LEASE_CR_PG_URL", "jdbc:postgresql://127.0.0.1:5/x", "LEASE_CR_PG_USER", "u");
    NodeSettings s = parse(env, "--name", "n2", "--seed", "127.0.0.1:25601,127.0.0.1:25602", "--seed",
        "localhost:25603", "--role=edge");
    assertThat(s.port()).isEqualTo(25600);
    assertThat(s.seeds()).containsExactly("127.0.0.1:25601", "127.0.0.1:25602", "localhost:25603");
    assertThat(s.roles()).containsExactlyInAnyOrder("edge", "n2");
    assertThat(s.journal().postgres()).isTrue();
    assertThat(s.journal().user()).isEqualTo("u");
    assertThat(s.journal().password()).isEqualTo("leasecr"); // the one default, as the command line's
    Config c = ClusterConfig.of(s);
    assertThat(c.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(c.getString("pekko.cluster.downing-provider-class"))
        .isEqualTo("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    assertThat(c.getStringList("pekko.cluster.seed-nodes")).contains("pekko://lease-cr@127.0.0.1:25601");
    assertThat(c.getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    assertThat(c.getString("lease-cr.time.clock")).isEqualTo("wall");
    // the downing the drill expects: the failure detector's pause, two heartbeats, stable-after and two gossip rounds
    assertThat(s.expectedDowningMs(c)).isEqualTo(2000 + 2 * 1000 + 3000 + 2 * 1000);
    // the variables' seeds (a comma list) when no flag gives any
    assertThat(parse(Map.of("LEASE_CR_SEEDS", "127.0.0.1:1, 127.0.0.1:2")).seeds())
        .containsExactly("127.0.0.1:1", "127.0.0.1:2");
  }

  @Test
  void variablesWinOverApplicationConfWhichWinsOverTheDefaults() {
    Config app = ConfigFactory.parseString("lease-cr.node { port = 25611, name = fromconf }")
        .withFallback(ConfigFactory.load());
    NodeSettings fromConf = NodeSettings.parse(new String[0], Map.of(), app);
    assertThat(fromConf.port()).isEqualTo(25611);
    assertThat(fromConf.name()).isEqualTo("fromconf");
    NodeSettings fromEnv = NodeSettings.parse(new String[0], Map.of("LEASE_CR_PORT", "25612"), app);
    assertThat(fromEnv.port()).isEqualTo(25612);
    assertThat(NodeSettings.parse(new String[] {"--port=25613"}, Map.of("LEASE_CR_PORT", "25612"), app).port())
        .isEqualTo(25613);
  }

  @Test
  void theRemovalMarginIsShortUnlessToldAndReachesPekko() {
    NodeSettings d = parse(Map.of());
    assertThat(d.downRemovalMarginMs()).isEqualTo(300);
    assertThat(ClusterConfig.of(d).getDuration("pekko.cluster.down-removal-margin").toMillis()).isEqualTo(300);
    assertThat(parse(Map.of("LEASE_CR_DOWN_REMOVAL_MARGIN", "250ms")).effectiveRemovalMarginMs()).isEqualTo(250);
    assertThat(parse(Map.of("LEASE_CR_DOWN_REMOVAL_MARGIN", "250ms"), "--down-removal-margin", "40")
        .downRemovalMarginMs()).isEqualTo(40);
    // off: Pekko's own default, the resolver's stable-after
    NodeSettings off = parse(Map.of("LEASE_CR_DOWN_REMOVAL_MARGIN", "off"), "--stable-after", "2500");
    assertThat(off.effectiveRemovalMarginMs()).isEqualTo(2500);
    assertThat(ClusterConfig.of(off).getString("pekko.cluster.down-removal-margin")).isEqualTo("off");
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_DOWN_REMOVAL_MARGIN", "soon")))
        .hasMessage("LEASE_CR_DOWN_REMOVAL_MARGIN must be a duration (1s, 500ms) or off, got 'soon'");
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_DOWN_REMOVAL_MARGIN", "0s")))
        .hasMessage("LEASE_CR_DOWN_REMOVAL_MARGIN must be from 1ms to 10m, or off, got '0s'");
    assertThatThrownBy(() -> parse(Map.of(), "--down-removal-margin", "0"))
        .hasMessage("--down-removal-margin must be from 1 to 600000, got 0");
  }

  /** A generated drill of {@code processes} over three nodes, with {@code step} (a drill-file step) at 5 s. */
  private static io.leasecr.node.drillfile.Drill drill(int processes, String step) {
    return io.leasecr.node.drillfile.DrillParser.parse("big.yaml", """
        name: big
        nodes: [n1, n2, n3]
        generate: {processes: %d, over: [n1, n2, n3], pid_from: 100001, files: /gen/f}
        files: []
        processes: []
        steps:
          - {at: 1s, open_generated: O_RDONLY}
          - %s
        end: 10s
        """.formatted(processes, step));
  }

  @Test
  void gossipIsPekkosSecondUnlessABigDrillWithoutPausesOrPartitionsOrTold() {
    NodeSettings auto = parse(Map.of());
    assertThat(auto.gossipIntervalMs()).isZero();
    Config alone = ClusterConfig.of(auto);
    assertThat(alone.getDuration("pekko.cluster.gossip-interval").toMillis()).isEqualTo(1000);
    assertThat(alone.getDuration("pekko.cluster.leader-actions-interval").toMillis()).isEqualTo(1000);
    String crash = "{at: 5s, crash: n2}";
    // a big drill with crashes only: quick, for nodes and the driver alike (the leader is the lowest port)
    NodeSettings big = auto.forDrill(drill(NodeSettings.BIG_DRILL_PROCESSES, crash));
    assertThat(big.effectiveGossipMs()).isEqualTo(200);
    assertThat(ClusterConfig.of(big).getDuration("pekko.cluster.leader-actions-interval").toMillis()).isEqualTo(200);
    // smaller, or with a pause, a partition or a skewed clock: Pekko's second
    assertThat(auto.forDrill(drill(NodeSettings.BIG_DRILL_PROCESSES - 1, crash)).effectiveGossipMs())
        .isEqualTo(1000);
    for (String risky : java.util.List.of("{at: 5s, pause: n2, for: 2s}", "{at: 5s, partition: n2, for: 2s}",
        "{at: 5s, skew: n2, by: 500ms}")) {
      assertThat(auto.forDrill(drill(60_000, risky)).effectiveGossipMs()).as(risky).isEqualTo(1000);
    }
    assertThat(auto.forDrill(null).effectiveGossipMs()).isEqualTo(1000);
    // told: kept whatever the drill
    assertThat(parse(Map.of("LEASE_CR_GOSSIP_INTERVAL", "1s")).forDrill(drill(60_000, crash)).effectiveGossipMs())
        .isEqualTo(1000);
    NodeSettings told = parse(Map.of("LEASE_CR_GOSSIP_INTERVAL", "1s"), "--gossip-interval", "300");
    assertThat(ClusterConfig.of(told).getDuration("pekko.cluster.gossip-interval").toMillis()).isEqualTo(300);
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_GOSSIP_INTERVAL", "often")))
        .hasMessage("LEASE_CR_GOSSIP_INTERVAL must be a duration (1s, 200ms) or auto, got 'often'");
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_GOSSIP_INTERVAL", "50ms")))
        .hasMessage("LEASE_CR_GOSSIP_INTERVAL must be from 100ms to 10s, or auto, got '50ms'");
    assertThatThrownBy(() -> parse(Map.of(), "--gossip-interval", "20000"))
        .hasMessage("--gossip-interval must be from 100 to 10000, got 20000");
  }

  @Test
  void processEntitiesAreRememberedUnlessABigDrillOrTold() {
    NodeSettings auto = parse(Map.of());
    assertThat(auto.rememberProcesses()).isEqualTo("auto");
    assertThat(auto.remembersProcesses()).isTrue(); // a node without a drill
    String crash = "{at: 5s, crash: n2}";
    // a big drill: not remembered, on its nodes and driver alike (the config the sharding reads says so)
    NodeSettings big = auto.forDrill(drill(NodeSettings.BIG_DRILL_PROCESSES, crash));
    assertThat(big.remembersProcesses()).isFalse();
    assertThat(ClusterConfig.of(big).getString("lease-cr.node.remember-processes")).isEqualTo("false");
    // whatever its faults (the re-created entities would run nothing either way)
    assertThat(auto.forDrill(drill(60_000, "{at: 5s, pause: n2, for: 2s}")).remembersProcesses()).isFalse();
    NodeSettings small = auto.forDrill(drill(NodeSettings.BIG_DRILL_PROCESSES - 1, crash));
    assertThat(small.remembersProcesses()).isTrue();
    assertThat(ClusterConfig.of(small).getString("lease-cr.node.remember-processes")).isEqualTo("true");
    assertThat(auto.forDrill(null).remembersProcesses()).isTrue();
    // told: kept whatever the drill
    assertThat(parse(Map.of("LEASE_CR_REMEMBER_PROCESSES", "on")).forDrill(drill(60_000, crash)).remembersProcesses())
        .isTrue();
    assertThat(parse(Map.of("LEASE_CR_REMEMBER_PROCESSES", "off")).forDrill(drill(10, crash)).remembersProcesses())
        .isFalse();
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_REMEMBER_PROCESSES", "sometimes")))
        .hasMessage("LEASE_CR_REMEMBER_PROCESSES must be on, off or auto, got 'sometimes'");
  }

  @Test
  void aNonLoopbackAddressNeedsAnExplicitBind() {
    assertThatThrownBy(() -> NodeSettings.parse(new String[0], Map.of(),
        ConfigFactory.parseString("lease-cr.node.bind = \"8.8.8.8\"").withFallback(ConfigFactory.load())))
        .hasMessageContaining("refusing to bind the cluster node to 8.8.8.8");
    assertThat(parse(Map.of(), "--bind", "0.0.0.0").bind()).isEqualTo("0.0.0.0");
    assertThat(parse(Map.of("LEASE_CR_BIND", "0.0.0.0")).bind()).isEqualTo("0.0.0.0");
    // explicit, but not this machine's: refused before Pekko tries (and fails) to bind it
    assertThatThrownBy(() -> parse(Map.of(), "--bind", "8.8.8.8")).hasMessage(
        "--bind 8.8.8.8: not an address of this machine (8.8.8.8)");
  }

  @Test
  void badSettingsNameTheOptionOrVariableAndTheRange() {
    assertThatThrownBy(() -> parse(Map.of(), "--seed", "nohostport")).hasMessageContaining("host:port");
    assertThatThrownBy(() -> parse(Map.of(), "--port")).hasMessageContaining("Missing required parameter for option '--port'");
    assertThatThrownBy(() -> parse(Map.of(), "--port", "70000")).hasMessage("--port must be from 1 to 65535, got 70000");
    assertThatThrownBy(() -> parse(Map.of(), "--port", "x")).hasMessageContaining("'x' is not a whole number");
    assertThatThrownBy(() -> parse(Map.of(), "--name", "--port", "1"))
        .hasMessageContaining("--name"); // a value option does not swallow the next flag
    assertThatThrownBy(() -> parse(Map.of(), "--scale", "0")).hasMessageContaining("--scale must be above 0");
    assertThatThrownBy(() -> parse(Map.of(), "--frob")).hasMessageContaining("'--frob'");
    assertThatThrownBy(() -> parse(Map.of("LEASE_CR_PORT", "abc")))
        .hasMessage("LEASE_CR_PORT must be a whole number from 1 to 65535, got 'abc'");
    assertThatThrownBy(() -> parse(Map.of(), "--bind", "no-such-host.invalid"))
        .hasMessage("--bind no-such-host.invalid: unknown host");
  }
}
