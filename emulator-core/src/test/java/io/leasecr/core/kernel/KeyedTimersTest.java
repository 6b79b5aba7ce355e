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
 * An actor's keyed timers keep Behaviors.withTimers' promises: a timer started again or cancelled delivers nothing of
 * its old incarnation, even when that message is already in the mailbox; a single timer fires once, a fixed-delay
 * one until cancelled; cancelAll stops every one.
 */
class KeyedTimersTest {
  private static ActorTestKit kit;
  private static ManualTime time;

  /** A message to tell timers' deliveries apart (any Command does). */
  private static ProcessActor.Command tick(int n) {
    return new ProcessActor.Signal(n, 0, -1);
  }

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("keyed-timers", ManualTime.config());
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

  private static ProcessActor.Command delivered(KeyedTimers<ProcessActor.Command> timers, ProcessActor.TimerFired f) {
    return timers.delivered(f.key(), f.generation(), f.owner());
  }

  @Test
  void aSingleTimerDeliversOnceAndAReplacedOrCancelledOneNever() {
    TestProbe<ProcessActor.Command> probe = kit.createTestProbe();
    KeyedTimers<ProcessActor.Command> timers = new KeyedTimers<>(probe.ref(), kit.system().scheduler(), ProcessActor.TimerFired::new);

    assertThat(timers.armed("a")).as("nothing armed yet").isNull();
    timers.startSingleTimer("a", tick(1), Duration.ofSeconds(1));
    assertThat(timers.armed("a")).as("the armed timer's message").isEqualTo(tick(1));
    ProcessActor.TimerFired first = next(probe);
    assertThat(timers.armed("a")).as("fired, not yet delivered: still armed").isEqualTo(tick(1));
    assertThat(delivered(timers, first)).isEqualTo(tick(1));
    assertThat(timers.armed("a")).as("delivered: no longer armed").isNull();
    assertThat(delivered(timers, first)).as("a single timer is gone once delivered").isNull();

    timers.startSingleTimer("a", tick(2), Duration.ofSeconds(1));
    ProcessActor.TimerFired stale = next(probe);
    timers.startSingleTimer("a", tick(3), Duration.ofSeconds(1)); // started again: the queued one is stale
    assertThat(timers.armed("a")).as("the timer that replaced it").isEqualTo(tick(3));
    assertThat(delivered(timers, stale)).isNull();
    assertThat(delivered(timers, next(probe))).isEqualTo(tick(3));

    timers.startSingleTimer("b", tick(4), Duration.ofSeconds(1));
    ProcessActor.TimerFired cancelled = next(probe);
    timers.cancel("b");
    assertThat(timers.armed("b")).as("cancelled: no longer armed").isNull();
    assertThat(delivered(timers, cancelled)).isNull();

    KeyedTimers<ProcessActor.Command> other = new KeyedTimers<>(probe.ref(), kit.system().scheduler(), ProcessActor.TimerFired::new);
    other.startSingleTimer("a", tick(5), Duration.ofSeconds(1));
    ProcessActor.TimerFired othersFired = next(probe);
    timers.startSingleTimer("a", tick(6), Duration.ofSeconds(5));
    assertThat(delivered(timers, othersFired)).as("another owner's timer").isNull();
    timers.cancelAll();
  }

  @Test
  void aFixedDelayTimerRepeatsUntilCancelledAndCancelAllStopsEveryTimer() {
    TestProbe<ProcessActor.Command> probe = kit.createTestProbe();
    KeyedTimers<ProcessActor.Command> timers = new KeyedTimers<>(probe.ref(), kit.system().scheduler(), ProcessActor.TimerFired::new);

    timers.startTimerWithFixedDelay("r", tick(7), Duration.ofSeconds(1));
    assertThat(delivered(timers, next(probe))).isEqualTo(tick(7));
    assertThat(delivered(timers, next(probe))).isEqualTo(tick(7));
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
