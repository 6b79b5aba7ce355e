package io.leasecr.node.cluster;

import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.process.Fd;
import io.leasecr.core.kernel.ProcessActor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The sharded entity of one pid: the process table's job for that pid alone. It starts the
 * {@link ProcessActor} (Spawn, Forked, or Restore from a checkpoint image) as its child, forwards
 * what is delivered to the pid, and collects the process's state for a checkpoint. Commands for a
 * pid that is not running yet are held (a signal raised while a restore is on its way) or, for a
 * syscall, answered with ESRCH as the single-node table does. When its process exits, the entity
 * passivates (a remembered entity that merely stopped would be started again by sharding).
 */
final class ProcessEntity extends AbstractBehavior<ProcessTable.Command> {

  /** {@code node}: this node's name, for the trace. */
  static Behavior<ProcessTable.Command> create(int pid, ProcessActor.Kernel kernel,
      ActorRef<ClusterSharding.ShardCommand> shard, String node) {
    return Behaviors.setup(ctx -> {
      // in the node's trace: where sharding (on a message, or remember-entities after a node loss) starts it
      if (kernel.trace().enabled()) {
        kernel.trace().emit(new io.leasecr.core.trace.TraceEvent(
            io.leasecr.core.time.EmulatedTime.clock(ctx.getSystem()).nowMillis(), "note", pid, "kernel", 0, null,
            io.leasecr.core.trace.TraceEvent.args("text", EmulatorSharding.ENTITY_STARTED + pid + " on " + node
                + " (the process runs once it is spawned or restored)", "node", node), null, null));
      }
      return new ProcessEntity(ctx, pid, kernel, shard);
    });
  }

  private final int pid;
  private final ProcessActor.Kernel kernel;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final List<ProcessActor.Command> held = new ArrayList<>();
  private ActorRef<ProcessActor.Command> process;
  private int incarnation;

  private ProcessEntity(ActorContext<ProcessTable.Command> ctx, int pid, ProcessActor.Kernel kernel,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    super(ctx);
    this.pid = pid;
    this.kernel = kernel;
    this.shard = shard;
  }

  @Override
  public Receive<ProcessTable.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ProcessTable.Spawn.class, m -> start(ProcessActor.create(m.spec(), new TreeMap<>(), null, kernel)))
        .onMessage(ProcessTable.Forked.class, m -> start(ProcessActor.create(m.child(), m.fds(), m.leaseFds(), m.blockedSignals(), kernel)))
        .onMessage(ProcessTable.Restore.class, this::onRestore)
        .onMessage(ProcessTable.Deliver.class, this::onDeliver)
        .onMessage(ProcessTable.Exited.class, this::onExited)
        .onMessage(ProcessTable.Save.class, this::onSave)
        .onSignal(Terminated.class, t -> {
          if (t.getRef().equals(process)) {
            process = null;
          }
          return this;
        })
        .build();
  }

  private Behavior<ProcessTable.Command> onExited(ProcessTable.Exited m) {
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf())); // forgotten: not re-created elsewhere
    return this;
  }

  private Behavior<ProcessTable.Command> start(Behavior<ProcessActor.Command> behavior) {
    if (process != null) {
      return this; // the pid is in use: as in the single-node table, the second start is ignored
    }
    process = getContext().spawn(behavior, "pid-" + pid + "-" + incarnation++);
    getContext().watch(process);
    held.forEach(process::tell);
    held.clear();
    return this;
  }

  private Behavior<ProcessTable.Command> onRestore(ProcessTable.Restore m) {
    if (process != null) {
      getContext().stop(process); // the old incarnation is gone, without exit(2)
      process = null;
    }
    Map<Long, Fd> files = new HashMap<>();
    for (io.leasecr.proto.image.OpenFile f : m.files()) {
      files.put(f.getId(), new Fd(f.getIno(), f.getId(), f.getPath(), AccessMode.valueOf(f.getMode().name()),
          f.getNonblock(), !f.getNotRegular()));
    }
    for (io.leasecr.proto.image.Process p : m.processes()) {
      if (p.getSpec().getPid() == pid) {
        return start(ProcessActor.restored(p, files, kernel));
      }
    }
    return this;
  }

  private Behavior<ProcessTable.Command> onDeliver(ProcessTable.Deliver m) {
    if (process != null) {
      process.tell(m.command());
    } else if (m.command() instanceof ProcessActor.Run run) {
      if (run.replyTo() != null) {
        run.replyTo().tell(new ProcessActor.StepDone(pid, run.step(), run.call().name(), -1, Errno.ESRCH));
      }
    } else if (held.size() < 64) {
      held.add(m.command());
    }
    return this;
  }

  private Behavior<ProcessTable.Command> onSave(ProcessTable.Save m) {
    if (process == null) {
      m.replyTo().tell(new ProcessTable.ProcessesSaved(List.of()));
    } else {
      process.tell(new ProcessActor.SaveAlone(m.replyTo())); // answered by the process itself, with its state
    }
    return this;
  }
}
