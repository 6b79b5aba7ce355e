package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A process's timers keep Behaviors.withTimers' promises: a timer started again or cancelled delivers nothing of
 * its old incarnation, even when that message is already in the mailbox; a single timer fires once, a fixed-delay
 * one until cancelled; cancelAll stops every one.
 */
class ProcessTimersTest {
  private static ActorTestKit kit;
  private static ManualTime time;

  /** A message to tell timers' deliveries apart (any Command does). */
  private static ProcessActor.Command tick(int n) {
    return new ProcessActor.Signal(n, 0, -1);
  }

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("process-timers", ManualTime.config());
    time = ManualTime.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ProcessActor.TimerFired next(TestProbe<ProcessActor.Command> probe) {
    time.timePasses(Duration.ofSeconds(1));
    return (ProcessActor.TimerFired) probe.receiveMessage(Duration.ofSeconds(3));
  }

  @Test
  void aSingleTimerDeliversOnceAndAReplacedOrCancelledOneNever() {
    TestProbe<ProcessActor.Command> probe = kit.createTestProbe();
    ProcessTimers timers = new ProcessTimers(probe.ref(), kit.system().scheduler());

    timers.startSingleTimer("a", tick(1), Duration.ofSeconds(1));
    ProcessActor.TimerFired first = next(probe);
    assertThat(timers.delivered(first)).isEqualTo(tick(1));
    assertThat(timers.delivered(first)).as("a single timer is gone once delivered").isNull();

    timers.startSingleTimer("a", tick(2), Duration.ofSeconds(1));
    ProcessActor.TimerFired stale = next(probe);
    timers.startSingleTimer("a", tick(3), Duration.ofSeconds(1)); // started again: the queued one is stale
    assertThat(timers.delivered(stale)).isNull();
    assertThat(timers.delivered(next(probe))).isEqualTo(tick(3));

    timers.startSingleTimer("b", tick(4), Duration.ofSeconds(1));
    ProcessActor.TimerFired cancelled = next(probe);
    timers.cancel("b");
    assertThat(timers.delivered(cancelled)).isNull();

    ProcessTimers other = new ProcessTimers(probe.ref(), kit.system().scheduler());
    other.startSingleTimer("a", tick(5), Duration.ofSeconds(1));
    ProcessActor.TimerFired othersFired = next(probe);
    timers.startSingleTimer("a", tick(6), Duration.ofSeconds(5));
    assertThat(timers.delivered(othersFired)).as("another owner's timer").isNull();
    timers.cancelAll();
  }

  @Test
  void aFixedDelayTimerRepeatsUntilCancelledAndCancelAllStopsEveryTimer() {
    TestProbe<ProcessActor.Command> probe = kit.createTestProbe();
    ProcessTimers timers = new ProcessTimers(probe.ref(), kit.system().scheduler());

    timers.startTimerWithFixedDelay("r", tick(7), Duration.ofSeconds(1));
    assertThat(timers.delivered(next(probe))).isEqualTo(tick(7));
    assertThat(timers.delivered(next(probe))).isEqualTo(tick(7));
    timers.cancel("r");
    time.timePasses(Duration.ofSeconds(2));
    probe.expectNoMessage(Duration.ofMillis(100));

    timers.startSingleTimer("x", tick(8), Duration.ofSeconds(1));
    timers.startTimerWithFixedDelay("y", tick(9), Duration.ofSeconds(1));
    timers.cancelAll();
    time.timePasses(Duration.ofSeconds(3));
    probe.expectNoMessage(Duration.ofMillis(100));
  }
}
