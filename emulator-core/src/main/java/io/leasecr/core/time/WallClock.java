package io.leasecr.core.time;

import java.util.concurrent.TimeUnit;

/**
 * Emulated time read straight from the wall clock, for cluster nodes: milliseconds since a shared
 * origin (epoch ms), so every node of a drill stamps its trace on one time axis. Timers run on
 * Pekko's own scheduler and dispatchers, not on the {@link EmulatedScheduler} loop: Artery, the
 * failure detector and gossip need real threads and real time (docs/virtual-time.md, "Cluster nodes").
 * Nothing can be paused or observed idle here; a scale other than 1 is not supported.
 */
public final class WallClock implements EmulatedClock {

  private final long originEpochMs;

  public WallClock(long originEpochMs) {
    this.originEpochMs = originEpochMs;
  }

  public long originEpochMs() {
    return originEpochMs;
  }

  @Override
  public TimeMode mode() {
    return TimeMode.REAL;
  }

  @Override
  public long nowNanos() {
    return (System.currentTimeMillis() - originEpochMs) * 1_000_000L;
  }

  @Override
  public void setPaused(boolean paused) {
    // the wall clock does not stop: a cluster checkpoint is a cut taken while time runs
  }

  @Override
  public void setHorizonNanos(long horizonNanos) {
    // runs end when the drill says so
  }

  @Override
  public void whenIdle(Runnable callback) {
    throw new UnsupportedOperationException("a cluster node is never observably idle");
  }

  @Override
  public boolean awaitIdle(long timeout, TimeUnit unit) {
    return false;
  }

  @Override
  public long tasksRun() {
    return 0;
  }
}
