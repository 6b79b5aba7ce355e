package io.leasecr.core.kernel;

import io.leasecr.core.locks.Errno;
import io.leasecr.core.process.Fd;
import io.leasecr.core.process.ProcessActor;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.core.time.EmulatedTime;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The pid table: spawns process actors and routes commands to them by pid. Process actors are
 * all its children, not children of their emulated parent, because a Linux child outlives its
 * parent (it is re-parented) while a Pekko child would be stopped with it.
 */
public final class ProcessTable extends AbstractBehavior<ProcessTable.Command> {

  public sealed interface Command {}

  /** Start a process of the initial tree, with no open files. */
  public record Spawn(ProcessSpec spec) implements Command {}

  /** fork(2) in the parent: start the child with a copy of the parent's fd table. */
  public record Forked(ProcessSpec child, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds) implements Command {}

  /** Route a command to a process by pid. */
  public record Deliver(int pid, ProcessActor.Command command) implements Command {}

  public record Exited(int pid) implements Command {}

  public static Behavior<Command> create(ActorRef<LockManager.Command> locks, TraceSink trace) {
    return Behaviors.setup(ctx -> new ProcessTable(ctx, locks, trace));
  }

  private final ProcessActor.Kernel kernel;
  private final Map<Integer, ActorRef<ProcessActor.Command>> byPid = new HashMap<>();

  private ProcessTable(ActorContext<Command> ctx, ActorRef<LockManager.Command> locks, TraceSink trace) {
    super(ctx);
    this.kernel = new ProcessActor.Kernel(locks, ctx.getSelf(), trace);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Spawn.class, m -> start(m.spec(), new TreeMap<>(), null))
        .onMessage(Forked.class, m -> start(m.child(), m.fds(), m.leaseFds()))
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Exited.class, this::onExited)
        .build();
  }

  private Behavior<Command> start(ProcessSpec spec, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds) {
    if (byPid.containsKey(spec.pid())) {
      note(spec.pid(), spec.name(), "pid " + spec.pid() + " is already in use: process not started");
      return this;
    }
    byPid.put(spec.pid(), getContext().spawn(ProcessActor.create(spec, fds, leaseFds, kernel), "pid-" + spec.pid()));
    return this;
  }

  private Behavior<Command> onDeliver(Deliver m) {
    ActorRef<ProcessActor.Command> target = byPid.get(m.pid());
    if (target != null) {
      target.tell(m.command());
    } else if (m.command() instanceof ProcessActor.Run run) {
      note(m.pid(), "", "step " + run.step() + " (" + run.call().name() + ") skipped: no process " + m.pid());
      if (run.replyTo() != null) {
        run.replyTo().tell(new ProcessActor.StepDone(m.pid(), run.step(), run.call().name(), -1, Errno.ESRCH));
      }
    }
    return this;
  }

  private Behavior<Command> onExited(Exited m) {
    byPid.remove(m.pid());
    return this;
  }

  private void note(int pid, String name, String text) {
    if (kernel.trace().enabled()) {
      long now = EmulatedTime.clock(getContext().getSystem()).nowMillis();
      kernel.trace().emit(new TraceEvent(now, "note", pid, name, 0, null, TraceEvent.args("text", text), null, null));
    }
  }
}
