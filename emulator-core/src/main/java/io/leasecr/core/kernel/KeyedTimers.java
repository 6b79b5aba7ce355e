package io.leasecr.core.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.dispatch.ExecutionContexts$;

/**
 * An actor's keyed timers, with Pekko's {@code TimerScheduler} semantics: a timer started again under its key
 * replaces the old one, and a cancelled or replaced timer's message is never delivered, even if it is already in
 * the mailbox. The same scheduler calls in the same order as {@code Behaviors.withTimers} (scheduleOnce or
 * scheduleWithFixedDelay of a task that tells the owner its arrival message, made by {@link Arrival}), so the
 * schedule, and every trace, is the same. The owner hands each arrival to {@link #delivered} and cancels all at
 * its PostStop, as the timer interceptor would.
 *
 * <p>Why not {@code Behaviors.withTimers}: it gives every actor a timer scheduler and an interceptor that every
 * message passes through, from the actor's start. Nearly every process of a large tree never starts a timer
 * (about 5% of a 100k tree run's loop, BENCHMARKS.md issue 17), and a lease table's deadline timer is started and
 * cancelled at every lease break (Pekko's timer scheduler was 5% of the lease-break cycle's loop). Here an owner
 * without a timer holds one small object with no map; the map comes with its first timer.
 *
 * @param <C> the owner's protocol
 */
final class KeyedTimers<C> {

  /** The owner's local message for a timer's arrival: the key, the timer's generation and these timers. */
  interface Arrival<C> {
    C of(Object key, int generation, KeyedTimers<C> owner);
  }

  private record Timer<C>(C msg, boolean repeat, int generation, Cancellable task) {}

  private final ActorRef<C> self;
  private final Scheduler scheduler;
  private final Arrival<C> arrival;
  /** Armed timers by key; null while none is (the usual case). */
  private HashMap<Object, Timer<C>> timers;
  private int generation;

  KeyedTimers(ActorRef<C> self, Scheduler scheduler, Arrival<C> arrival) {
    this.self = self;
    this.scheduler = scheduler;
    this.arrival = arrival;
  }

  void startSingleTimer(Object key, C msg, Duration delay) {
    start(key, msg, delay, false);
  }

  void startTimerWithFixedDelay(Object key, C msg, Duration delay) {
    start(key, msg, delay, true);
  }

  private void start(Object key, C msg, Duration delay, boolean repeat) {
    cancel(key);
    int gen = ++generation;
    C fired = arrival.of(key, gen, this);
    Runnable send = () -> self.tell(fired);
    Cancellable task = repeat
        ? scheduler.scheduleWithFixedDelay(delay, delay, send, ExecutionContexts$.MODULE$.parasitic())
        : scheduler.scheduleOnce(delay, send, ExecutionContexts$.MODULE$.parasitic());
    if (timers == null) {
      timers = new HashMap<>(4);
    }
    timers.put(key, new Timer<>(msg, repeat, gen, task));
  }

  /** The message of the timer armed under {@code key}, or null if none is. */
  C armed(Object key) {
    Timer<C> t = timers == null ? null : timers.get(key);
    return t == null ? null : t.msg;
  }

  void cancel(Object key) {
    Timer<C> t = remove(key);
    if (t != null) {
      t.task.cancel();
    }
  }

  /** Drops the timer under {@code key}, and the map with its last timer (a million idle processes keep none). */
  private Timer<C> remove(Object key) {
    if (timers == null) {
      return null;
    }
    Timer<C> t = timers.remove(key);
    if (timers.isEmpty()) {
      timers = null;
    }
    return t;
  }

  void cancelAll() {
    if (timers == null) {
      return;
    }
    for (Timer<C> t : new ArrayList<>(timers.values())) {
      t.task.cancel();
    }
    timers = null;
  }

  /**
   * The message an arrival ({@code key}, {@code generation}, {@code owner}: what {@link Arrival} was given)
   * delivers, or null if the timer was cancelled or replaced since it fired, or is another owner's.
   */
  C delivered(Object key, int generation, KeyedTimers<?> owner) {
    Timer<C> t = owner == this && timers != null ? timers.get(key) : null;
    if (t == null || t.generation != generation) {
      return null;
    }
    if (!t.repeat) {
      remove(key);
    }
    return t.msg;
  }
}
