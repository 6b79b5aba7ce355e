package io.leasecr.core.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.locks.RestartPolicy;
import org.junit.jupiter.api.Test;

/** One duration syntax everywhere: seconds when bare, ms/s/m/h, bounded, exact. */
class DurationsTest {

  @Test
  void unitsAndBareSeconds() {
    assertThat(Durations.parse("45")).isEqualTo(45_000);
    assertThat(Durations.parse("45s")).isEqualTo(45_000);
    assertThat(Durations.parse("1.5s")).isEqualTo(1500);
    assertThat(Durations.parse("250ms")).isEqualTo(250);
    assertThat(Durations.parse("0.5ms")).isEqualTo(1); // half a millisecond rounds up, as Math.round did
    assertThat(Durations.parse("2m")).isEqualTo(120_000);
    assertThat(Durations.parse("1h")).isEqualTo(3_600_000);
    assertThat(Durations.parse(" 3 S ")).isEqualTo(3000);
    assertThat(Durations.parseSigned("-2s")).isEqualTo(-2000);
    assertThat(Durations.parseSigned("+5")).isEqualTo(5000);
  }

  @Test
  void outOfRangeAndJunkAreRefusedInWords() {
    assertThatThrownBy(() -> Durations.parse("1e30s")).hasMessage("'1e30s' is out of range: a time from 0s to 1000000000s is needed");
    assertThatThrownBy(() -> Durations.parseSigned("+9223372036854775807ms")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> Durations.parse("Infinity")).hasMessageContaining("a time like 45s");
    assertThatThrownBy(() -> Durations.parse("5 seconds")).hasMessageContaining("a time like 45s");
    assertThatThrownBy(() -> Durations.parseSigned("5s")).hasMessageContaining("signed time");
    assertThat(Durations.parse("1000000000s")).isEqualTo(Durations.MAX_MS);
  }

  @Test
  void restartPoliciesUseTheSameSyntax() {
    assertThat(RestartPolicy.parse("delta:+5").deltaMs()).isEqualTo(5000);
    assertThat(RestartPolicy.parse("delta:-1500ms").deltaMs()).isEqualTo(-1500);
    assertThatThrownBy(() -> RestartPolicy.parse("delta:+1e300s")).hasMessageContaining("out of range");
    assertThat(RestartPolicy.parse("delta:-1000000000s").timeLeft(5000, 45)).isZero();
  }

  @Test
  void scalesAreBounded() {
    assertThat(Durations.scale("2.5")).isEqualTo(2.5);
    for (String bad : new String[] {"Infinity", "1e308", "1e-9", "NaN", "0", "-1", "x"}) {
      assertThatThrownBy(() -> Durations.scale(bad)).hasMessageContaining("from 0.01 to 1000");
    }
  }

  @Test
  void saturatedAddHoldsAtTheEnds() {
    assertThat(Durations.saturatedAdd(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
    assertThat(Durations.saturatedAdd(Long.MIN_VALUE + 1, -5)).isEqualTo(Long.MIN_VALUE);
    assertThat(Durations.saturatedAdd(3, 4)).isEqualTo(7);
  }
}
