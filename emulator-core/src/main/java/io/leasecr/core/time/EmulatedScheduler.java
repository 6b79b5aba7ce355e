package io.leasecr.core.time;

import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.pekko.actor.AbstractSchedulerBase;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * The emulator's clock, scheduler and only worker thread, in one event loop.
 *
 * <p>Pekko runs every actor of the system on this loop (see {@link EmulatedExecutorConfigurator}),
 * and every timer (actor timers, ask time-outs) is a task in a priority queue ordered by (due time,
 * insertion sequence). The loop runs ready tasks first; only when none is left does it take the next
 * timer. In {@link TimeMode#VIRTUAL} mode it then jumps the clock to that timer's due time, so a 45 s
 * lease break costs no wall time; in {@link TimeMode#REAL} mode it waits for the (scaled) wall clock.
 *
 * <p>Why one thread: same-instant events must happen in the same order on every run and machine.
 * With one thread, FIFO ready tasks and (due, seq) timers, the order depends only on the inputs.
 * Why not Pekko's ExplicitlyTriggeredScheduler: it sleeps 100 ms per advance, fires same-instant
 * timers in random order, and mis-times timers started while a due timer runs (docs/virtual-time.md).
 */
public final class EmulatedScheduler extends AbstractSchedulerBase implements Closeable, EmulatedClock {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wakeUp = lock.newCondition();
  private final Condition idleChanged = lock.newCondition();
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final TimeMode mode;
  private final double scale;
  private final Thread loop;

  private long seq;
  private long nowNanos;
  private long wallOriginNanos;
  private long virtualOriginNanos;
  private long horizonNanos = Long.MAX_VALUE;
  private boolean paused;
  private boolean idle;
  private boolean waiting;
  private volatile boolean closed;
  private long tasksRun;
  private long cancelledTimers;
  private final ArrayDeque<Runnable> idleCallbacks = new ArrayDeque<>();
  /**
   * The ready tasks the loop has taken in, and those it made ready itself, in order: the loop thread's alone, used
   * without the lock. Nearly every task of a run is made ready by another task on the loop (an actor's message to
   * another); one lock for each would be two lock round trips a task, a tenth of a million-process run's loop
   * (BENCHMARKS.md, issue 17). Same order: the loop's own tasks queue behind all it has taken or queued, as in
   * {@link #ready}.
   */
  private final ArrayDeque<Runnable> taken = new ArrayDeque<>();
  /** A task was made ready by another thread (in {@link #ready}): the loop takes it in before its next task. */
  private volatile boolean readyElsewhere;

  public EmulatedScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    this(TimeMode.fromConfig(config), config.getDouble("lease-cr.time.scale"));
  }

  public EmulatedScheduler(TimeMode mode, double scale) {
    if (!(scale > 0)) {
      throw new IllegalArgumentException("lease-cr.time.scale must be > 0, got " + scale);
    }
    this.mode = mode;
    this.scale = scale;
    // Time stands still until the guardian resumes it. Virtual time must: while the actor system
    // starts, the main thread arms ask time-outs before it sends the asks, and a free-running virtual
    // clock would fire them at once ("Logger did not respond with LoggerInitialized"). Real time too,
    // so that emulated time 0 is when the run starts, not when the JVM began building the system.
    this.paused = true;
    this.wallOriginNanos = System.nanoTime();
    this.loop = new Thread(this::runLoop, "emulated-time-loop");
    this.loop.setDaemon(true);
    this.loop.start();
  }

  // ---------------------------------------------------------------- the clock

  @Override
  public TimeMode mode() {
    return mode;
  }

  @Override
  public long nowNanos() {
    if (mode == TimeMode.REAL) {
      lock.lock();
      try {
        return currentNanos();
      } finally {
        lock.unlock();
      }
    }
    return nowNanos; // only written on the loop thread, read by actors on the loop thread
  }

  /** Emulated now; the caller holds the lock. */
  private long currentNanos() {
    return mode == TimeMode.REAL && !paused ? wallToVirtual(System.nanoTime()) : nowNanos;
  }

  /** Stops or resumes the passing of time; ready work still runs while paused. */
  @Override
  public void setPaused(boolean paused) {
    lock.lock();
    try {
      if (mode == TimeMode.REAL && this.paused && !paused) {
        // time stood still while paused: re-anchor the wall clock so no timer fires late en masse
        wallOriginNanos = System.nanoTime();
        virtualOriginNanos = nowNanos;
      } else if (mode == TimeMode.REAL && !this.paused && paused) {
        nowNanos = wallToVirtual(System.nanoTime());
      }
      this.paused = paused;
      idle = false; // the loop must look again before anyone may call it idle
      wakeUp.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Timers due after this emulated instant do not fire: the loop goes idle instead. */
  @Override
  public void setHorizonNanos(long horizonNanos) {
    lock.lock();
    try {
      this.horizonNanos = horizonNanos;
      idle = false;
      wakeUp.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until nothing is left to do: no ready task and no timer that may fire (none at all, all
   * beyond the horizon, or time paused). Returns false on time-out (wall clock).
   */
  @Override
  public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    lock.lock();
    try {
      while (!idle || !ready.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        idleChanged.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Runs the callback on the loop the next time it has nothing else to do (then forgets it). */
  @Override
  public void whenIdle(Runnable callback) {
    lock.lock();
    try {
      idleCallbacks.addLast(callback);
      wake();
    } finally {
      lock.unlock();
    }
  }

  /** CPU time the loop thread has used so far (benchmarks: a figure that the machine's load does not inflate). */
  public long loopCpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(loop.getId());
  }

  @Override
  public long tasksRun() {
    return tasksRun;
  }

  private long wallToVirtual(long wall) {
    return virtualOriginNanos + (long) ((wall - wallOriginNanos) * scale);
  }

  private long virtualToWall(long virtual) {
    return wallOriginNanos + (long) ((virtual - virtualOriginNanos) / scale);
  }

  /**
   * Puts the clock back where a new system's starts, for the next run on a reused actor system
   * ({@link io.leasecr.core.scenario.EmulatorPool}): time 0 and paused, no horizon, and no timer or idle
   * callback of the run before (its actors are stopped, so what is left would only move the clock).
   * Called on the loop, between runs. Returns how many timers that had not been cancelled it dropped.
   */
  public int resetForNextRun() {
    lock.lock();
    try {
      int live = 0;
      for (Timer t : timers) {
        if (!t.cancelled()) {
          live++;
        }
      }
      timers.clear();
      cancelledTimers = 0;
      idleCallbacks.clear();
      nowNanos = 0;
      virtualOriginNanos = 0;
      wallOriginNanos = System.nanoTime();
      horizonNanos = Long.MAX_VALUE;
      paused = true;
      return live;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- the executor side

  /** Runs a task on the loop thread, after those already ready (FIFO). */
  void execute(Runnable task) {
    if (Thread.currentThread() == loop) {
      // the loop is running a task, so it is not idle and needs no waking
      if (!closed) {
        taken.addLast(task);
      }
      return;
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      ready.addLast(task);
      readyElsewhere = true;
      wake();
    } finally {
      lock.unlock();
    }
  }

  boolean isLoopThread() {
    return Thread.currentThread() == loop;
  }

  private void runLoop() {
    while (!closed) {
      if (readyElsewhere) {
        takeReady(); // behind what the loop has queued so far: as if it had come a moment later
      }
      Runnable next = taken.pollFirst();
      if (next == null) {
        next = takeNext();
      }
      if (next == null) {
        continue;
      }
      try {
        next.run();
      } catch (Throwable t) {
        // a failing task must not stop time for everyone else; Pekko reports actor failures itself
        t.printStackTrace();
      }
      tasksRun++;
    }
  }

  /** Moves the tasks other threads made ready behind the loop's own. */
  private void takeReady() {
    lock.lock();
    try {
      readyElsewhere = false;
      taken.addAll(ready);
      ready.clear();
    } finally {
      lock.unlock();
    }
  }

  /** The next task once the loop's own are done: one made ready elsewhere, else a due timer or an idle callback. */
  private Runnable takeNext() {
    lock.lock();
    try {
      readyElsewhere = false;
      Runnable task = ready.pollFirst();
      if (task != null) {
        taken.addAll(ready); // the rest with it: one lock for all of them
        ready.clear();
        return task;
      }
      Timer timer = timers.peek();
      while (timer != null && timer.cancelled()) {
        timers.poll();
        cancelledTimers = Math.max(0, cancelledTimers - 1);
        timer = timers.peek();
      }
      if (timer == null || paused || timer.dueNanos > horizonNanos) {
        Runnable callback = idleCallbacks.pollFirst();
        if (callback != null) {
          return callback;
        }
        goIdle(0);
        return null;
      }
      if (mode == TimeMode.REAL) {
        long wait = virtualToWall(timer.dueNanos) - System.nanoTime();
        if (wait > 0) {
          goIdle(wait);
          return null;
        }
      }
      timers.poll();
      if (timer.dueNanos > nowNanos) {
        nowNanos = timer.dueNanos;
      }
      return timer;
    } finally {
      lock.unlock();
    }
  }

  private void wake() {
    idle = false;
    if (waiting) {
      wakeUp.signal();
    }
  }

  private void goIdle(long waitNanos) {
    // a REAL-mode wait for a due timer is not idleness: the timer will fire by itself
    if (waitNanos == 0) {
      idle = true;
      idleChanged.signalAll();
    }
    waiting = true;
    try {
      if (waitNanos > 0) {
        wakeUp.awaitNanos(waitNanos);
      } else {
        wakeUp.await();
      }
    } catch (InterruptedException e) {
      closed = true;
    } finally {
      waiting = false;
    }
  }

  // ---------------------------------------------------------------- Pekko Scheduler API

  @Override
  public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext executor) {
    return add(delay.toNanos(), 0, runnable, executor);
  }

  @Override
  public Cancellable schedule(
      FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable, ExecutionContext executor) {
    if (interval.toNanos() <= 0) {
      throw new IllegalArgumentException("interval must be > 0");
    }
    return add(initialDelay.toNanos(), interval.toNanos(), runnable, executor);
  }

  @Override
  public double maxFrequency() {
    return 1.0e9; // a timer may be due every emulated nanosecond
  }

  private Cancellable add(long delayNanos, long intervalNanos, Runnable runnable, ExecutionContext executor) {
    lock.lock();
    try {
      long base = currentNanos();
      Handle handle = new Handle();
      if (!closed) {
        timers.add(new Timer(io.leasecr.core.input.Durations.saturatedAdd(base, Math.max(0, delayNanos)), seq++, intervalNanos, runnable, executor, handle));
        wake();
      }
      return handle;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      ready.clear();
      timers.clear();
      idle = true;
      wakeUp.signalAll();
      idleChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Cancelled timers stay in the heap until due; purge them when they are most of it, so that
   * millions of armed-then-cancelled lease deadlines do not pile up (amortised O(1) per cancel).
   */
  private void timerCancelled() {
    lock.lock();
    try {
      if (++cancelledTimers > 4096 && cancelledTimers > timers.size() / 2) {
        timers.removeIf(Timer::cancelled);
        cancelledTimers = 0;
      }
    } finally {
      lock.unlock();
    }
  }

  /** What the caller of schedule gets: one handle for all firings of a periodic timer. */
  private final class Handle implements Cancellable {
    private volatile boolean cancelled;

    @Override
    public boolean cancel() {
      boolean was = cancelled;
      cancelled = true;
      if (!was) {
        timerCancelled();
      }
      return !was;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }

  private final class Timer implements Runnable, Comparable<Timer> {
    final long dueNanos;
    final long order;
    final long intervalNanos;
    final Runnable task;
    final ExecutionContext executor;
    final Handle handle;

    Timer(long dueNanos, long order, long intervalNanos, Runnable task, ExecutionContext executor, Handle handle) {
      this.dueNanos = dueNanos;
      this.order = order;
      this.intervalNanos = intervalNanos;
      this.task = task;
      this.executor = executor;
      this.handle = handle;
    }

    boolean cancelled() {
      return handle.cancelled;
    }

    @Override
    public void run() {
      if (handle.cancelled) {
        return;
      }
      if (intervalNanos > 0) {
        lock.lock();
        try {
          timers.add(new Timer(dueNanos + intervalNanos, seq++, intervalNanos, task, executor, handle));
        } finally {
          lock.unlock();
        }
      }
      executor.execute(task);
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(dueNanos, o.dueNanos);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }
}
