package io.leasecr.core.kernel;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The Pekko parent of a slice of a large tree's process actors (lease-cr.process.spawn-group of them): the
 * {@link ProcessTable} spawns a large tree in slices under these instead of as a million children of its own,
 * because Pekko keeps an actor's children in an immutable sorted tree (and, while they stop, an immutable set
 * of the dying) that every spawn and every stop updates. Nothing else changes: every process is still its own
 * actor, registered with the LockManager as it starts, in the tree's order, and addressed directly by the
 * ProcessTable once the slice has reported its actors. A group has no emulated meaning: it emits no trace.
 */
public final class ProcessGroup extends AbstractBehavior<ProcessGroup.Command> {

  /** The table's own traffic with its slices: local, never crosses a node. */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** One process to start: its pid, its actor's name, its behaviour (a new or a restored process). */
  public record Member(int pid, String name, Behavior<ProcessActor.Command> behavior) {}

  /** Start these processes in order, register each with the LockManager, report the actors to {@code table}. */
  public record Start(int epoch, List<Member> members, ActorRef<LockManager.Command> locks,
      ActorRef<ProcessTable.Command> table) implements Command {}

  /** A checkpoint asked for before the table knew this slice's actors: ask each of them for its state. */
  public record SaveAll(ActorRef<ProcessActor.Saved> replyTo) implements Command {}

  /** A command for one of this slice's processes, sent before the table knew its actor. */
  public record Forward(int pid, ProcessActor.Command command) implements Command {}

  public static Behavior<Command> create() {
    return Behaviors.setup(ProcessGroup::new);
  }

  private int[] pids = new int[0];
  private List<ActorRef<ProcessActor.Command>> refs = List.of();

  private ProcessGroup(ActorContext<Command> ctx) {
    super(ctx);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(SaveAll.class, m -> {
          refs.forEach(r -> r.tell(new ProcessActor.Save(m.replyTo())));
          return this;
        })
        .onMessage(Forward.class, this::onForward)
        .build();
  }

  private Behavior<Command> onStart(Start m) {
    int n = m.members().size();
    pids = new int[n];
    List<ActorRef<ProcessActor.Command>> started = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Member member = m.members().get(i);
      ActorRef<ProcessActor.Command> ref = getContext().spawn(member.behavior(), member.name());
      pids[i] = member.pid();
      started.add(ref);
      m.locks().tell(new LockManager.Register(member.pid(), ref)); // as the table does for a process it starts
    }
    refs = started;
    m.table().tell(new ProcessTable.GroupStarted(m.epoch(), getContext().getSelf(), pids, refs));
    return this;
  }

  private Behavior<Command> onForward(Forward m) {
    for (int i = 0; i < pids.length; i++) {
      if (pids[i] == m.pid()) {
        refs.get(i).tell(m.command());
        break;
      }
    }
    return this;
  }
}
