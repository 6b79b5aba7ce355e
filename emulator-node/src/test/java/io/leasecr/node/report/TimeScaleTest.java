package io.leasecr.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TimeScaleTest {

  @Test
  void aLongWaitIsCompressedAndTheRestKeepsTheWidth() {
    // the seed's break: activity at 0-1 s, a 45 s wait, activity at 46-47 s
    TimeScale s = TimeScale.fit(new TreeSet<>(List.of(0L, 500L, 1000L, 46_000L, 46_500L, 47_000L)), 200, 1000);
    assertThat(s.gaps()).hasSize(1);
    assertThat(s.gaps().get(0)).containsExactly(1000L, 46_000L);
    assertThat(s.x(46_000) - s.x(1000)).isEqualTo(TimeScale.GAP_PX);
    // the two busy seconds share what is left, linearly
    assertThat(s.x(1000) - s.x(0)).isCloseTo((1000 - TimeScale.GAP_PX) / 2, org.assertj.core.data.Offset.offset(0.01));
    assertThat(s.x(47_000)).isCloseTo(1200, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void evenlySpreadEventsAreNotCompressed() {
    TimeScale s = TimeScale.fit(new TreeSet<>(List.of(0L, 1000L, 2000L, 3000L)), 0, 900);
    assertThat(s.gaps()).isEmpty();
    assertThat(s.x(1500)).isCloseTo(450, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void instantsAMillisecondApartStayApartAndXIsMonotonic() {
    TreeSet<Long> t = new TreeSet<>(List.of(0L, 1L, 2L, 10_000L));
    TimeScale s = TimeScale.fit(t, 0, 1000);
    assertThat(s.x(1) - s.x(0)).isGreaterThanOrEqualTo(5.99);
    double prev = -1;
    for (long ms = -5; ms < 10_010; ms += 7) {
      assertThat(s.x(ms)).isGreaterThanOrEqualTo(prev);
      prev = s.x(ms);
    }
  }

  @Test
  void ticksAndDurationsReadWell() {
    assertThat(TimeScale.duration(450)).isEqualTo("450 ms");
    assertThat(TimeScale.duration(45_000)).isEqualTo("45 s");
    assertThat(TimeScale.duration(2_500)).isEqualTo("2.5 s");
    assertThat(TimeScale.tick(12_500, 500)).isEqualTo("12.5 s");
  }
}
