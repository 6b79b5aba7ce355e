package io.leasecr.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One configuration: LEASE_CR_* over application.conf over reference.conf, one set of defaults. */
class LeaseCrConfigTest {

  @Test
  void defaultsWithoutVariables() {
    LeaseCrConfig c = LeaseCrConfig.of(Map.of(), ConfigFactory.load());
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.postgresUrl()).isNull();
    assertThat(c.postgresOrNull()).isNull();
    assertThat(c.string("lease-cr.journal.postgres.user")).isEqualTo("leasecr");
    assertThat(c.string("lease-cr.journal.postgres.password")).isEqualTo("leasecr");
    assertThat(c.flag("lease-cr.cli.stack-traces")).isFalse();
    assertThat(c.setByEnvironment("lease-cr.journal.data")).isFalse();
  }

  @Test
  void variablesOverApplicationConf() {
    var app = ConfigFactory.parseString("lease-cr.journal { data = conf-data, postgres.user = confuser }")
        .withFallback(ConfigFactory.load());
    LeaseCrConfig fromConf = LeaseCrConfig.of(Map.of(), app);
    assertThat(fromConf.dataDir()).isEqualTo(Path.of("conf-data"));
    assertThat(fromConf.string("lease-cr.journal.postgres.user")).isEqualTo("confuser");
    LeaseCrConfig c = LeaseCrConfig.of(Map.of("LEASE_CR_DATA", "/tmp/d", "LEASE_CR_PG_URL", "jdbc:postgresql://h/db",
        "LEASE_CR_PG_PASSWORD", "pw", "LEASE_CR_NODE_HEAP", "1g", "PATH", "/bin", "LEASE_CR_PG_USER", ""), app);
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/d"));
    assertThat(c.setByEnvironment("lease-cr.journal.data")).isTrue();
    assertThat(c.source("lease-cr.journal.data")).isEqualTo("LEASE_CR_DATA");
    assertThat(c.postgresOrNull().jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
    assertThat(c.postgresOrNull().password()).isEqualTo("pw");
    assertThat(c.postgresOrNull().user()).as("an empty variable counts as not set").isEqualTo("confuser");
    assertThat(c.string("lease-cr.drill.node-heap")).isEqualTo("1g");
  }

  @Test
  void badValuesNameTheirVariable() {
    LeaseCrConfig c = LeaseCrConfig.of(Map.of("LEASE_CR_STACK_TRACES", "maybe", "LEASE_CR_PORT", "99999"),
        ConfigFactory.load());
    assertThatThrownBy(() -> c.flag("lease-cr.cli.stack-traces"))
        .hasMessage("LEASE_CR_STACK_TRACES must be on or off, got 'maybe'");
    assertThatThrownBy(() -> c.number("lease-cr.node.port", 1, 65535))
        .hasMessage("LEASE_CR_PORT must be from 1 to 65535, got 99999");
  }

  @Test
  void theRunSettingsOfReferenceConfAreCheckedByTheirVariable() {
    LeaseCrConfig.of(Map.of(), ConfigFactory.load()).checkRunSettings(); // the defaults pass
    LeaseCrConfig.of(Map.of(), ConfigFactory.parseString("lease-cr { run.reuse-systems = off, process.spawn-group = 0 }")
        .withFallback(ConfigFactory.load())).checkRunSettings();
    assertThatThrownBy(() -> LeaseCrConfig.of(Map.of(), ConfigFactory.parseString("lease-cr.run.reuse-systems = maybe")
        .withFallback(ConfigFactory.load())).checkRunSettings())
        .hasMessage("LEASE_CR_REUSE_SYSTEMS (lease-cr.run.reuse-systems) must be on or off, got 'maybe'");
    for (String bad : new String[] {"abc", "-5", "99999999999999"}) {
      assertThatThrownBy(() -> LeaseCrConfig.of(Map.of(), ConfigFactory.parseString("lease-cr.process.spawn-group = "
          + bad).withFallback(ConfigFactory.load())).checkRunSettings())
          .hasMessage("LEASE_CR_SPAWN_GROUP (lease-cr.process.spawn-group) must be a whole number from 0 (no slices) to "
              + "2147483647, got '" + bad + "'");
    }
  }

  @Test
  void journalControlAndCriuComeThroughTheOneConfiguration() {
    LeaseCrConfig none = LeaseCrConfig.of(Map.of(), ConfigFactory.load());
    assertThat(none.string("lease-cr.drill.journal-control.pg-dir")).isEmpty();
    assertThat(none.string("lease-cr.criu.binary")).isEmpty();
    LeaseCrConfig c = LeaseCrConfig.of(Map.of("LEASE_CR_PG_STOP_CMD", "docker stop pg", "LEASE_CR_PG_START_CMD",
        "docker start pg", "LEASE_CR_PG_DIR", "/tmp/pg", "LEASE_CR_CRIU", "/opt/criu"), ConfigFactory.load());
    assertThat(c.string("lease-cr.drill.journal-control.stop-command")).isEqualTo("docker stop pg");
    assertThat(c.string("lease-cr.drill.journal-control.start-command")).isEqualTo("docker start pg");
    assertThat(c.string("lease-cr.drill.journal-control.pg-dir")).isEqualTo("/tmp/pg");
    assertThat(c.string("lease-cr.criu.binary")).isEqualTo("/opt/criu");
    assertThat(c.source("lease-cr.drill.journal-control.stop-command")).isEqualTo("LEASE_CR_PG_STOP_CMD");
    assertThat(c.source("lease-cr.criu.binary")).isEqualTo("LEASE_CR_CRIU");
    assertThat(none.criuTypeGuess()).isEqualTo(io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE);
    assertThat(LeaseCrConfig.of(Map.of("LEASE_CR_CRIU_TYPE_GUESS", "open-mode"), ConfigFactory.load()).criuTypeGuess())
        .isEqualTo(io.leasecr.core.locks.CriuTypeGuess.OPEN_MODE);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LeaseCrConfig.of(Map.of("LEASE_CR_CRIU_TYPE_GUESS",
        "4.2"), ConfigFactory.load()).criuTypeGuess()).isInstanceOf(LeaseCrConfig.BadSetting.class)
        .hasMessageStartingWith("LEASE_CR_CRIU_TYPE_GUESS: ").hasMessageContaining("got '4.2'");
  }
}
