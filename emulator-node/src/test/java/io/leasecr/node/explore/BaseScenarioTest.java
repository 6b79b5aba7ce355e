package io.leasecr.node.explore;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scenario file's times as the explorer reads them (its own steps and a moved end: are written back). */
class BaseScenarioTest {

  @Test
  void everyUnitOfTheScenarioFormatIsRead() {
    assertThat(BaseScenario.millis("250ms")).isEqualTo(250);
    assertThat(BaseScenario.millis("1.5s")).isEqualTo(1500);
    assertThat(BaseScenario.millis("2m")).isEqualTo(120_000);
    assertThat(BaseScenario.millis("1h")).isEqualTo(3_600_000);
    assertThat(BaseScenario.millis(45)).isEqualTo(45_000);
    assertThat(BaseScenario.ms(3_600_000)).isEqualTo("3600s");
  }
}
