package io.leasecr.node.cluster;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import java.util.function.Function;
import java.util.function.ToIntFunction;
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
 *
 * <p>A command from a sender this node sees as unreachable is held, not applied: the resolver's downing is
 * decided on one node and reaches this one by gossip, and a command landing in between would be applied by a
 * fence that only knew its own node's view. Held commands are refused when the downing arrives, or applied
 * in order once the sender is cleared ({@link Clearance}): {@code held: F_UNLCK from pid 101 on n2 (...)}.
 */
final class Fence {

  private Fence() {}

  /** How often a held sender is looked at again (wall time: reachability and gossip are not emulated). */
  static final java.time.Duration RECHECK = java.time.Duration.ofMillis(100);

  static Behavior<LockManager.Command> locks(Behavior<LockManager.Command> table, FenceBook book, TraceSink trace,
      String node) {
    return locks(table, book, Clearance.NONE, trace, node);
  }

  static Behavior<LockManager.Command> locks(Behavior<LockManager.Command> table, FenceBook book, Clearance clearance,
      TraceSink trace, String node) {
    return guard(table, new Kind<>(m -> m instanceof LockManager.FromNode f ? f.origin() : null,
        m -> ((LockManager.FromNode) m).command(), Fence::pid, c -> Fence.describe(c) + " from"),
        book, clearance, trace, node);
  }

  static Behavior<ProcessTable.Command> processes(Behavior<ProcessTable.Command> entity, FenceBook book,
      TraceSink trace, String node) {
    return processes(entity, book, Clearance.NONE, trace, node);
  }

  static Behavior<ProcessTable.Command> processes(Behavior<ProcessTable.Command> entity, FenceBook book,
      Clearance clearance, TraceSink trace, String node) {
    return guard(entity, new Kind<>(m -> m instanceof ProcessTable.FromNode f ? f.origin() : null,
        m -> ((ProcessTable.FromNode) m).command(), Fence::pid, c -> Fence.describe(c) + " for"),
        book, clearance, trace, node);
  }

  /**
   * What the fence needs to know of one protocol: the stamp's incarnation of a message (null for an unstamped
   * command, the driver's), the command it carries, its pid, and the words before "pid N" ("F_UNLCK from",
   * "SIGIO delivery for").
   */
  private record Kind<C>(Function<Object, NodeIncarnation> origin,
      Function<Object, C> command, ToIntFunction<C> pidOf,
      Function<C, String> describe) {
    NodeIncarnation origin(Object m) {
      return origin.apply(m);
    }

    C command(Object m) {
      return command.apply(m);
    }

    int pid(C c) {
      return pidOf.applyAsInt(c);
    }

    String describe(C c) {
      return describe.apply(c);
    }
  }

  /** The next held command of a sender is due to be looked at again (a local message, never crosses nodes). */
  private record Recheck(long uid) implements org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** A command held while its sender is unreachable here, in arrival order. */
  private record Held<C>(NodeIncarnation origin, C command, long atMs) {}

  private static <C> Behavior<C> guard(Behavior<C> inner, Kind<C> kind, FenceBook book, Clearance clearance,
      TraceSink trace, String node) {
    Behavior<Object> fenced = Behaviors.intercept(() -> new Guard<>(kind, book, clearance, trace, node), inner);
    return fenced.narrow();
  }

  /**
   * One entity's fence. A stamped command from a downed, removed or superseded incarnation is refused. One
   * from a sender this node sees as unreachable (or has seen so and not cleared since) is held, with every
   * later command of that sender behind it, until the sender is cleared (then applied, in order, one per
   * turn of the mailbox) or downed (then refused): the downing is decided by the resolver on one node and
   * reaches this one by gossip, and a command that lands in between must not be applied. Everything else
   * passes unwrapped at once.
   */
  private static final class Guard<C> extends BehaviorInterceptor<Object, C> {
    private final Kind<C> kind;
    private final FenceBook book;
    private final Clearance clearance;
    private final TraceSink trace;
    private final String node;
    private final java.util.Map<Long, java.util.ArrayDeque<Held<C>>> held = new java.util.HashMap<>();

    Guard(Kind<C> kind, FenceBook book, Clearance clearance, TraceSink trace, String node) {
      super(Object.class);
      this.kind = kind;
      this.book = book;
      this.clearance = clearance;
      this.trace = trace;
      this.node = node;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Behavior<C> aroundReceive(TypedActorContext<Object> ctx, Object msg, ReceiveTarget<C> target) {
      if (msg instanceof Recheck r) {
        return recheck(ctx, r.uid(), target);
      }
      NodeIncarnation origin = kind.origin(msg);
      if (origin == null) {
        return target.apply(ctx, (C) msg);
      }
      C command = kind.command(msg);
      long now = EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis();
      String why = book.refusal(origin, now);
      if (why != null) {
        refuse(ctx, trace, book, node, kind.pid(command), kind.describe(command), origin, why);
        return Behaviors.same();
      }
      java.util.ArrayDeque<Held<C>> queue = held.get(origin.uid());
      if (queue != null) {
        queue.add(new Held<>(origin, command, now)); // behind the sender's earlier commands
        return Behaviors.same();
      }
      if (book.suspect(origin.uid()) || clearance.unreachable(origin)) {
        if (clearance.clear(origin)) {
          book.cleared(origin.uid());
        } else {
          book.suspected(origin.uid());
          queue = new java.util.ArrayDeque<>();
          queue.add(new Held<>(origin, command, now));
          held.put(origin.uid(), queue);
          note(ctx, kind.pid(command), "held: " + words(kind.describe(command), kind.pid(command)) + " on "
              + origin.node() + " (" + origin.node() + " is unreachable from " + node + ": applied once it is "
              + "reachable again and every member has seen that, refused if the cluster downs it)", origin);
          ctx.asJava().scheduleOnce(RECHECK, ctx.asJava().getSelf(), new Recheck(origin.uid()));
          return Behaviors.same();
        }
      }
      return target.apply(ctx, command);
    }

    /** Looks at a held sender again: refuses all it sent if downed, applies the next if cleared, else waits. */
    private Behavior<C> recheck(TypedActorContext<Object> ctx, long uid, ReceiveTarget<C> target) {
      java.util.ArrayDeque<Held<C>> queue = held.get(uid);
      if (queue == null || queue.isEmpty()) {
        held.remove(uid);
        return Behaviors.same();
      }
      NodeIncarnation origin = queue.peek().origin();
      long now = EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis();
      String why = book.refusal(origin, now);
      if (why != null) {
        held.remove(uid);
        for (Held<C> h : queue) {
          refuse(ctx, trace, book, node, kind.pid(h.command()), kind.describe(h.command()), origin,
              why + ", held " + seconds(now - h.atMs()) + " while unreachable");
        }
        return Behaviors.same();
      }
      if (!clearance.clear(origin)) {
        ctx.asJava().scheduleOnce(RECHECK, ctx.asJava().getSelf(), new Recheck(uid));
        return Behaviors.same();
      }
      book.cleared(uid);
      Held<C> h = queue.poll();
      if (queue.isEmpty()) {
        held.remove(uid);
      } else {
        ctx.asJava().getSelf().tell(new Recheck(uid)); // the next one on the next turn, still before newer ones
      }
      note(ctx, kind.pid(h.command()), "applied after a hold of " + seconds(now - h.atMs()) + ": "
          + words(kind.describe(h.command()), kind.pid(h.command())) + " on " + origin.node() + " ("
          + origin.node() + " is reachable again and every member has seen it so)", origin);
      return target.apply(ctx, h.command());
    }

    private void note(TypedActorContext<Object> ctx, int pid, String text, NodeIncarnation origin) {
      ctx.asJava().getLog().info("{} (uid {})", text, origin.uid());
      if (trace.enabled()) {
        trace.emit(new TraceEvent(EmulatedTime.clock(ctx.asJava().getSystem()).nowMillis(), "note", Math.max(pid, 0),
            "kernel", 0, null, TraceEvent.args("text", text, "node", node, "held", origin.node(),
                "incarnation", origin.uid()), null, null));
      }
    }
  }

  /** "F_UNLCK from pid 101"; without a pid, "F_UNLCK" (the preposition goes too). */
  private static String words(String what, int pid) {
    return pid > 0 ? what + " pid " + pid : what.substring(0, what.lastIndexOf(' '));
  }

  private static String seconds(long ms) {
    return String.format(java.util.Locale.ROOT, "%.1f s", Math.max(0, ms) / 1000.0);
  }

  private static void refuse(TypedActorContext<?> ctx, TraceSink trace, FenceBook book, String node, int pid,
      String what, NodeIncarnation origin, String why) {
    String text = "fenced: " + words(what, pid) + " on "
        + origin.node() + " (" + why + ")";
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
    if (c instanceof LockManager.Flock m) return m.pid();
    if (c instanceof LockManager.Put m) return m.pid();
    if (c instanceof LockManager.Close m) return m.pid();
    if (c instanceof LockManager.Interrupt m) return m.pid();
    if (c instanceof LockManager.Recheck m) return m.pid();
    if (c instanceof LockManager.Reenter m) return m.pid();
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
    if (c instanceof LockManager.Flock m) return "flock(" + m.op() + ")";
    if (c instanceof LockManager.Put m) return "close of description " + m.fileId();
    if (c instanceof LockManager.Close m) return "close of leased description " + m.fileId();
    if (c instanceof LockManager.Get m) return "dup of description " + m.fileId();
    if (c instanceof LockManager.Interrupt) return "interrupt of a blocked call";
    if (c instanceof LockManager.Recheck) return "re-ask of a blocked call";
    if (c instanceof LockManager.Reenter) return "restart of a blocked call after its handler";
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
