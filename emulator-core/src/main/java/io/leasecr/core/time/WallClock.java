package io.leasecr.core.time;

import java.util.concurrent.TimeUnit;

/**
 * Emulated time read from the wall clock, for cluster nodes: {@code scale} times the milliseconds
 * since a shared origin (epoch ms), so every node of a drill stamps its trace on one time axis. Timers
 * run on Pekko's own scheduler and dispatchers, not on the {@link EmulatedScheduler} loop: Artery, the
 * failure detector and gossip need real threads and real time (docs/virtual-time.md, "Cluster nodes").
 *
 * <p>The clock can be frozen, for a checkpoint: emulated time stands still, so no lease deadline
 * passes and no scripted reaction comes due (their timers find they are early and wait again, see
 * {@link #timerDelayMillis}). A thaw names the emulated instant to go on from, the same on every
 * node, so the nodes' clocks agree again after a cut even though they froze a few ms apart.
 */
public final class WallClock implements EmulatedClock {

  /** How often a timer that fires while the clock is frozen looks again. */
  static final long FROZEN_POLL_MS = 20;

  private final double scale;
  /** The emulated instant at {@link #wallAtResume}, and whether time stands still there. */
  private long emulatedAtResume;
  private long wallAtResume;
  private boolean frozen;
  /** A drill's clock skew: this node's emulated time runs this far ahead (negative: behind) of the others'. */
  private long skewNanos;

  public WallClock(long originEpochMs) {
    this(originEpochMs, 1.0);
  }

  public WallClock(long originEpochMs, double scale) {
    if (!(scale > 0)) {
      throw new IllegalArgumentException("lease-cr.time.scale must be > 0, got " + scale);
    }
    this.scale = scale;
    long wallNanos = System.nanoTime();
    long sinceOrigin = (System.currentTimeMillis() - originEpochMs) * 1_000_000L;
    this.emulatedAtResume = (long) (sinceOrigin * scale);
    this.wallAtResume = wallNanos;
  }

  @Override
  public TimeMode mode() {
    return TimeMode.REAL;
  }

  @Override
  public synchronized long nowNanos() {
    return unskewed() + skewNanos;
  }

  private long unskewed() {
    return frozen ? emulatedAtResume : emulatedAtResume + (long) ((System.nanoTime() - wallAtResume) * scale);
  }

  /**
   * From now on this clock reads {@code ms} ahead of the shared axis (negative: behind): a drill's
   * skewed node. Freezing and thawing work on the shared axis, so a cut does not spread the skew.
   */
  public synchronized void skew(long ms) {
    skewNanos = ms * 1_000_000L;
  }

  public synchronized long skewMillis() {
    return skewNanos / 1_000_000L;
  }

  /** Stops emulated time; returns the instant it stands at (ms). Freezing a frozen clock changes nothing. */
  public synchronized long freeze() {
    if (!frozen) {
      emulatedAtResume = unskewed();
      frozen = true;
    }
    return emulatedAtResume / 1_000_000L;
  }

  /**
   * Lets time run again from emulated {@code atMs} (never backwards: a node that froze later than
   * {@code atMs} goes on from where it stood).
   */
  public synchronized void thaw(long atMs) {
    long at = Math.max(unskewed(), atMs * 1_000_000L);
    frozen = false;
    emulatedAtResume = at;
    wallAtResume = System.nanoTime();
  }

  public synchronized boolean frozen() {
    return frozen;
  }

  /** Emulated ms to wall ms at this clock's scale; while frozen, a short poll: the timer will be early. */
  @Override
  public synchronized long timerDelayMillis(long emulatedMs) {
    if (frozen) {
      return FROZEN_POLL_MS;
    }
    return (long) Math.ceil(Math.max(0, emulatedMs) / scale);
  }

  @Override
  public long wallMillis(long emulatedMs) {
    return (long) Math.ceil(emulatedMs / scale);
  }

  @Override
  public void setPaused(boolean paused) {
    // a cluster node's clock is frozen by freeze(), from the drill, not by a single-node runner
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
