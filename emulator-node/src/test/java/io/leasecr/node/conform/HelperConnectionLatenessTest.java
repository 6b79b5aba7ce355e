package io.leasecr.node.conform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A call sent after the driver fell behind is late by the schedule's shift and by its own delay, added up (the
 * 20-pass run under load once differed when the larger of the two was taken: a handler 1395 ms emulated late
 * against a tolerance of 1248).
 */
class HelperConnectionLatenessTest {

  @Test
  void theSchedulesShiftAndTheCallsOwnDelayAddUp() {
    // due at 50 (sent at 100 by a driver 50 behind), started at 130: 80 late, not 30 and not 50
    assertThat(HelperConnection.lateness(130, 100, 50, 0)).isEqualTo(80);
  }

  @Test
  void aCallCannotStartBeforeItsProcessReturnedFromThePreviousOne() {
    // the previous call returned at 120: the process was busy until then, only 10 of it is scheduling delay
    assertThat(HelperConnection.lateness(130, 100, 50, 120)).isEqualTo(10);
  }

  @Test
  void anOnTimeDriverLeavesOnlyTheCallsOwnDelay() {
    assertThat(HelperConnection.lateness(130, 100, 0, 0)).isEqualTo(30);
  }
}
