package io.leasecr.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Cancellable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/** The virtual clock's ordering guarantees, without an actor system. */
class EmulatedSchedulerTest {

  private final EmulatedScheduler clock = new EmulatedScheduler(TimeMode.VIRTUAL, 1.0);
  private final ExecutionContext onLoop = ExecutionContext.fromExecutor(clock::execute);
  private final List<String> fired = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    clock.close();
  }

  private Cancellable at(long millis, String name) {
    return clock.scheduleOnce(ms(millis), () -> fired.add(name + "@" + clock.nowMillis()), onLoop);
  }

  private static FiniteDuration ms(long millis) {
    return FiniteDuration.create(millis, TimeUnit.MILLISECONDS);
  }

  private void runToIdle() throws InterruptedException {
    clock.setPaused(false);
    assertThat(clock.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void timeStandsStillUntilResumed() throws InterruptedException {
    at(10, "a");
    assertThat(clock.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
    assertThat(fired).isEmpty();
    runToIdle();
    assertThat(fired).containsExactly("a@10");
  }

  @Test
  void timersFireByDueTimeThenInTheOrderTheyWereSet() throws InterruptedException {
    at(2000, "late");
    at(1000, "first");
    at(1000, "second");
    at(1000, "third");
    at(0, "now");
    runToIdle();
    assertThat(fired).containsExactly("now@0", "first@1000", "second@1000", "third@1000", "late@2000");
  }

  @Test
  void aTimerSetWhileAnotherFiresCountsFromThatInstant() throws InterruptedException {
    clock.scheduleOnce(ms(1000), () -> {
      fired.add("outer@" + clock.nowMillis());
      at(500, "inner");
    }, onLoop);
    at(3000, "far");
    runToIdle();
    assertThat(fired).containsExactly("outer@1000", "inner@1500", "far@3000");
  }

  @Test
  void tasksMadeReadyOnTheLoopRunInTheOrderTheyWereMadeBehindThoseFromOtherThreads() throws InterruptedException {
    // made ready from this (test) thread while the loop is held in a task: a, then b; a makes a1 and a2 ready, a1
    // makes a11, b makes b1 ready
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    clock.execute(() -> {
      held.countDown();
      try {
        go.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    clock.execute(() -> {
      fired.add("a");
      clock.execute(() -> {
        fired.add("a1");
        clock.execute(() -> fired.add("a11"));
      });
      clock.execute(() -> fired.add("a2"));
    });
    clock.execute(() -> {
      fired.add("b");
      clock.execute(() -> fired.add("b1"));
    });
    at(0, "timer"); // a timer due now waits until no task is ready
    go.countDown();
    runToIdle();
    assertThat(fired).containsExactly("a", "b", "a1", "a2", "b1", "a11", "timer@0");
    // once idle, a task from another thread wakes the loop again, and one it makes ready runs before the next timer
    fired.clear();
    clock.setPaused(true); // ready work still runs while paused; the timer waits
    at(5, "later");
    clock.execute(() -> {
      fired.add("c");
      clock.execute(() -> fired.add("c1"));
    });
    assertThat(clock.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
    assertThat(fired).containsExactly("c", "c1");
    runToIdle();
    assertThat(fired).containsExactly("c", "c1", "later@5");
  }

  @Test
  void readyWorkRunsBeforeTimeMoves() throws InterruptedException {
    clock.scheduleOnce(ms(1000), () -> {
      clock.execute(() -> fired.add("cascade@" + clock.nowMillis()));
      fired.add("timer@" + clock.nowMillis());
    }, onLoop);
    at(1000, "same-instant");
    runToIdle();
    assertThat(fired).containsExactly("timer@1000", "cascade@1000", "same-instant@1000");
  }

  @Test
  void aLeaseBreakOfFortyFiveSecondsCostsNoWallTime() throws InterruptedException {
    long start = System.nanoTime();
    at(45_000, "deadline");
    runToIdle();
    assertThat(fired).containsExactly("deadline@45000");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }

  @Test
  void cancelledAndPeriodicTimers() throws InterruptedException {
    Cancellable gone = at(100, "cancelled");
    gone.cancel();
    Cancellable tick = clock.schedule(ms(1000), ms(1000), () -> fired.add("tick@" + clock.nowMillis()), onLoop);
    clock.scheduleOnce(ms(3500), tick::cancel, onLoop);
    runToIdle();
    assertThat(fired).containsExactly("tick@1000", "tick@2000", "tick@3000");
    assertThat(gone.isCancelled()).isTrue();
  }

  @Test
  void nothingFiresBeyondTheHorizonAndIdleCallbacksRunLast() throws InterruptedException {
    clock.setHorizonNanos(TimeUnit.SECONDS.toNanos(5));
    at(4000, "inside");
    at(6000, "outside");
    // registered from the loop, once time runs (while paused, the loop is idle at once)
    clock.scheduleOnce(ms(0), () -> clock.whenIdle(() -> fired.add("idle@" + clock.nowMillis())), onLoop);
    runToIdle();
    assertThat(fired).containsExactly("inside@4000", "idle@4000");
  }

  @Test
  void realModeFollowsTheScaledWallClock() throws InterruptedException {
    EmulatedScheduler real = new EmulatedScheduler(TimeMode.REAL, 100.0);
    try {
      long start = System.nanoTime();
      List<Long> at = new CopyOnWriteArrayList<>();
      real.scheduleOnce(ms(2000), () -> at.add(System.nanoTime() - start), ExecutionContext.fromExecutor(real::execute));
      real.setPaused(false);
      Thread.sleep(5);
      assertThat(at).as("2 s at scale 100 is 20 ms of wall time, not 5").isEmpty();
      assertThat(real.awaitIdle(10, TimeUnit.SECONDS)).isTrue();
      assertThat(at).hasSize(1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(at.get(0))).isBetween(15L, 2000L);
    } finally {
      real.close();
    }
  }
}
