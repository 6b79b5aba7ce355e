package io.leasecr.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A cluster node's clock: scaled wall time since the drill's origin, frozen for a cut, thawed at one instant. */
class WallClockTest {

  @Test
  void runsScaleTimesTheWallClockFromTheSharedOrigin() throws InterruptedException {
    long origin = System.currentTimeMillis() - 1000;
    WallClock one = new WallClock(origin);
    WallClock four = new WallClock(origin, 4);
    assertThat(one.nowMillis()).isBetween(1000L, 1500L);
    assertThat(four.nowMillis()).isBetween(4000L, 6000L);
    long a = four.nowMillis();
    Thread.sleep(200);
    assertThat(four.nowMillis() - a).isBetween(800L, 1600L);
    assertThat(four.timerDelayMillis(1000)).isEqualTo(250);
    assertThat(four.wallMillis(45_000)).isEqualTo(11_250);
  }

  @Test
  void aFrozenClockStandsStillAndItsTimersLookAgainSoon() throws InterruptedException {
    WallClock c = new WallClock(System.currentTimeMillis(), 2);
    long at = c.freeze();
    Thread.sleep(100);
    assertThat(c.nowMillis()).isEqualTo(at);
    assertThat(c.frozen()).isTrue();
    assertThat(c.freeze()).as("freezing twice changes nothing").isEqualTo(at);
    assertThat(c.timerDelayMillis(10_000)).isEqualTo(WallClock.FROZEN_POLL_MS);
  }

  @Test
  void aThawGoesOnFromTheNamedInstantButNeverBackwards() throws InterruptedException {
    WallClock c = new WallClock(System.currentTimeMillis());
    long at = c.freeze();
    c.thaw(at + 5000); // another node froze later: every node goes on from the latest instant
    assertThat(c.frozen()).isFalse();
    assertThat(c.nowMillis()).isBetween(at + 5000, at + 5100);
    long now = c.freeze();
    c.thaw(now - 3000);
    assertThat(c.nowMillis()).isGreaterThanOrEqualTo(now);
    Thread.sleep(50);
    assertThat(c.nowMillis()).isGreaterThan(now);
  }

  @Test
  void aScaleMustBePositive() {
    assertThatThrownBy(() -> new WallClock(0, 0)).hasMessageContaining("lease-cr.time.scale must be > 0");
  }
}
