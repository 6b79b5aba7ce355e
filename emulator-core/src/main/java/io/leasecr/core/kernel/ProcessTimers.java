package io.leasecr.core.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.dispatch.ExecutionContexts$;

/**
 * A process's keyed timers, with Pekko's {@code TimerScheduler} semantics: a timer started again under its key
 * replaces the old one, and a cancelled or replaced timer's message is never delivered, even if it is already in
 * the mailbox. The same scheduler calls in the same order as {@code Behaviors.withTimers} (scheduleOnce or
 * scheduleWithFixedDelay of a task that tells {@link ProcessActor.TimerFired} to the process), so the schedule, and every trace, is
 * the same.
 *
 * <p>Why not {@code Behaviors.withTimers}: it gives every actor a timer scheduler and an interceptor that every
 * message passes through, from the actor's start, while nearly every process of a large tree never starts a
 * timer (about 5% of a 100k tree run's loop, BENCHMARKS.md issue 17). Here a process without a timer holds one
 * small object with no map; the map comes with its first timer.
 */
final class ProcessTimers {

  private record Timer(ProcessActor.Command msg, boolean repeat, int generation, Cancellable task) {}

  private final ActorRef<ProcessActor.Command> self;
  private final Scheduler scheduler;
  /** Armed timers by key; null while none is (the usual case). */
  private HashMap<Object, Timer> timers;
  private int generation;

  ProcessTimers(ActorRef<ProcessActor.Command> self, Scheduler scheduler) {
    this.self = self;
    this.scheduler = scheduler;
  }

  void startSingleTimer(Object key, ProcessActor.Command msg, Duration delay) {
    start(key, msg, delay, false);
  }

  void startTimerWithFixedDelay(Object key, ProcessActor.Command msg, Duration delay) {
    start(key, msg, delay, true);
  }

  private void start(Object key, ProcessActor.Command msg, Duration delay, boolean repeat) {
    cancel(key);
    int gen = ++generation;
    ProcessActor.TimerFired fired = new ProcessActor.TimerFired(key, gen, this);
    Runnable send = () -> self.tell(fired);
    Cancellable task = repeat
        ? scheduler.scheduleWithFixedDelay(delay, delay, send, ExecutionContexts$.MODULE$.parasitic())
        : scheduler.scheduleOnce(delay, send, ExecutionContexts$.MODULE$.parasitic());
    if (timers == null) {
      timers = new HashMap<>(4);
    }
    timers.put(key, new Timer(msg, repeat, gen, task));
  }

  void cancel(Object key) {
    Timer t = remove(key);
    if (t != null) {
      t.task.cancel();
    }
  }

  /** Drops the timer under {@code key}, and the map with its last timer (a million idle processes keep none). */
  private Timer remove(Object key) {
    if (timers == null) {
      return null;
    }
    Timer t = timers.remove(key);
    if (timers.isEmpty()) {
      timers = null;
    }
    return t;
  }

  void cancelAll() {
    if (timers == null) {
      return;
    }
    for (Timer t : new ArrayList<>(timers.values())) {
      t.task.cancel();
    }
    timers = null;
  }

  /** The message a timer's arrival delivers, or null if the timer was cancelled or replaced since it fired. */
  ProcessActor.Command delivered(ProcessActor.TimerFired f) {
    Timer t = f.owner() == this && timers != null ? timers.get(f.key()) : null;
    if (t == null || t.generation != f.generation()) {
      return null;
    }
    if (!t.repeat) {
      remove(f.key());
    }
    return t.msg;
  }
}
