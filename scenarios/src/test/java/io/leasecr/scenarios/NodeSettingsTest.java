package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.node.cluster.ClusterConfig;
import io.leasecr.node.cluster.NodeSettings;
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
    assertThat(s.journal()).isNull();
    assertThat(s.stableAfterMs()).isEqualTo(3000);
  }

  @Test
  void flagsWinOverTheEnvironmentAndSeedsMayRepeatOrBeAList() {
    Map<String, String> env = Map.of("LEASE_CR_PORT", "25600", "LEASE_CR_SEEDS", "127.0.0.1:1",
        "LEASE_CR_PG_URL", "jdbc:postgresql://127.0.0.1:5/x", "LEASE_CR_PG_USER", "u");
    NodeSettings s = parse(env, "--name", "n2", "--seed", "127.0.0.1:25601,127.0.0.1:25602", "--seed",
        "localhost:25603", "--role", "edge");
    assertThat(s.port()).isEqualTo(25600);
    assertThat(s.seeds()).containsExactly("127.0.0.1:25601", "127.0.0.1:25602", "localhost:25603");
    assertThat(s.roles()).containsExactlyInAnyOrder("edge", "n2");
    assertThat(s.journal().postgres()).isTrue();
    assertThat(s.journal().user()).isEqualTo("u");
    Config c = ClusterConfig.of(s);
    assertThat(c.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(c.getString("pekko.cluster.downing-provider-class"))
        .isEqualTo("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    assertThat(c.getStringList("pekko.cluster.seed-nodes")).contains("pekko://lease-cr@127.0.0.1:25601");
    assertThat(c.getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    assertThat(c.getString("lease-cr.time.clock")).isEqualTo("wall");
  }

  @Test
  void aNonLoopbackAddressNeedsAnExplicitBind() {
    assertThatThrownBy(() -> NodeSettings.parse(new String[0], Map.of(),
        ConfigFactory.parseString("lease-cr.node.bind = \"8.8.8.8\"").withFallback(ConfigFactory.load())))
        .hasMessageContaining("refusing to bind the cluster node to 8.8.8.8");
    assertThat(parse(Map.of(), "--bind", "0.0.0.0").bind()).isEqualTo("0.0.0.0");
    assertThatThrownBy(() -> parse(Map.of(), "--seed", "nohostport")).hasMessageContaining("host:port");
    assertThatThrownBy(() -> parse(Map.of(), "--port")).hasMessageContaining("needs a value");
  }
}
