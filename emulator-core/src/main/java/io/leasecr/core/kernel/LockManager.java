package io.leasecr.core.kernel;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.BlockedOpener;
import io.leasecr.core.locks.Credentials;
import com.typesafe.config.Config;
import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.RestartMode;
import io.leasecr.core.locks.RestartPolicy;
import io.leasecr.core.locks.Vfs;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.core.locks.Fault;
import io.leasecr.core.locks.GetLk;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.Lease;
import io.leasecr.core.locks.LeaseTable;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.LockEvents;
import io.leasecr.core.locks.OpenFile;
import io.leasecr.core.locks.ProcLocks;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Fd;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.time.EmulatedClock;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The kernel side of file leases: owns the inode lease table, answers the lease syscalls, arms
 * each inode's break deadline as an actor timer, wakes blocked openers and signals holders.
 * The rules themselves are in {@link LeaseTable}; this actor only routes and keeps time.
 */
public final class LockManager extends AbstractBehavior<LockManager.Command> {

  public sealed interface Command {}

  /** open(2). {@code trunc}: O_TRUNC, which asks for write access (a directory is EISDIR, {@link LeaseTable#open}). */
  public record Open(int pid, long reqId, String path, AccessMode mode, boolean nonblock, boolean trunc,
      ActorRef<ProcessActor.Command> replyTo) implements Command {

    public Open(int pid, long reqId, String path, AccessMode mode, boolean nonblock,
        ActorRef<ProcessActor.Command> replyTo) {
      this(pid, reqId, path, mode, nonblock, false, replyTo);
    }
  }

  public record Truncate(int pid, long reqId, String path, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  /**
   * F_SETLEASE. {@code restartReq}: made by a signal handler that interrupted the caller's own sleeping open or
   * truncate, that call's request (0: none); it is in its restart window ({@link LeaseTable#setLease}).
   */
  public record SetLease(int pid, long reqId, int fd, long ino, long fileId, long arg, int fsuid,
      boolean capLease, long restartReq, ActorRef<ProcessActor.Command> replyTo) implements Command {

    public SetLease(int pid, long reqId, int fd, long ino, long fileId, long arg, int fsuid, boolean capLease,
        ActorRef<ProcessActor.Command> replyTo) {
      this(pid, reqId, fd, ino, fileId, arg, fsuid, capLease, 0, replyTo);
    }
  }

  public record GetLease(int pid, long reqId, long ino, long fileId, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  public record SetSig(int pid, long reqId, long ino, long fileId, long sig,
      ActorRef<ProcessActor.Command> replyTo) implements Command {}

  /**
   * fcntl F_SETLK / F_SETLKW / F_GETLK: a POSIX record lock on [start, start+len); the F_OFD_* commands: one
   * owned by the open file description, {@code lPid} being the caller's flock.l_pid (must be 0).
   */
  public record RecordLock(int pid, long reqId, long ino, long fileId, Syscall.RecordLock.Cmd cmd, long type,
      long start, long len, long lPid, ActorRef<ProcessActor.Command> replyTo) implements Command {

    public RecordLock(int pid, long reqId, long ino, long fileId, Syscall.RecordLock.Cmd cmd, long type,
        long start, long len, ActorRef<ProcessActor.Command> replyTo) {
      this(pid, reqId, ino, fileId, cmd, type, start, len, 0, replyTo);
    }
  }

  /** flock(2): LOCK_SH, LOCK_EX or LOCK_UN on the description, maybe with LOCK_NB. */
  public record Flock(int pid, long reqId, long ino, long fileId, int op, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  /** dup/fork: one more fd refers to the description. */
  public record Get(long ino, long fileId) implements Command {}

  /** close by {@code pid}: its POSIX locks on the file go; the last fd releases the description and its lease. */
  public record Put(int pid, long ino, long fileId) implements Command {}

  /**
   * close(2) by {@code pid} of its last fd on a description it took a lease through: a {@link Put} whose caller
   * waits for the answer (0), for the lease goes inside the syscall (__fput's locks_remove_file runs before close
   * returns to user space): a break signal this table sent before is then delivered before close returns.
   */
  public record Close(int pid, long reqId, long ino, long fileId, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  /** A signal (or death) interrupts a blocked open/truncate; answered with EINTR if still blocked. */
  public record Interrupt(int pid, long reqId, String path, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  /**
   * A sleeping open or truncate restarted after its handler (SA_RESTART) enters __break_lease again, and its
   * time_out_leases ends what is overdue before the conflict check: a downgrade past its deadline that nobody
   * looked at no longer holds off a reader (emulator fuzz, seed 61206 program 523). The call sleeps on (same
   * break, same deadline) unless that ended its conflict.
   */
  public record Reenter(int pid, long reqId, String path) implements Command {}

  public record ProcessExited(int pid) implements Command {}

  /**
   * Cluster mode: a process asleep in call {@code reqId} asks again, as a sleeping task re-checks its wait
   * condition: the wake-up (or EINTR) this table last sent the pid for that call is sent again, to
   * {@code replyTo}, since a partition may have dropped it; a call still asleep here is left asleep. Routed by
   * {@code path} (open, truncate) or else {@code ino}.
   */
  public record Recheck(int pid, long reqId, String path, long ino, ActorRef<ProcessActor.Command> replyTo)
      implements Command {}

  public record SetSysctl(String name, long value) implements Command {}

  public record ShowLocks(ActorRef<LocksReport> replyTo) implements Command {}

  public record LocksReport(List<String> lines) {}

  /**
   * A process exists (spawned, forked or restored): where its signals and wake-ups go. The process
   * table registers every process before delivering it anything, so requests need not carry this.
   */
  public record Register(int pid, ActorRef<ProcessActor.Command> process) implements Command {}

  /** Checkpoint: the lease table at the frozen instant, as the image's files and leases. */
  public record Save(ActorRef<LocksSaved> replyTo) implements Command {}

  public record LocksSaved(CheckpointImage part) {}

  /**
   * Restart from an image for the processes {@code pids} (all of the image's, or a subset), with the
   * break-time policy and the seed's or CRIU's semantics. {@code restoredAtMs}: when each process's
   * files and leases are back (emulated ms; a restore takes time), a lease's new deadline counts from
   * there; pids not in it are back now.
   *
   * <p>{@code wholeTree}: the whole tree restarts (a single node: the process table stops every process,
   * restored or not), so the table is rebuilt from the image alone. Otherwise (a partial restart on a
   * cluster) only the entries of {@code pids} are replaced: other processes' stay as they are, and a
   * restored lease or lock that conflicts with theirs is refused, as F_SETLEASE or F_SETLK would refuse
   * CRIU. What the restored pids' previous incarnations left is dropped first; their descriptions are
   * closed only in cluster mode, which tracks them (a single node's processes close theirs at exit).
   */
  public record Restore(CheckpointImage image, List<Integer> pids, String policy, RestartMode mode,
      Map<Integer, Long> restoredAtMs, boolean wholeTree, io.leasecr.core.locks.CriuTypeGuess typeGuess)
      implements Command {

    /** With CRIU 4.2's type guess (criu mode). */
    public Restore(CheckpointImage image, List<Integer> pids, String policy, RestartMode mode,
        Map<Integer, Long> restoredAtMs, boolean wholeTree) {
      this(image, pids, policy, mode, restoredAtMs, wholeTree, io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE);
    }

    public Restore {
      typeGuess = typeGuess == null ? io.leasecr.core.locks.CriuTypeGuess.FILE_TYPE : typeGuess;
    }

    /** The seed's semantics (false) or CRIU's (true). */
    public Restore(CheckpointImage image, List<Integer> pids, String policy, boolean criu,
        Map<Integer, Long> restoredAtMs, boolean wholeTree) {
      this(image, pids, policy, RestartMode.of(criu), restoredAtMs, wholeTree);
    }

    public boolean criu() {
      return mode == RestartMode.CRIU;
    }

    /** A single node's restart in any mode. */
    public static Restore ofWholeTree(CheckpointImage image, List<Integer> pids, String policy, RestartMode mode,
        Map<Integer, Long> restoredAtMs) {
      return new Restore(image, pids, policy, mode, restoredAtMs, true);
    }

    /** A single node's restart in any mode, criu mode with CRIU's type guess {@code guess}. */
    public static Restore ofWholeTree(CheckpointImage image, List<Integer> pids, String policy, RestartMode mode,
        io.leasecr.core.locks.CriuTypeGuess guess, Map<Integer, Long> restoredAtMs) {
      return new Restore(image, pids, policy, mode, restoredAtMs, true, guess);
    }

    /** A partial restart beside live processes. */
    public Restore(CheckpointImage image, List<Integer> pids, String policy, boolean criu) {
      this(image, pids, policy, criu, Map.of(), false);
    }

    /** A single node's restart: the tree that ran is gone, restored or not. */
    public static Restore ofWholeTree(CheckpointImage image, List<Integer> pids, String policy, boolean criu,
        Map<Integer, Long> restoredAtMs) {
      return new Restore(image, pids, policy, criu, restoredAtMs, true);
    }
  }

  /**
   * Cluster mode: a command as sent by the node incarnation {@code origin} (stamped by that node's router).
   * The inode entity's fence unwraps it, or refuses it once the cluster has downed that incarnation.
   */
  public record FromNode(NodeIncarnation origin, Command command) implements Command {}

  /** Local timer message: never crosses a node. */
  /** The deadline timer of an inode; {@code deadline}: the one it was armed for (rearm compares with it). */
  private record DeadlineReached(long ino, long deadline) implements Command, NoSerializationVerificationNeeded {}

  /** Local: a timer of this table ({@link KeyedTimers}) fired; delivered if its generation is current. */
  private record TimerFired(Object key, int generation, KeyedTimers<Command> owner)
      implements Command, NoSerializationVerificationNeeded {}

  /** Local death-watch notice (cluster mode): a process this manager heard from is gone, e.g. its node was downed. */
  private record ProcessGone(int pid, ActorRef<ProcessActor.Command> ref)
      implements Command, NoSerializationVerificationNeeded {}

  public static Behavior<Command> create(Vfs vfs, long leaseBreakTime, boolean leasesEnable, TraceSink trace) {
    return create(vfs, leaseBreakTime, leasesEnable, trace, null);
  }

  /**
   * With a process directory (cluster mode: the node's router to the sharded processes), processes
   * need not register: signals and wake-ups go to a pid through the directory, and a process whose
   * actor terminates (its node was downed) is dropped as if it had died. Null: single-node behaviour.
   */
  public static Behavior<Command> create(Vfs vfs, long leaseBreakTime, boolean leasesEnable, TraceSink trace,
      ActorRef<ProcessTable.Command> directory) {
    return Behaviors.setup(ctx -> new LockManager(ctx, vfs,
        new LeaseTable(leaseBreakTime, leasesEnable, faults(ctx.getSystem().settings().config())), trace,
        directory == null ? null : new RemoteProcesses(directory)));
  }

  private static Set<Fault> faults(Config config) {
    Set<Fault> faults = EnumSet.noneOf(Fault.class);
    for (String name : config.getStringList("lease-cr.kernel.inject-faults")) {
      faults.add(Fault.parse(name));
    }
    return faults;
  }

  /** One deadline timer per inode, keyed by ino (Behaviors.withTimers' semantics, without its interceptor). */
  private final KeyedTimers<Command> timers;
  private final EmulatedClock clock;
  private final Vfs vfs;
  private final LeaseTable table;
  private final TraceSink trace;
  private final Map<Integer, ActorRef<ProcessActor.Command>> processes = new HashMap<>();
  private final Events events = new Events();
  private final List<BlockedOpener> wakeUps = new ArrayList<>();
  private final List<io.leasecr.core.locks.PosixLocks.Waiter> lockGrants = new ArrayList<>();
  private final List<io.leasecr.core.locks.FlockLocks.Waiter> flockGrants = new ArrayList<>();
  /** Signals raised by a restore (CRIU's re-break) before the restored processes exist. */
  private final Map<Integer, List<ProcessActor.Signal>> heldSignals = new HashMap<>();
  private boolean restoring;
  /** During a partial restore: the pids being restored (their signals are held); null: the whole tree. */
  private Set<Integer> restoringOnly;
  /** Cluster mode only: how to reach processes on other nodes, and which of them to death-watch. */
  private final RemoteProcesses remote;
  /** Cluster mode only: per pid, the last wake-up (or EINTR) sent to it, for its {@link Recheck}. */
  private final Map<Integer, Woken> woken = new HashMap<>();

  /** Cluster mode only: the answers to each pid's recent requests, so that a request sent again is not applied twice. */
  private final Answers answers = new Answers();
  /** Cluster mode only: the request being handled (pid and the request itself), whose answer is recorded. */
  private int askingPid;
  private Command asking;

  /** A wake-up as sent: the answer, what it ended, when (emulated ms). */
  private record Woken(ProcessActor.KernelReply reply, String what, long atMs) {}

  private LockManager(ActorContext<Command> ctx, Vfs vfs, LeaseTable table, TraceSink trace,
      RemoteProcesses remote) {
    super(ctx);
    this.remote = remote;
    this.timers = new KeyedTimers<>(ctx.getSelf(), ctx.getSystem().scheduler(), TimerFired::new);
    this.clock = EmulatedTime.clock(ctx.getSystem());
    this.vfs = vfs;
    this.table = table;
    this.trace = trace;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Open.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onOpen(m))
        .onMessage(Truncate.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onTruncate(m))
        .onMessage(SetLease.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onSetLease(m))
        .onMessage(GetLease.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onGetLease(m))
        .onMessage(SetSig.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onSetSig(m))
        .onMessage(RecordLock.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onRecordLock(m))
        .onMessage(Flock.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onFlock(m))
        .onMessage(Get.class, this::onGet)
        .onMessage(Put.class, this::onPut)
        .onMessage(Close.class, m -> answeredBefore(m.pid(), m.reqId(), m.replyTo(), m) ? this : onClose(m))
        .onMessage(Interrupt.class, this::onInterrupt)
        .onMessage(Recheck.class, this::onRecheck)
        .onMessage(Reenter.class, this::onReenter)
        .onMessage(TimerFired.class, this::onTimer)
        .onMessage(ProcessExited.class, this::onProcessExited)
        .onMessage(SetSysctl.class, this::onSetSysctl)
        .onMessage(ShowLocks.class, this::onShowLocks)
        .onMessage(Register.class, this::onRegister)
        .onMessage(Save.class, this::onSave)
        .onMessage(Restore.class, this::onRestore)
        .onMessage(ProcessGone.class, this::onProcessGone)
        .onMessage(FromNode.class, m -> unstamped().receiveMessage(m.command())) // no fence in front
        .onSignal(PostStop.class, s -> {
          timers.cancelAll();
          return this;
        })
        .build();
  }

  /** The handlers, for a stamped command when no fence took the stamp off (made once). */
  private Receive<Command> unstamped() {
    if (unstamped == null) {
      unstamped = createReceive();
    }
    return unstamped;
  }

  private Receive<Command> unstamped;

  /** A deadline timer's arrival: its DeadlineReached, unless it was cancelled or started again since. */
  private Behavior<Command> onTimer(TimerFired f) {
    Command m = timers.delivered(f.key(), f.generation(), f.owner());
    return m instanceof DeadlineReached d ? onDeadline(d) : this;
  }

  private Behavior<Command> onOpen(Open m) {
    learn(m.pid(), m.replyTo());
    Inode inode = vfs.lookup(m.path());
    if (inode == null) {
      return reply(m.replyTo(), m.reqId(), Errno.ENOENT);
    }
    LeaseTable.Outcome outcome = table.open(m.pid(), m.reqId(), inode, m.mode(), m.nonblock(), m.trunc(), now(), events);
    if (remote != null && outcome instanceof LeaseTable.Outcome.Done done && done.file() != null) {
      remote.opened(m.pid(), done.file().id());
    }
    answer(m.replyTo(), m.reqId(), outcome, m.path());
    flushWakeUps();
    rearm(inode.ino());
    return this;
  }

  private Behavior<Command> onTruncate(Truncate m) {
    learn(m.pid(), m.replyTo());
    Inode inode = vfs.lookup(m.path());
    if (inode == null) {
      return reply(m.replyTo(), m.reqId(), Errno.ENOENT);
    }
    answer(m.replyTo(), m.reqId(), table.truncate(m.pid(), m.reqId(), inode, now(), events), m.path());
    flushWakeUps();
    rearm(inode.ino());
    return this;
  }

  private void answer(ActorRef<ProcessActor.Command> replyTo, long reqId, LeaseTable.Outcome outcome, String path) {
    if (outcome instanceof LeaseTable.Outcome.Done done) {
      respond(replyTo, reqId, granted(reqId, done.file(), path));
    } else if (outcome instanceof LeaseTable.Outcome.Failed failed) {
      respond(replyTo, reqId, new ProcessActor.KernelReply(reqId, -1, failed.errno(), null));
    } else {
      respond(replyTo, reqId, new ProcessActor.Blocked(reqId));
    }
  }

  private static ProcessActor.KernelReply granted(long reqId, OpenFile file, String path) {
    if (file == null) {
      return new ProcessActor.KernelReply(reqId, 0, null, null); // truncate
    }
    // the inode's own copy of the path when it is the same text: a million open fds need not each keep one
    String kept = path.equals(file.inode().path()) ? file.inode().path() : path;
    Fd fd = new Fd(file.inode().ino(), file.id(), kept, file.mode(), file.nonblock(), file.inode().isRegular());
    return new ProcessActor.KernelReply(reqId, 0, null, fd);
  }

  private Behavior<Command> onSetLease(SetLease m) {
    learn(m.pid(), m.replyTo());
    Errno err = table.setLease(m.pid(), m.fd(), m.ino(), m.fileId(), m.arg(),
        new Credentials(m.fsuid(), m.capLease()), m.restartReq(), now(), events);
    rearm(m.ino());
    reply(m.replyTo(), m.reqId(), err);
    flushWakeUps();
    return this;
  }

  private Behavior<Command> onGetLease(GetLease m) {
    LeaseType type = table.getLease(m.ino(), m.fileId(), now(), events);
    rearm(m.ino());
    if (type == null) {
      reply(m.replyTo(), m.reqId(), Errno.EBADF);
    } else {
      respond(m.replyTo(), m.reqId(), new ProcessActor.KernelReply(m.reqId(), type.value, null, null));
    }
    flushWakeUps();
    return this;
  }

  private Behavior<Command> onSetSig(SetSig m) {
    return reply(m.replyTo(), m.reqId(), table.setSig(m.ino(), m.fileId(), m.sig()));
  }

  private Behavior<Command> onRecordLock(RecordLock m) {
    learn(m.pid(), m.replyTo());
    if (m.cmd().getLk()) {
      GetLk r = m.cmd().ofd() ? table.getOfdLk(m.pid(), m.ino(), m.fileId(), m.type(), m.start(), m.len(), m.lPid())
          : table.getLk(m.pid(), m.ino(), m.fileId(), m.type(), m.start(), m.len());
      if (r instanceof GetLk.Failed f) {
        return reply(m.replyTo(), m.reqId(), f.errno());
      }
      // F_GETLK's answer is the l_type of the first conflicting lock (F_UNLCK if none)
      respond(m.replyTo(), m.reqId(), new ProcessActor.KernelReply(m.reqId(), r.lType(), null, null,
          r instanceof GetLk.Locked l ? l.lock() : null));
      return this;
    }
    io.leasecr.core.locks.PosixLocks.Outcome o = m.cmd().ofd()
        ? table.setOfdLk(m.pid(), m.reqId(), m.ino(), m.fileId(), m.type(), m.start(), m.len(), m.lPid(),
            m.cmd().waits(), events)
        : table.setLk(m.pid(), m.reqId(), m.ino(), m.fileId(), m.type(), m.start(), m.len(), m.cmd().waits(), events);
    if (o instanceof io.leasecr.core.locks.PosixLocks.Outcome.Failed f) {
      reply(m.replyTo(), m.reqId(), f.errno());
    } else if (o instanceof io.leasecr.core.locks.PosixLocks.Outcome.Blocked) {
      respond(m.replyTo(), m.reqId(), new ProcessActor.Blocked(m.reqId()));
    } else {
      reply(m.replyTo(), m.reqId(), null);
    }
    flushWakeUps();
    return this;
  }

  private Behavior<Command> onFlock(Flock m) {
    learn(m.pid(), m.replyTo());
    io.leasecr.core.locks.FlockLocks.Outcome o = table.flock(m.pid(), m.reqId(), m.ino(), m.fileId(), m.op(), events);
    if (o instanceof io.leasecr.core.locks.FlockLocks.Outcome.Failed f) {
      reply(m.replyTo(), m.reqId(), f.errno());
    } else if (o instanceof io.leasecr.core.locks.FlockLocks.Outcome.Blocked) {
      respond(m.replyTo(), m.reqId(), new ProcessActor.Blocked(m.reqId()));
    } else {
      reply(m.replyTo(), m.reqId(), null);
    }
    flushWakeUps();
    return this;
  }

  private Behavior<Command> onGet(Get m) {
    table.get(m.ino(), m.fileId());
    return this;
  }

  private Behavior<Command> onPut(Put m) {
    put(m.pid(), m.ino(), m.fileId());
    flushWakeUps();
    rearm(m.ino());
    return this;
  }

  private Behavior<Command> onClose(Close m) {
    put(m.pid(), m.ino(), m.fileId());
    respond(m.replyTo(), m.reqId(), new ProcessActor.KernelReply(m.reqId(), 0, null, null));
    flushWakeUps(); // the closer's answer first: the openers it lets through run after its close returns
    rearm(m.ino());
    return this;
  }

  private void put(int pid, long ino, long fileId) {
    if (remote != null) {
      remote.closed(pid, fileId);
    }
    table.put(pid, ino, fileId, now(), events);
  }

  private Behavior<Command> onInterrupt(Interrupt m) {
    Inode inode = vfs.lookup(m.path());
    // not found: the open already completed and its answer is on the way; the caller takes that one
    if (inode != null && (table.abandon(inode.ino(), m.pid(), m.reqId())
        || table.abandonLk(inode.ino(), m.pid(), m.reqId()))) {
      ProcessActor.KernelReply eintr = new ProcessActor.KernelReply(m.reqId(), -1, Errno.EINTR, null);
      m.replyTo().tell(eintr);
      remember(m.pid(), eintr, "interrupted call on " + m.path());
      rearm(inode.ino()); // the last sleeper gone: nobody wakes at the deadline any more
    } else if (remote != null) {
      // an interrupt sent again (cluster mode): its EINTR, or the wake-up that came first, was lost: again
      return wokenAgain(m.pid(), m.reqId(), m.replyTo());
    }
    return this;
  }

  /**
   * A sleeping process asks again (cluster mode): if this table already woke it for that call, the wake-up
   * did not arrive (a cut dropped it): send it again. Otherwise it still sleeps here, or the call is unknown
   * (answered long ago): nothing to do.
   */
  private Behavior<Command> onRecheck(Recheck m) {
    return wokenAgain(m.pid(), m.reqId(), m.replyTo());
  }

  /** The wake-up (or EINTR) this table sent pid for call reqId, sent again to replyTo; nothing if none. */
  private Behavior<Command> wokenAgain(int pid, long reqId, ActorRef<ProcessActor.Command> replyTo) {
    Woken w = woken.get(pid);
    if (w != null && w.reply().reqId() == reqId) {
      events.note(pid, "pid " + pid + " asked again about its " + w.what() + ": the wake-up sent "
          + String.format(java.util.Locale.ROOT, "%.1f s", (now() - w.atMs()) / 1000.0)
          + " ago had not reached it when it asked (lost in a cut, or still on its way); sent again");
      replyTo.tell(w.reply());
    }
    return this;
  }

  /** Cluster mode: what a re-asking process gets again. */
  private void remember(int pid, ProcessActor.KernelReply reply, String what) {
    if (remote != null) {
      woken.put(pid, new Woken(reply, what, now()));
      answers.ended(pid, reply.reqId(), reply, now()); // a copy of the sleeping request now gets the wake-up
    }
  }

  private Behavior<Command> onReenter(Reenter m) {
    Inode inode = vfs.lookup(m.path());
    if (inode != null) {
      table.timeOutLeases(inode.ino(), now(), events); // leaseModify wakes the sleepers whose conflict it ended
      flushWakeUps();
      rearm(inode.ino());
    }
    return this;
  }

  private Behavior<Command> onDeadline(DeadlineReached m) {
    table.wakeSleepers(m.ino(), now(), events);
    flushWakeUps();
    rearm(m.ino());
    return this;
  }

  /**
   * exit(2): the process has closed its fds (Put) and ended its sleeping calls (Interrupt) itself, as Linux's
   * do_exit does, so nothing of it is left to drop here. Cluster mode: its actor's termination that follows is
   * an exit, not a process gone with its node.
   */
  private Behavior<Command> onProcessExited(ProcessExited m) {
    processes.remove(m.pid());
    answers.forget(m.pid());
    if (remote != null) {
      remote.exited(m.pid());
    }
    return this;
  }

  private Behavior<Command> onSetSysctl(SetSysctl m) {
    switch (m.name()) {
      case "fs.lease-break-time" -> table.setLeaseBreakTime(m.value());
      case "fs.leases-enable" -> table.setLeasesEnable(m.value() != 0);
      default -> throw new IllegalArgumentException("unknown sysctl " + m.name()); // parser rejects these
    }
    return this;
  }

  private Behavior<Command> onShowLocks(ShowLocks m) {
    m.replyTo().tell(new LocksReport(ProcLocks.render(table)));
    return this;
  }

  private Behavior<Command> onRegister(Register m) {
    processes.put(m.pid(), m.process());
    List<ProcessActor.Signal> held = heldSignals.remove(m.pid());
    if (held != null) {
      held.forEach(m.process()::tell); // raised while the tree was being restored
    }
    return this;
  }

  private Behavior<Command> onSave(Save m) {
    m.replyTo().tell(new LocksSaved(ImageCodec.locks(table.save(now())).build()));
    return this;
  }

  private Behavior<Command> onRestore(Restore m) throws java.io.NotSerializableException {
    SavedLocks saved = ImageCodec.savedLocks(m.image(), vfs);
    Set<Integer> restored = new HashSet<>(m.pids());
    if (m.mode() == io.leasecr.core.locks.RestartMode.CRIU) {
      saved = io.leasecr.core.restore.CriuLockOwners.reattribute(m.image(), restored, saved); // CRIU's re-taker
    }
    Map<Long, Integer> refs = new HashMap<>(m.image().getFilesCount() * 4 / 3 + 1); // sized: no rehash at 1M files
    Set<Long> breakers = new HashSet<>();
    Set<Long> writers = new HashSet<>();
    countRestored(m.image(), restored, refs, breakers, writers);
    Set<Long> touched = m.wholeTree() ? forgetTree() : forgetIncarnations(m.pids());
    restoring = true;
    restoringOnly = m.wholeTree() ? null : restored;
    Set<Long> files = table.restore(saved, restored, refs, breakers, writers, RestartPolicy.parse(m.policy()),
        m.mode(), m.typeGuess(), now(), m.restoredAtMs(), events);
    restoring = false;
    if (remote != null) {
      learnRestoredOpens(m.image(), restored, files);
    }
    flushWakeUps();
    for (io.leasecr.core.locks.FileLockContext ctx : table.contexts()) {
      rearm(ctx.inode().ino());
    }
    touched.forEach(this::rearm);
    return this;
  }

  /**
   * Per description, the fds of the restored processes that refer to it; the inodes they were blocked in open
   * or truncate on (a sleeping F_SETLKW resumes no lease break), and of those the ones where the blocked call
   * writes (an open for writing, a truncate: the breakers of an unlock).
   */
  private void countRestored(CheckpointImage image, Set<Integer> restored, Map<Long, Integer> refs, Set<Long> breakers,
      Set<Long> writers) {
    for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
      if (!restored.contains(p.getSpec().getPid())) {
        continue;
      }
      p.getFdsMap().values().forEach(id -> refs.merge(id, 1, Integer::sum));
      if (p.hasPending() && p.getPending().getBlocked()) {
        io.leasecr.proto.wire.Syscall call = p.getPending().getCall();
        String path = call.hasOpen() ? call.getOpen().getPath() : call.hasTruncatePath() ? call.getTruncatePath() : null;
        Inode inode = path == null ? null : vfs.lookup(path);
        if (inode != null) {
          breakers.add(inode.ino());
          if (!call.hasOpen() || call.getOpen().getMode() == io.leasecr.proto.wire.AccessMode.O_WRONLY
              || call.getOpen().getMode() == io.leasecr.proto.wire.AccessMode.O_RDWR) {
            writers.add(inode.ino());
          }
        }
      }
    }
  }

  /** A whole-tree restart: every process, its wake-ups, timers and table entries are gone. */
  private Set<Long> forgetTree() {
    processes.clear();
    heldSignals.clear();
    timers.cancelAll();
    table.clear();
    woken.clear();
    answers.clear();
    if (remote != null) {
      remote.clear(); // restored processes are reached through the directory; their fds are counted anew
    }
    return Set.of();
  }

  /**
   * A partial restart: what the restored pids' previous incarnations left here goes, as at their exit (their
   * node went down before this table heard of it): sleeping calls end, the descriptions they opened are
   * closed, which drops their locks and leases. Everyone else's entries, deadlines and timers stay. Returns
   * the inodes touched.
   */
  private Set<Long> forgetIncarnations(List<Integer> pids) {
    Set<Long> touched = new HashSet<>();
    // only the restored pids this table knows: a restart of thousands sends each table the whole list
    Set<Integer> known = table.pidsWithEntries();
    known.addAll(processes.keySet());
    known.addAll(heldSignals.keySet());
    known.addAll(woken.keySet());
    if (remote != null) {
      known.addAll(remote.known());
    }
    known.retainAll(new HashSet<>(pids));
    for (int pid : new java.util.TreeSet<>(known)) {
      Forgotten gone = forgetProcess(pid);
      touched.addAll(gone.touched());
      if (!gone.calls().isEmpty() || gone.files() > 0) {
        events.note(pid, "pid " + pid + " is restored beside live processes: its previous incarnation's sleeping "
            + "calls and POSIX locks are dropped, " + gone.files() + " open descriptions closed");
      }
    }
    return touched;
  }

  /**
   * What {@link #forgetProcess} dropped: the inodes whose sleeping calls or POSIX locks went, how many
   * descriptions were closed, every inode touched.
   */
  private record Forgotten(Set<Long> calls, int files, Set<Long> touched) {}

  /**
   * The one "process gone" path: the pid's incarnation is gone without exit(2), so what its exit would have
   * done here is done for it (do_exit closing every fd): its sleeping opens, truncates, F_SETLKW and flock()
   * calls end and its POSIX locks go, waking their waiters ({@link LeaseTable#forgetProcess}); every
   * description it opened here is closed (cluster mode tracks them), which releases their leases, flock and
   * OFD locks. For a partial restart of the pid, a process whose node was downed (death watch), and an old
   * incarnation seen replaced by a new one. The caller notes why, flushes wake-ups and rearms.
   */
  private Forgotten forgetProcess(int pid) {
    processes.remove(pid);
    heldSignals.remove(pid);
    woken.remove(pid); // its wake-ups are not a new incarnation's
    answers.forget(pid);
    Set<Long> calls = table.forgetProcess(pid, events);
    Set<Long> touched = new HashSet<>(calls);
    List<Long> files = remote == null ? List.of() : remote.forget(pid);
    files.forEach(id -> close(pid, id, touched));
    return new Forgotten(calls, files.size(), touched);
  }

  /** close(2) of a description by pid, wherever it is open here. */
  private void close(int pid, long fileId, Set<Long> touched) {
    for (io.leasecr.core.locks.FileLockContext ctx : table.contexts()) {
      if (ctx.file(fileId) != null) {
        table.put(pid, ctx.inode().ino(), fileId, now(), events);
        touched.add(ctx.inode().ino());
        return;
      }
    }
  }

  /** Cluster mode: the descriptions restored for each process, to close for it if it goes. */
  private void learnRestoredOpens(CheckpointImage image, Set<Integer> restored, Set<Long> files) {
    for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
      int pid = p.getSpec().getPid();
      if (restored.contains(pid)) {
        p.getFdsMap().values().stream().filter(files::contains).forEach(id -> remote.opened(pid, id));
      }
    }
  }

  private Behavior<Command> reply(ActorRef<ProcessActor.Command> to, long reqId, Errno err) {
    respond(to, reqId, new ProcessActor.KernelReply(reqId, err == null ? 0 : -1, err, null));
    return this;
  }

  /** The answer to the request being handled; in cluster mode it is kept, for a copy of the request. */
  private void respond(ActorRef<ProcessActor.Command> to, long reqId, ProcessActor.Command answer) {
    to.tell(answer);
    if (remote != null && asking != null) {
      answers.record(askingPid, to, reqId, new Answers.Answer(answer, asking, now()));
    }
  }

  /**
   * Every request (open, truncate, fcntl, flock) passes here before its handler. Cluster mode: a request this
   * table has already answered (the same request id from the same incarnation of
   * the pid): its answer, or the request itself, was lost in a cut, or the copy crossed the answer, and the
   * process sent it again. It is answered again as it was (a call that sleeps here: Blocked; one woken since:
   * its wake-up), never applied twice. A copy older than every answer kept is dropped. Otherwise the request is
   * new: it is noted as the one being answered.
   */
  private boolean answeredBefore(int pid, long reqId, ActorRef<ProcessActor.Command> from, Command request) {
    if (remote == null) {
      return false; // one JVM: nothing is lost on the way, no request comes twice
    }
    Answers.Answer given = answers.given(pid, from, reqId);
    if (given == null) {
      askingPid = pid;
      asking = request;
      return false;
    }
    asking = null;
    if (given == Answers.STALE) {
      events.note(pid, "pid " + pid + " sent an old request again (" + callName(request) + ", request " + reqId
          + "): answered long ago, dropped");
      return true;
    }
    events.note(pid, "pid " + pid + " sent its " + callName(request) + " again (request " + reqId + "): answered "
        + String.format(java.util.Locale.ROOT, "%.1f s", (now() - given.atMs()) / 1000.0) + " ago (the answer or "
        + "the request was lost in a cut, or is still on its way); the same answer sent again, not applied twice");
    from.tell(given.message());
    return true;
  }

  /** A request in the words of its syscall, for notes. */
  private static String callName(Command c) {
    if (c instanceof Open m) return "open(" + m.path() + ")";
    if (c instanceof Truncate m) return "truncate(" + m.path() + ")";
    if (c instanceof SetLease m) {
      LeaseType t = LeaseType.ofValue(m.arg());
      return "F_SETLEASE " + (t == null ? String.valueOf(m.arg()) : t.fcntlName());
    }
    if (c instanceof GetLease) return "F_GETLEASE";
    if (c instanceof SetSig) return "F_SETSIG";
    if (c instanceof RecordLock m) return String.valueOf(m.cmd());
    if (c instanceof Flock) return "flock";
    if (c instanceof Close) return "close";
    return c.getClass().getSimpleName();
  }

  /**
   * Wakes the openers that the last call let through. The caller's own answer goes first: in the
   * kernel the woken opener runs after the waker's syscall returns (always so when the waker is a
   * signal handler interrupting that very opener, as when a holder opens its own file).
   */
  private void flushWakeUps() {
    for (BlockedOpener opener : wakeUps) {
      if (remote != null && !opener.truncate()) {
        remote.opened(opener.pid(), opener.file().id());
      }
      ProcessActor.KernelReply reply =
          granted(opener.reqId(), opener.truncate() ? null : opener.file(), opener.file().inode().path());
      tellProcess(opener.pid(), reply);
      if (remote != null) { // the words only where they are kept: one JVM keeps none (a wake-up per lease break)
        remember(opener.pid(), reply, (opener.truncate() ? "truncate(" : "open(") + opener.file().inode().path() + ")");
      }
    }
    wakeUps.clear();
    for (io.leasecr.core.locks.PosixLocks.Waiter w : lockGrants) {
      ProcessActor.KernelReply reply = new ProcessActor.KernelReply(w.reqId(), 0, null, null);
      tellProcess(w.pid(), reply);
      remember(w.pid(), reply, "F_SETLKW");
    }
    lockGrants.clear();
    for (io.leasecr.core.locks.FlockLocks.Waiter w : flockGrants) {
      ProcessActor.KernelReply reply = new ProcessActor.KernelReply(w.reqId(), 0, null, null);
      tellProcess(w.pid(), reply);
      remember(w.pid(), reply, "flock");
    }
    flockGrants.clear();
  }

  private long now() {
    return clock.nowMillis();
  }

  /** To a registered process, or (cluster mode) through the directory; false if it cannot be reached. */
  private boolean tellProcess(int pid, ProcessActor.Command command) {
    ActorRef<ProcessActor.Command> target = processes.get(pid);
    if (target != null) {
      target.tell(command);
      return true;
    }
    if (remote != null && !restoring(pid)) {
      remote.deliver(pid, command);
      return true;
    }
    return false;
  }

  /** During a restore, signals for the processes being restored wait until they exist. */
  private boolean restoring(int pid) {
    return restoring && (restoringOnly == null || restoringOnly.contains(pid));
  }

  /**
   * Cluster mode: remember and death-watch the process behind a request. A request from a new incarnation of
   * the pid (restored elsewhere before the old one's death was noticed here) means the old one is gone: it is
   * forgotten first, so that nothing it waited for is answered to the new one and nothing it held stays held.
   */
  private void learn(int pid, ActorRef<ProcessActor.Command> replyTo) {
    if (remote == null) {
      return;
    }
    ActorRef<ProcessActor.Command> old = remote.incarnation(pid);
    if (old != null && replyTo != null && !old.equals(replyTo)) {
      Forgotten gone = forgetProcess(pid);
      if (!gone.touched().isEmpty()) {
        events.note(pid, "pid " + pid + ": its incarnation " + old.path().name() + " is gone (a new one made a call):"
            + " its sleeping calls and POSIX locks are dropped, " + gone.files() + " open descriptions closed");
      }
      flushWakeUps();
      gone.touched().forEach(this::rearm);
    }
    remote.learn(pid, replyTo, (p, ref) -> getContext().watchWith(ref, new ProcessGone(p, ref)));
  }

  /**
   * Cluster mode: a process's actor terminated without exit(2) (its node crashed and was downed, or it
   * was stopped for a restore elsewhere): {@link #forgetProcess}, as for a process that died.
   */
  private Behavior<Command> onProcessGone(ProcessGone m) {
    if (!remote.current(m.pid(), m.ref())) {
      return this; // an older incarnation (the pid has been restored since), or one that exited
    }
    Forgotten gone = forgetProcess(m.pid());
    events.note(m.pid(), "pid " + m.pid() + " is gone (" + m.ref().path().address() + " left the cluster): "
        + "its sleeping calls and POSIX locks are dropped, " + gone.files() + " open descriptions closed");
    flushWakeUps();
    gone.touched().forEach(this::rearm);
    return this;
  }

  /**
   * Keep exactly one timer per inode, due when its sleeping openers wake at their deadline (none without
   * a sleeper: the kernel times leases out lazily, see LeaseTable.timeOutLeases).
   */
  private void rearm(long ino) {
    long deadline = table.sleeperWakeTime(ino);
    // the armed timer's message says which deadline it was armed for (only this method starts timers keyed by ino)
    DeadlineReached current = (DeadlineReached) timers.armed(ino);
    if (current != null && current.deadline() == deadline) {
      return;
    }
    if (deadline == 0) {
      if (current != null) { // nothing armed, nothing to cancel
        timers.cancel(ino);
      }
      return;
    }
    // on a cluster node the timer may fire early (a frozen or scaled clock): onDeadline then times
    // nothing out and arms it again for what is left
    timers.startSingleTimer(ino, new DeadlineReached(ino, deadline),
        Duration.ofMillis(clock.timerDelayMillis(Math.max(0, deadline - now()))));
  }

  /** Turns what the lease rules ask for into messages and trace events. */
  private final class Events implements LockEvents {
    @Override
    public void signal(int pid, int signo, int siCode, int siFd, Lease lease) {
      if (tellProcess(pid, new ProcessActor.Signal(signo, siCode, siFd))) {
        return;
      } else if (restoring(pid)) {
        List<ProcessActor.Signal> held = heldSignals.computeIfAbsent(pid, p -> new ArrayList<>());
        if (signo < 32 && held.stream().anyMatch(h -> h.signo() == signo)) {
          // pending while the tree is restored (CRIU restores with signals blocked): a standard signal (below
          // the kernel's SIGRTMIN, 32) already pending is not queued again (legacy_queue): three re-breaks, one SIGIO
          note(pid, Signals.name(signo) + " for " + lease.file().inode().path() + " (fd " + siFd + ") not queued: "
              + "one is already pending for pid " + pid + " (a standard signal is pending at most once)");
        } else {
          held.add(new ProcessActor.Signal(signo, siCode, siFd));
        }
      } else if (trace.enabled()) {
        trace.emit(TraceEvent.kernelNote(now(), 0, Signals.name(signo) + " for " + lease.file().inode().path()
            + " not delivered: owner pid " + pid + " has exited"));
      }
    }

    @Override
    public void note(int pid, String text) {
      if (trace.enabled()) {
        trace.emit(TraceEvent.kernelNote(now(), pid, text));
      }
    }

    @Override
    public void unblocked(BlockedOpener opener) {
      wakeUps.add(opener); // sent after the answer to the call that caused it: see flushWakeUps
    }

    @Override
    public void posixGranted(io.leasecr.core.locks.PosixLocks.Waiter w) {
      lockGrants.add(w); // answered after the call that freed the range, like wake-ups
    }

    @Override
    public void flockGranted(io.leasecr.core.locks.FlockLocks.Waiter w) {
      flockGrants.add(w);
    }

    @Override
    public void leaseChanged(Lease lease, String change) {
      if (!trace.enabled()) {
        return;
      }
      Inode inode = lease.file().inode();
      trace.emit(TraceEvent.kernel(now(), "lease", lease.pid(), TraceEvent.args(
          "path", inode.path(),
          "ino", inode.ino(),
          "change", change,
          "type", lease.type().procName,
          "target", lease.targetType().procName,
          "typePrev", lease.typePrev() == null ? null : lease.typePrev().procName,
          "breakNotified", lease.breaking() ? lease.breakNotified() : null,
          "deadline", lease.deadline() == 0 ? null : lease.deadline())));
    }
  }
}
