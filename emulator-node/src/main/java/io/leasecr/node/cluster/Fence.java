package io.leasecr.node.cluster;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The fence in front of a lease table (an inode's LockManager) or a process entity: a command stamped
 * with a node incarnation ({@code FromNode}) is let through unwrapped while the cluster has not downed
 * or removed that incarnation, and refused afterwards, with a trace note and a log line
 * ({@code fenced: F_UNLCK from pid 101 on n2 (incarnation 1, downed 0.6 s before)}). The refused sender gets
 * no answer: like a client whose session expired, it learns from the cluster that it is gone (the
 * downed node shuts itself down). Unstamped commands (the drill's driver: checkpoints, restores, lock
 * listings) pass: the driver is the authority that downs nodes, not one of them.
 */
final class Fence {

  private Fence() {}

  static Behavior<LockManager.Command> locks(Behavior<LockManager.Command> table, FenceBook book, TraceSink trace,
      String node) {
    return Behaviors.intercept(() -> new BehaviorInterceptor<LockManager.Command, LockManager.Command>(
        LockManager.Command.class) {
      @Override
      public Behavior<LockManager.Command> aroundReceive(TypedActorContext<LockManager.Command> ctx,
          LockManager.Command msg, ReceiveTarget<LockManager.Command> target) {
        if (!(msg instanceof LockManager.FromNode f)) {
          return target.apply(ctx, msg);
        }
        String why = book.refusal(f.origin(), EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis());
        if (why == null) {
          return target.apply(ctx, f.command());
        }
        refuse(ctx, trace, book, node, pid(f.command()), "from", describe(f.command()), f.origin(), why);
        return Behaviors.same();
      }
    }, table);
  }

  static Behavior<ProcessTable.Command> processes(Behavior<ProcessTable.Command> entity, FenceBook book,
      TraceSink trace, String node) {
    return Behaviors.intercept(() -> new BehaviorInterceptor<ProcessTable.Command, ProcessTable.Command>(
        ProcessTable.Command.class) {
      @Override
      public Behavior<ProcessTable.Command> aroundReceive(TypedActorContext<ProcessTable.Command> ctx,
          ProcessTable.Command msg, ReceiveTarget<ProcessTable.Command> target) {
        if (!(msg instanceof ProcessTable.FromNode f)) {
          return target.apply(ctx, msg);
        }
        String why = book.refusal(f.origin(), EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis());
        if (why == null) {
          return target.apply(ctx, f.command());
        }
        refuse(ctx, trace, book, node, pid(f.command()), "for", describe(f.command()), f.origin(), why);
        return Behaviors.same();
      }
    }, entity);
  }

  private static void refuse(TypedActorContext<?> ctx, TraceSink trace, FenceBook book, String node, int pid,
      String preposition, String what, NodeIncarnation origin, String why) {
    String text = "fenced: " + what + (pid > 0 ? " " + preposition + " pid " + pid : "") + " on " + origin.node() + " (" + why + ")";
    ctx.asJava().getLog().warn("{} (uid {}); refused on {}", text, origin.uid(), node);
    if (trace.enabled()) {
      trace.emit(new TraceEvent(EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis(), "note", Math.max(pid, 0),
          "kernel", 0, null, TraceEvent.args("text", text, "node", node, "fenced", origin.node(),
              "incarnation", origin.uid(), "downedAt", book.downedAt(origin.uid())), null, null));
    }
  }

  /** The pid a command is from (or for), 0 if none. */
  static int pid(LockManager.Command c) {
    if (c instanceof LockManager.Open m) return m.pid();
    if (c instanceof LockManager.Truncate m) return m.pid();
    if (c instanceof LockManager.SetLease m) return m.pid();
    if (c instanceof LockManager.GetLease m) return m.pid();
    if (c instanceof LockManager.SetSig m) return m.pid();
    if (c instanceof LockManager.RecordLock m) return m.pid();
    if (c instanceof LockManager.Put m) return m.pid();
    if (c instanceof LockManager.Interrupt m) return m.pid();
    if (c instanceof LockManager.ProcessExited m) return m.pid();
    return 0;
  }

  /** What a refused command would have done, in the words of the syscall. */
  static String describe(LockManager.Command c) {
    if (c instanceof LockManager.Open m) return "open(" + m.path() + ")";
    if (c instanceof LockManager.Truncate m) return "truncate(" + m.path() + ")";
    if (c instanceof LockManager.SetLease m) {
      LeaseType t = LeaseType.ofValue(m.arg());
      return t == LeaseType.UNLCK ? "F_UNLCK" : "F_SETLEASE " + (t == null ? m.arg() : t.fcntlName());
    }
    if (c instanceof LockManager.GetLease) return "F_GETLEASE";
    if (c instanceof LockManager.SetSig) return "F_SETSIG";
    if (c instanceof LockManager.RecordLock m) {
      LeaseType t = LeaseType.ofValue(m.type());
      return m.cmd() + " " + (t == null ? m.type() : t.fcntlName()) + " [" + m.start() + ", +" + m.len() + ")";
    }
    if (c instanceof LockManager.Put m) return "close of description " + m.fileId();
    if (c instanceof LockManager.Get m) return "dup of description " + m.fileId();
    if (c instanceof LockManager.Interrupt) return "interrupt of a blocked call";
    if (c instanceof LockManager.ProcessExited) return "exit";
    return c.getClass().getSimpleName();
  }

  static int pid(ProcessTable.Command c) {
    if (c instanceof ProcessTable.Spawn m) return m.spec().pid();
    if (c instanceof ProcessTable.Forked m) return m.child().pid();
    if (c instanceof ProcessTable.Deliver m) return m.pid();
    if (c instanceof ProcessTable.Exited m) return m.pid();
    return 0;
  }

  static String describe(ProcessTable.Command c) {
    if (c instanceof ProcessTable.Spawn) return "spawn";
    if (c instanceof ProcessTable.Forked) return "fork";
    if (c instanceof ProcessTable.Exited) return "exit";
    if (c instanceof ProcessTable.Deliver m) {
      return m.command() instanceof ProcessActor.Signal s
          ? io.leasecr.core.locks.Signals.name(s.signo()) + " delivery"
          : m.command().getClass().getSimpleName() + " delivery";
    }
    return c.getClass().getSimpleName();
  }
}
