package io.leasecr.core.time;

import java.util.concurrent.TimeUnit;

/** Emulated time as the emulator's actors and runners see it. Nothing reads the wall clock directly. */
public interface EmulatedClock {

  TimeMode mode();

  long nowNanos();

  default long nowMillis() {
    return nowNanos() / 1_000_000L;
  }

  /**
   * The delay to give a Pekko timer so that it fires after {@code emulatedMs} of emulated time. The
   * emulated scheduler's timers are in emulated time already; a {@link WallClock} divides by its scale.
   * A timer may still fire early (a frozen clock): its handler checks the time and waits again.
   */
  default long timerDelayMillis(long emulatedMs) {
    return emulatedMs;
  }

  /** How long {@code emulatedMs} of emulated time lasts on the wall clock. */
  default long wallMillis(long emulatedMs) {
    return emulatedMs;
  }

  void setPaused(boolean paused);

  void setHorizonNanos(long horizonNanos);

  /** Runs the callback (on the loop) the next time there is nothing else to do. */
  void whenIdle(Runnable callback);

  boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException;

  /** Tasks the loop has run so far (messages processed, roughly): a cheap progress and cost figure. */
  long tasksRun();
}
