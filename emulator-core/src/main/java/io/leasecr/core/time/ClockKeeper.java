package io.leasecr.core.time;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The keeper of a cluster node's {@link WallClock}: freezes it for a checkpoint and thaws it at the
 * instant the drill names, so that a cut across nodes is taken while emulated time stands still
 * everywhere (no deadline passes, no reaction comes due) and the nodes agree on the time afterwards.
 * Registered with the receptionist, so the drill finds every node's keeper.
 */
public final class ClockKeeper {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "clock-keeper");

  public sealed interface Command {}

  public record Freeze(ActorRef<State> replyTo) implements Command {}

  public record Thaw(long atMs, ActorRef<State> replyTo) implements Command {}

  /** Where the node's clock stands (after a freeze) or goes on from (after a thaw), in emulated ms. */
  public record State(String node, long atMs, boolean frozen) {}

  private ClockKeeper() {}

  public static Behavior<Command> create(String node) {
    return Behaviors.setup(ctx -> {
      if (!(EmulatedTime.clock(ctx.getSystem()) instanceof WallClock clock)) {
        throw new IllegalStateException("a clock keeper needs a node's wall clock (lease-cr.time.clock = wall)");
      }
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(Freeze.class, m -> {
            m.replyTo().tell(new State(node, clock.freeze(), true));
            return Behaviors.same();
          })
          .onMessage(Thaw.class, m -> {
            clock.thaw(m.atMs());
            m.replyTo().tell(new State(node, clock.nowMillis(), false));
            return Behaviors.same();
          })
          .build();
    });
  }
}
