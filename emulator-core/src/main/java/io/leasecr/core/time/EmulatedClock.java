package io.leasecr.core.time;

import java.util.concurrent.TimeUnit;

/** Emulated time as the emulator's actors and runners see it. Nothing reads the wall clock directly. */
public interface EmulatedClock {

  TimeMode mode();

  long nowNanos();

  default long nowMillis() {
    return nowNanos() / 1_000_000L;
  }

  void setPaused(boolean paused);

  void setHorizonNanos(long horizonNanos);

  /** Runs the callback (on the loop) the next time there is nothing else to do. */
  void whenIdle(Runnable callback);

  boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException;

  /** Tasks the loop has run so far (messages processed, roughly): a cheap progress and cost figure. */
  long tasksRun();
}
