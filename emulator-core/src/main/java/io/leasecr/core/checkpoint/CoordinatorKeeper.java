package io.leasecr.core.checkpoint;

import io.leasecr.core.checkpoint.CheckpointCoordinator.Command;
import io.leasecr.core.checkpoint.CheckpointCoordinator.Commit;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps a {@link CheckpointCoordinator} running through journal outages. Pekko stops an event-sourced
 * actor whose persist or recovery fails (it cannot know whether the event landed), and a supervisor
 * cannot restart a stop; a back-off restart inside the actor would replay onto the coordinator's
 * (mutable) state. So this keeper, in front, starts a fresh coordinator each time one stops: at once the
 * first time, then after a back-off of 0.2 s doubling to 5 s (+-10%), holding what arrives meanwhile.
 * The commits the coordinators have not answered are kept here ({@link CheckpointCoordinator.Carry}):
 * the next coordinator commits them after its start-up, and each is answered as not committed once
 * {@code retryFor} has passed since the failure that cut it short. Two states: running (forwarding to
 * the coordinator) and backing off (holding).
 */
final class CoordinatorKeeper {

  static Behavior<Command> create(ActorRef<CheckpointCoordinator.Listing> ready, Duration retryFor) {
    return Behaviors.setup(ctx -> Behaviors.withStash(100_000, stash -> Behaviors.withTimers(timers ->
        new CoordinatorKeeper(ctx, stash, timers, ready, new CheckpointCoordinator.Carry(retryFor)).running(1, 0))));
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final ActorRef<CheckpointCoordinator.Listing> ready;
  private final CheckpointCoordinator.Carry carry;
  /** Commits arriving in parts (bigger than one Artery frame), put together before the coordinator sees them. */
  private final CommitParts parts = new CommitParts();

  private CoordinatorKeeper(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers,
      ActorRef<CheckpointCoordinator.Listing> ready, CheckpointCoordinator.Carry carry) {
    this.ctx = ctx;
    this.stash = stash;
    this.timers = timers;
    this.ready = ready;
    this.carry = carry;
  }

  /** Incarnation {@code n} runs; {@code failures}: how many stopped in a row before it. */
  private Behavior<Command> running(int n, int failures) {
    ActorRef<Command> coordinator = ctx.spawn(CheckpointCoordinator.kept(ready, carry, n), "coordinator-" + n);
    ctx.watchWith(coordinator, new CheckpointCoordinator.Stopped(n));
    long startedAt = System.nanoTime();
    return stash.unstashAll(Behaviors.receive(Command.class)
        .onMessage(CheckpointCoordinator.Stopped.class, s -> {
          // one that came up and served a while before the journal failed starts the back-off afresh
          boolean lived = carry.cameUp(n) && System.nanoTime() - startedAt > 4 * CheckpointCoordinator.BACKOFF_MAX.toNanos();
          return backingOff(n, lived ? 1 : failures + 1);
        })
        .onMessage(CheckpointCoordinator.Overdue.class, this::onOverdue)
        .onMessage(CheckpointCoordinator.Respawn.class, r -> Behaviors.same())
        .onMessage(CheckpointCoordinator.CommitPart.class, p -> {
          Commit whole = parts.add(p);
          if (parts.problem != null) {
            ctx.getLog().warn("checkpoint {}: {}", p.id(), parts.problem);
          }
          if (whole != null) {
            remember(whole);
            coordinator.tell(whole);
          }
          return Behaviors.same();
        })
        .onAnyMessage(m -> {
          remember(m); // kept here: a coordinator that stops while it replays has not seen it yet
          coordinator.tell(m);
          return Behaviors.same();
        })
        .build());
  }

  /** Incarnation {@code n} stopped: the commits it left are retried by the next, within their bound. */
  private Behavior<Command> backingOff(int n, int failures) {
    for (Commit c : carry.failedNow(System.currentTimeMillis())) {
      ctx.getLog().warn("checkpoint {}: the journal failed before it was committed ({}); it is committed again when"
          + " the journal is back, for up to {} ms (lease-cr.checkpoint.commit-retry-for), else answered as not"
          + " committed", c.id(), carry.lastFailure, carry.retryFor.toMillis());
      timers.startSingleTimer(c, new CheckpointCoordinator.Overdue(c), carry.retryFor);
    }
    Duration delay = backoff(failures);
    ctx.getLog().warn("checkpoint coordinator stopped ({}); starting it again in {} ms", carry.lastFailure,
        delay.toMillis());
    timers.startSingleTimer("respawn", new CheckpointCoordinator.Respawn(), delay);
    return Behaviors.receive(Command.class)
        .onMessage(CheckpointCoordinator.Respawn.class, r -> running(n + 1, failures))
        .onMessage(CheckpointCoordinator.Overdue.class, this::onOverdue)
        .onAnyMessage(m -> {
          remember(m);
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  /** The first restart at once; then 0.2 s doubling to 5 s, +-10%. */
  static Duration backoff(int failures) {
    if (failures <= 1) {
      return Duration.ZERO;
    }
    long ms = Math.min(CheckpointCoordinator.BACKOFF_MAX.toMillis(),
        CheckpointCoordinator.BACKOFF_MIN.toMillis() << Math.min(failures - 2, 10));
    return Duration.ofMillis(Math.round(ms * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble())));
  }

  private void remember(Command m) {
    if (m instanceof Commit c) {
      carry.remember(c);
    }
  }

  private Behavior<Command> onOverdue(CheckpointCoordinator.Overdue o) {
    CheckpointCoordinator.notCommitted(carry, o.commit(), ctx.getLog());
    return Behaviors.same();
  }
}
