package io.leasecr.core.kernel;

import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.FlockLocks;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.Fd;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.time.EmulatedClock;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.core.process.WireTypes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One emulated process: its fd table, signal dispositions, scripted reactions and the syscall it
 * is in. Syscalls on files go to the {@link LockManager}; the process waits for the answer (that
 * is what "blocked in open" means here) and meanwhile still receives signals.
 */
public final class ProcessActor extends AbstractBehavior<ProcessActor.Command> {

  public sealed interface Command {}

  /** Make a syscall (a scenario step or a driver); replyTo, if not null, hears when it returns. */
  public record Run(Syscall call, int step, ActorRef<StepDone> replyTo) implements Command {}

  /** A signal arrives: from the kernel for a lease break (siFd -1 if none) or sent by kill(2). */
  public record Signal(int signo, int siCode, int siFd) implements Command {}

  /** The kernel put the request to sleep (open or truncate waiting for a lease break). */
  public record Blocked(long reqId) implements Command {}

  /**
   * The kernel's answer: result or errno, the new open file description for an open, and for F_GETLK /
   * F_OFD_GETLK the conflicting lock it found (null if none).
   */
  public record KernelReply(long reqId, long result, Errno errno, Fd file, io.leasecr.core.locks.PosixLock found)
      implements Command {
    public KernelReply(long reqId, long result, Errno errno, Fd file) {
      this(reqId, result, errno, file, null);
    }
  }

  /** Local timer message: never crosses a node. {@code seq} keeps two identical signals' reactions apart. */
  private record ReactionDue(Reaction reaction, int siFd, long seq) implements Command, NoSerializationVerificationNeeded {}

  /** Local timer message: a sleeping sigtimedwait's timeout has passed. */
  private record WaitTimeout(long reqId) implements Command, NoSerializationVerificationNeeded {}

  /** Local timer message (cluster mode): a sleeping call asks its lease table again. */
  private record RecheckDue(long reqId) implements Command, NoSerializationVerificationNeeded {}

  /**
   * Local timer message (cluster mode): a request still unanswered is sent again (lost in a cut?); the timer's
   * key is {@code reqId}, {@code copies} how many copies went already.
   */
  private record AnswerDue(long reqId, int copies) implements Command, NoSerializationVerificationNeeded {}

  /** Local: one of this process's timers ({@link KeyedTimers}) fired; delivered if its generation is current. */
  record TimerFired(Object key, int generation, KeyedTimers<Command> owner)
      implements Command, NoSerializationVerificationNeeded {}

  public record StepDone(int pid, int step, String call, long result, Errno errno) {}

  /** Checkpoint: report this process's state (the tree is frozen, nothing is in flight). */
  public record Save(ActorRef<Saved> replyTo) implements Command {}

  public record Saved(io.leasecr.proto.image.Process image) {}

  /**
   * Save for one sharded pid (cluster mode): answered as a process table answers, with this process alone, so
   * that its entity needs no adapter actor per ask (a restart confirms every process it starts so).
   */
  public record SaveAlone(ActorRef<ProcessTable.ProcessesSaved> replyTo) implements Command {}

  /** The actors a process talks to, and where it reports what it does. */
  public record Kernel(ActorRef<LockManager.Command> locks, ActorRef<ProcessTable.Command> processes,
      TraceSink trace) {}

  /** A process with the given fds; leaseFds are those it knows it took a lease through (a fork copies them). */
  public static Behavior<Command> create(ProcessSpec spec, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds,
      Kernel kernel) {
    return create(spec, fds, leaseFds, 0, kernel);
  }

  /** A fork's child: it starts with its parent's signal mask ({@code blockedSignals}, bit signo-1). */
  public static Behavior<Command> create(ProcessSpec spec, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds,
      long blockedSignals, Kernel kernel) {
    return Behaviors.setup(ctx -> {
      ProcessActor p = new ProcessActor(ctx, spec, fds, leaseFds, kernel);
      p.blockedSignals = blockedSignals;
      return p;
    });
  }

  /**
   * A process rehydrated from a checkpoint image: its pending reactions are re-armed with the time
   * they had left, and a call it was blocked in fails with -ERESTARTSYS and is retried.
   */
  public static Behavior<Command> restored(io.leasecr.proto.image.Process image, Map<Long, Fd> files, Kernel kernel) {
    // Pekko keeps an actor's Props, and with them this factory, for the actor's whole life: the image's
    // protobuf objects and the table of every open file would stay live beside the restored tree (about
    // 600 bytes a process, BENCHMARKS.md issue 17). The factory runs once (no supervisor restarts a
    // process), so it takes them from a holder it then empties.
    RestoreSource source = new RestoreSource(image, files);
    return Behaviors.setup(ctx -> source.take(ctx, kernel));
  }

  /** What a restored process is built from, handed over once (see {@link #restored}). */
  private static final class RestoreSource {
    private io.leasecr.proto.image.Process image;
    private Map<Long, Fd> files;

    RestoreSource(io.leasecr.proto.image.Process image, Map<Long, Fd> files) {
      this.image = image;
      this.files = files;
    }

    ProcessActor take(ActorContext<Command> ctx, Kernel kernel)
        throws java.io.NotSerializableException {
      io.leasecr.proto.image.Process image = this.image;
      Map<Long, Fd> files = this.files;
      if (image == null) {
        throw new IllegalStateException("a restored process started twice");
      }
      this.image = null;
      this.files = null;
      return restore(ctx, image, files, kernel);
    }
  }

  private static ProcessActor restore(ActorContext<Command> ctx,
      io.leasecr.proto.image.Process image, Map<Long, Fd> files, Kernel kernel) throws java.io.NotSerializableException {
    ProcessSpec spec = WireTypes.spec(image.getSpec());
    TreeMap<Integer, Fd> fds = new TreeMap<>();
    image.getFdsMap().forEach((fd, fileId) -> fds.put(fd, files.get(fileId)));
    ProcessActor p = new ProcessActor(ctx, spec, fds, new TreeSet<>(image.getLeaseFdsList()), kernel);
    p.blockedSignals = image.getBlockedSignals();
    for (io.leasecr.proto.wire.Signal s : image.getPendingSignalsList()) {
      p.pendingSignals().add(new Signal(s.getSigno(), s.getSiCode(), s.getSiFd()));
    }
    p.resume(image);
    return p;
  }

  /** fds 0-2 are the standard streams, not modelled: the first open returns 3, as in a real process. */
  private static final int FIRST_FD = 3;

  /**
   * Keyed timers as Behaviors.withTimers gives them, without its per-actor interceptor (see KeyedTimers); null
   * until the first timer: most processes of a large tree never start one.
   */
  private KeyedTimers<Command> timers;
  private final EmulatedClock clock;
  private final Kernel kernel;
  /** Replaced at execve(2): the new program has no handlers and no scripted reactions. */
  private ProcessSpec spec;
  private final TreeMap<Integer, Fd> fds;
  private Map<Integer, Disposition> dispositions;
  private TreeSet<Integer> leaseFds;
  /**
   * The descriptions (file ids) this process took a lease through, while it has an fd on them: its close of the
   * last one waits for the table (see detach). Null when none (most processes).
   */
  private Set<Long> leasedFiles;
  /**
   * The calls in flight, oldest first, linked through {@link Call#nextInFlight}; null when none. A list, not a
   * map by request id: a process has one or two calls in flight, and a map per call cost four objects and a
   * boxed key at every syscall (BENCHMARKS.md, issue 17 item 3).
   */
  private Call inFlight;
  private ArrayDeque<Run> waiting;
  private SplittableRandom random;
  /** When each armed reaction is due (emulated ms): a checkpoint saves the time they have left. */
  private Map<ReactionDue, Long> reactionsDue;
  private long nextReq = 1;
  /** How often a sleeping call asks its table again, wall ms (lease-cr.process.recheck-blocked; 0: never). */
  private final long recheckMs;
  private boolean dying;
  /** sigprocmask(2)'s mask, bit signo-1: a blocked signal waits in {@link #pendingSignals}. */
  private long blockedSignals;
  /** Signals that came while blocked, in the order they came (a standard one once); null when none. */
  private ArrayList<Signal> pendingSignals;
  private int exitStatus;
  private int killedBy;

  /** A syscall in progress. {@code main} is the program's own call; reactions run beside it. */
  private static final class Call {
    final Syscall syscall;
    final int step;
    final ActorRef<StepDone> replyTo;
    final boolean main;
    /** A reaction run inside the signal handler (no delay), not by the reaction thread later. */
    boolean inHandler;
    final long startedAt;
    /** The file the call sleeps on (for an interrupt): an open's or truncate's path, a lock's fd's path. */
    String path;
    boolean blocked;
    boolean interrupted;
    /** A handled signal arrived before the kernel said whether the call sleeps; it acts if it does. */
    Disposition pendingSignal;
    /** Cluster mode: the request as sent, sent again (same request id) while no answer comes. */
    LockManager.Command request;
    /** What the return shows besides the result (the siginfo sigtimedwait took). */
    Map<String, Object> returnArgs;
    /**
     * An open's fd, taken when the call starts (do_sys_openat2: get_unused_fd_flags before do_filp_open): an fd
     * closed while the open sleeps (a handler's close) is not the one it returns (found by emulator fuzz, seed 2
     * program 509). -1 for other calls.
     */
    int fd = -1;
    /** Its request id while in flight (0 when not), and the next younger call in flight. */
    long req;
    Call nextInFlight;

    Call(Syscall syscall, int step, ActorRef<StepDone> replyTo, boolean main, long startedAt) {
      this.syscall = syscall;
      this.step = step;
      this.replyTo = replyTo;
      this.main = main;
      this.startedAt = startedAt;
    }
  }

  private ProcessActor(ActorContext<Command> ctx, ProcessSpec spec,
      TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds, Kernel kernel) {
    super(ctx);
    this.clock = EmulatedTime.clock(ctx.getSystem());
    this.kernel = kernel;
    this.spec = spec;
    this.fds = fds;
    this.dispositions = spec.dispositions();
    this.leaseFds = leaseFds == null || leaseFds.isEmpty() ? null : leaseFds;
    if (this.leaseFds != null) {
      for (int fd : this.leaseFds) {
        Fd f = fds.get(fd);
        if (f != null) {
          leased(f.fileId());
        }
      }
    }
    this.recheckMs = recheckMillis(ctx.getSystem());
  }

  private static volatile Object recheckFor;
  private static volatile long recheckCached;

  /** The system's lease-cr.process.recheck-blocked, read once per actor system (a million processes start). */
  private static long recheckMillis(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    if (recheckFor != system) {
      com.typesafe.config.Config c = system.settings().config();
      recheckCached = c.hasPath("lease-cr.process.recheck-blocked")
          ? c.getDuration("lease-cr.process.recheck-blocked").toMillis() : 0;
      recheckFor = system;
    }
    return recheckCached;
  }

  @Override
  public Receive<Command> createReceive() {
    // not a ReceiveBuilder's: every actor keeps its receive for life, and a built one (its case arrays, case and
    // bound handler) is about 100 bytes a process more than this one object, besides the builder's garbage
    // (BENCHMARKS.md, issue 17). Same dispatch: every Command goes to onCommand, no signal is handled.
    return new CommandReceive(this);
  }

  /** The actor's receive: every message to {@link #onCommand}, signals unhandled (as a built receive does). */
  private static final class CommandReceive extends Receive<Command> {
    private final ProcessActor actor;

    CommandReceive(ProcessActor actor) {
      this.actor = actor;
    }

    @Override
    public Behavior<Command> receiveMessage(Command m) {
      return actor.onCommand(m);
    }

    @Override
    public Behavior<Command> receiveSignal(org.apache.pekko.actor.typed.Signal signal) {
      if (signal instanceof org.apache.pekko.actor.typed.PostStop) {
        actor.cancelTimers(); // as withTimers' interceptor did: no timer outlives its process
      }
      return Behaviors.unhandled();
    }
  }

  private KeyedTimers<Command> timers() {
    if (timers == null) {
      timers = new KeyedTimers<>(getContext().getSelf(), getContext().getSystem().scheduler(), TimerFired::new);
    }
    return timers;
  }

  private void cancelTimer(Object key) {
    if (timers != null) {
      timers.cancel(key);
    }
  }

  private void cancelTimers() {
    if (timers != null) {
      timers.cancelAll();
    }
  }

  private Behavior<Command> onCommand(Command m) {
    if (m instanceof TimerFired fired) {
      m = timers == null ? null : timers.delivered(fired.key(), fired.generation(), fired.owner());
      if (m == null) {
        return this; // cancelled or started again since it fired
      }
    }
    if (m instanceof Run run) {
      return onRun(run);
    } else if (m instanceof KernelReply reply) {
      return onKernelReply(reply);
    } else if (m instanceof Blocked blocked) {
      return onBlocked(blocked);
    } else if (m instanceof Signal signal) {
      return onSignal(signal);
    } else if (m instanceof ReactionDue due) {
      return onReactionDue(due);
    } else if (m instanceof RecheckDue due) {
      return onRecheckDue(due);
    } else if (m instanceof AnswerDue due) {
      return onAnswerDue(due);
    } else if (m instanceof WaitTimeout timeout) {
      return onWaitTimeout(timeout);
    } else if (m instanceof Save save) {
      save.replyTo().tell(new Saved(image()));
      return this;
    } else if (m instanceof SaveAlone save) {
      save.replyTo().tell(new ProcessTable.ProcessesSaved(java.util.List.of(image())));
      return this;
    }
    return Behaviors.unhandled();
  }

  // ------------------------------------------------------------------ syscalls

  private Behavior<Command> onRun(Run run) {
    if (dying) {
      return this;
    }
    if (mainCall() != null || interruptedMain != null) {
      // a single-threaded program cannot make its next call before the current one returns
      if (waiting == null) {
        waiting = new ArrayDeque<>(2);
      }
      waiting.add(run);
      return this;
    }
    return execute(run.call(), run.step(), run.replyTo(), true);
  }

  private Behavior<Command> execute(Syscall call, int step, ActorRef<StepDone> replyTo, boolean main) {
    if (traced()) {
      emit("enter", step, call.name(), call.traceArgs(), null, null);
    }
    return perform(new Call(call, step, replyTo, main, now()));
  }

  private Behavior<Command> perform(Call c) {
    Syscall call = c.syscall;
    if (call instanceof Syscall.Open open) {
      c.path = open.path();
      c.fd = lowestFreeFd();
      send(c, req -> new LockManager.Open(spec.pid(), req, open.path(), open.mode(), open.nonblock(),
          open.trunc(), getContext().getSelf()));
      return this;
    }
    if (call instanceof Syscall.Truncate t) {
      c.path = t.path();
      send(c, req -> new LockManager.Truncate(spec.pid(), req, t.path(), getContext().getSelf()));
      return this;
    }
    if (call instanceof Syscall.Fcntl f) {
      Fd fd = fds.get(f.fd());
      if (fd == null) {
        return finish(c, -1, Errno.EBADF);
      }
      long restartReq = c.inHandler ? sleepingOpenOrTruncate() : 0;
      send(c, req -> fcntl(req, f, fd, restartReq));
      return this;
    }
    if (call instanceof Syscall.RecordLock r) {
      Fd fd = fds.get(r.fd());
      if (fd == null) {
        return finish(c, -1, Errno.EBADF);
      }
      c.path = fd.path();
      send(c, req -> new LockManager.RecordLock(spec.pid(), req, fd.ino(), fd.fileId(), r.cmd(), r.type(), r.start(),
          r.len(), r.lPid(), getContext().getSelf()));
      return this;
    }
    if (call instanceof Syscall.Flock fl) {
      Fd fd = fds.get(fl.fd());
      if (fd == null && (fl.op() & FlockLocks.LOCK_MAND) != 0) {
        return finish(c, 0, null); // LOCK_MAND is ignored before the fd is looked at
      }
      if (fd == null) { // flock_translate_cmd comes before fdget
        return finish(c, -1, FlockLocks.translateCmd(fl.op()) == null ? Errno.EINVAL : Errno.EBADF);
      }
      c.path = fd.path();
      send(c, req -> new LockManager.Flock(spec.pid(), req, fd.ino(), fd.fileId(), fl.op(), getContext().getSelf()));
      return this;
    }
    if (call instanceof Syscall.Close close) {
      return close(c, close.fd());
    }
    if (call instanceof Syscall.Dup dup) {
      return dup(c, dup.fd());
    }
    if (call instanceof Syscall.Ftruncate ft) {
      return ftruncate(c, ft.fd());
    }
    if (call instanceof Syscall.FdOp op) {
      return fdOp(c, op);
    }
    if (call instanceof Syscall.Execve) {
      return execve(c);
    }
    if (call instanceof Syscall.Fork fork) {
      return fork(c, fork);
    }
    if (call instanceof Syscall.Sigaction sa) {
      return sigaction(c, sa);
    }
    if (call instanceof Syscall.Sigprocmask m) {
      return sigprocmask(c, m);
    }
    if (call instanceof Syscall.Sigwait w) {
      return sigwait(c, w);
    }
    return die(((Syscall.Exit) call).status(), 0);
  }

  /**
   * do_ftruncate: EBADF for a bad or O_PATH fd, EINVAL unless a regular file open for writing (a fifo or a
   * character device open O_RDWR is EINVAL too, checked on 6.18). Unlike truncate(2) it breaks no lease (checked
   * on 6.18: the holder's own write lease stays ACTIVE, no signal).
   */
  private Behavior<Command> ftruncate(Call c, int fdNum) {
    Fd fd = fds.get(fdNum);
    if (fd == null || fd.mode() == io.leasecr.core.locks.AccessMode.O_PATH) {
      return finish(c, -1, Errno.EBADF);
    }
    if (!fd.mode().writes() || !fd.regular()) {
      return finish(c, -1, Errno.EINVAL); // S_ISREG and FMODE_WRITE, one test in the kernel
    }
    // notify_change -> try_break_deleg -> __break_lease(FL_DELEG): a delegation breaker conflicts with no lease,
    // so nothing breaks, but time_out_leases runs first: overdue leases end (emulator fuzz, seed 61206 program
    // 97). F_GETLEASE's request does just that; its answer is not the result
    send(c, req -> new LockManager.GetLease(spec.pid(), req, fd.ino(), fd.fileId(), getContext().getSelf()));
    return this;
  }

  private Behavior<Command> close(Call c, int fdNum) {
    Fd fd = fds.get(fdNum);
    if (fd == null) {
      return finish(c, -1, Errno.EBADF);
    }
    if (detach(fdNum, fd)) {
      return waitForTable(c, fd);
    }
    kernel.locks().tell(new LockManager.Put(spec.pid(), fd.ino(), fd.fileId()));
    return finish(c, 0, null);
  }

  /**
   * Takes fdNum out of the fd table. True if it was this process's last fd on a description it took a lease
   * through: the lease goes inside the syscall (__fput's locks_remove_file, before the return to user space), so
   * the call returns after the table has dropped it, and a break signal the table sent before is delivered before
   * the call returns (emulator fuzz, seed 61206 program 4755).
   */
  private boolean detach(int fdNum, Fd fd) {
    fds.remove(fdNum);
    forgetLease(fdNum);
    if (leasedFiles == null || !leasedFiles.contains(fd.fileId()) || hasFdOn(fd.fileId())) {
      return false; // no lease of this process's, or a dup of the description still holds it
    }
    unleased(fd.fileId());
    return true;
  }

  private void leased(long fileId) {
    if (leasedFiles == null) {
      leasedFiles = new HashSet<>(2);
    }
    leasedFiles.add(fileId);
  }

  private void unleased(long fileId) {
    if (leasedFiles != null && leasedFiles.remove(fileId) && leasedFiles.isEmpty()) {
      leasedFiles = null;
    }
  }

  /** The call drops a description's lease: it returns when the table answers that it has. */
  private Behavior<Command> waitForTable(Call c, Fd fd) {
    send(c, req -> new LockManager.Close(spec.pid(), req, fd.ino(), fd.fileId(), getContext().getSelf()));
    return this;
  }

  /** Whether this process has an fd on the description fileId. */
  private boolean hasFdOn(long fileId) {
    for (Fd f : fds.values()) {
      if (f.fileId() == fileId) {
        return true;
      }
    }
    return false;
  }

  private Behavior<Command> dup(Call c, int fdNum) {
    Fd fd = fds.get(fdNum);
    if (fd == null) {
      return finish(c, -1, Errno.EBADF);
    }
    int newFd = lowestFreeFd();
    fds.put(newFd, fd.withCloexec(false)); // FD_CLOEXEC belongs to the fd, a copy starts without it
    kernel.locks().tell(new LockManager.Get(fd.ino(), fd.fileId()));
    return finish(c, newFd, null);
  }

  /**
   * dup2, dup3, F_DUPFD(_CLOEXEC), F_GETFD, F_SETFD, in fs/file.c's and fs/fcntl.c's order of checks: dup3 looks at
   * its flags and at oldfd == newfd before oldfd itself; dup2 onto itself returns newfd if oldfd is open; a newfd
   * beyond RLIMIT_NOFILE is EBADF, an F_DUPFD minimum beyond it EINVAL. A newfd in use is closed first (its
   * leases and locks go as at a close).
   */
  private Behavior<Command> fdOp(Call c, Syscall.FdOp op) {
    long arg = op.arg();
    switch (op.op()) {
      case DUP2, DUP3 -> {
        if (op.op() == Syscall.FdOp.Op.DUP3 && (op.flags() & ~Syscall.FdOp.O_CLOEXEC) != 0) {
          return finish(c, -1, Errno.EINVAL);
        }
        if (arg == op.fd()) {
          if (op.op() == Syscall.FdOp.Op.DUP3) {
            return finish(c, -1, Errno.EINVAL);
          }
          return fds.containsKey(op.fd()) ? finish(c, arg, null) : finish(c, -1, Errno.EBADF);
        }
        if (arg < 0 || arg >= Syscall.FdOp.NOFILE) {
          return finish(c, -1, Errno.EBADF); // newfd is unsigned: a negative one is huge
        }
        Fd fd = fds.get(op.fd());
        if (fd == null) {
          return finish(c, -1, Errno.EBADF);
        }
        int target = (int) arg;
        Fd old = dropFd(target);
        fds.put(target, fd.withCloexec((op.flags() & Syscall.FdOp.O_CLOEXEC) != 0));
        kernel.locks().tell(new LockManager.Get(fd.ino(), fd.fileId()));
        if (old != null) {
          c.fd = target; // what dup2 returns once the table has dropped the old description's lease
          return waitForTable(c, old);
        }
        return finish(c, target, null);
      }
      case F_DUPFD, F_DUPFD_CLOEXEC -> {
        Fd fd = fds.get(op.fd());
        if (fd == null) {
          return finish(c, -1, Errno.EBADF);
        }
        if (arg < 0 || arg >= Syscall.FdOp.NOFILE) {
          return finish(c, -1, Errno.EINVAL); // the minimum is unsigned too
        }
        int target = Math.max((int) arg, FIRST_FD);
        while (fds.containsKey(target)) {
          target++;
        }
        if (target >= Syscall.FdOp.NOFILE) {
          return finish(c, -1, Errno.EMFILE);
        }
        fds.put(target, fd.withCloexec(op.op() == Syscall.FdOp.Op.F_DUPFD_CLOEXEC));
        kernel.locks().tell(new LockManager.Get(fd.ino(), fd.fileId()));
        return finish(c, target, null);
      }
      case F_GETFD -> {
        Fd fd = fds.get(op.fd());
        return fd == null ? finish(c, -1, Errno.EBADF) : finish(c, fd.cloexec() ? Syscall.FdOp.FD_CLOEXEC : 0, null);
      }
      default -> {
        Fd fd = fds.get(op.fd());
        if (fd == null) {
          return finish(c, -1, Errno.EBADF);
        }
        fds.put(op.fd(), fd.withCloexec((arg & Syscall.FdOp.FD_CLOEXEC) != 0));
        return finish(c, 0, null);
      }
    }
  }

  /**
   * Closes an fd without a call of its own (dup2's newfd, execve's FD_CLOEXEC fds): as close(2) does. Returns the
   * description if the lease it held must go before the call returns (see detach): the caller then waits for the
   * table; otherwise its Put is sent here and the result is null.
   */
  private Fd dropFd(int fdNum) {
    Fd old = fds.get(fdNum);
    if (old == null) {
      return null;
    }
    if (detach(fdNum, old)) {
      return old;
    }
    kernel.locks().tell(new LockManager.Put(spec.pid(), old.ino(), old.fileId()));
    return null;
  }

  /**
   * execve(2): do_close_on_exec closes the FD_CLOEXEC fds; flush_signal_handlers puts every handled signal back to
   * its default (ignored ones stay ignored); the old program's reactions, armed or not, are gone with its handlers.
   */
  private Behavior<Command> execve(Call c) {
    for (Integer fd : fds.entrySet().stream().filter(e -> e.getValue().cloexec()).map(Map.Entry::getKey).toList()) {
      Fd leased = dropFd(fd);
      if (leased != null) { // execve's closes go one way: it does not wait for a lease to go (not built)
        kernel.locks().tell(new LockManager.Put(spec.pid(), leased.ino(), leased.fileId()));
      }
    }
    Map<Integer, Disposition> reset = new HashMap<>();
    dispositions.forEach((sig, d) -> {
      if (d.kind() == Disposition.Kind.IGNORE) {
        reset.put(sig, d);
      }
    });
    dispositions = reset;
    if (reactionsDue != null) {
      reactionsDue.keySet().forEach(this::cancelTimer);
      reactionsDue = null;
    }
    spec = new ProcessSpec(spec.pid(), spec.ppid(), spec.name(), spec.cred(), dispositions, java.util.List.of(),
        spec.seed());
    return finish(c, 0, null);
  }

  private Behavior<Command> fork(Call c, Syscall.Fork fork) {
    for (Fd fd : fds.values()) {
      kernel.locks().tell(new LockManager.Get(fd.ino(), fd.fileId()));
    }
    ProcessSpec child = new ProcessSpec(fork.childPid(), spec.pid(), fork.childName(), spec.cred(),
        dispositions, spec.reactions(), spec.seed());
    kernel.processes().tell(new ProcessTable.Forked(child, new TreeMap<>(fds),
        leaseFds == null ? null : new TreeSet<>(leaseFds), blockedSignals));
    return finish(c, fork.childPid(), null);
  }

  private Behavior<Command> sigaction(Call c, Syscall.Sigaction sa) {
    if (!Signals.catchable(sa.signo())) {
      return finish(c, -1, Errno.EINVAL);
    }
    Map<Integer, Disposition> copy = new HashMap<>(dispositions);
    copy.put(sa.signo(), sa.disposition());
    dispositions = copy;
    if (pendingSignals != null && discards(sa.signo(), sa.disposition())) {
      // do_sigaction: a signal that is now ignored is flushed from the pending queue, blocked or not
      pendingSignals.removeIf(p -> p.signo() == sa.signo());
    }
    return finish(c, 0, null);
  }

  /**
   * sigprocmask(2): SIGKILL and SIGSTOP cannot be blocked (dropped from the set, no error). Signals it unblocks
   * that are pending are delivered before it returns.
   */
  private Behavior<Command> sigprocmask(Call c, Syscall.Sigprocmask m) {
    long set = m.set() & ~(Syscall.Sigprocmask.bit(Signals.SIGKILL) | Syscall.Sigprocmask.bit(Signals.SIGSTOP));
    blockedSignals = switch (m.how()) {
      case SIG_BLOCK -> blockedSignals | set;
      case SIG_UNBLOCK -> blockedSignals & ~set;
      case SIG_SETMASK -> set;
    };
    Behavior<Command> b = deliverPending();
    if (dying) {
      return b;
    }
    return finish(c, 0, null);
  }

  /**
   * sigtimedwait / sigwaitinfo: a pending signal of the set is taken at once; otherwise the call sleeps until one
   * comes (blocked or not, if it has a handler), a handled signal outside the set interrupts it (EINTR), or the
   * timeout passes (EAGAIN; a zero timeout only polls).
   */
  private Behavior<Command> sigwait(Call c, Syscall.Sigwait w) {
    Signal s = takePending(w.set());
    if (s != null) {
      return endWait(0, c, s);
    }
    if (w.timeoutMs() == 0) {
      return finish(c, -1, Errno.EAGAIN);
    }
    long req = nextReq++;
    track(req, c);
    c.blocked = true;
    emit("block", c.step, c.syscall.name(), null, null, null);
    if (w.timeoutMs() > 0) {
      timers().startSingleTimer(new WaitTimeout(req), new WaitTimeout(req),
          Duration.ofMillis(clock.timerDelayMillis(w.timeoutMs())));
    }
    return this;
  }

  /** The wait takes {@code s}: it returns the signal's number, and the trace shows its siginfo. */
  private Behavior<Command> endWait(long req, Call c, Signal s) {
    if (req != 0) {
      untrack(req);
      cancelTimer(new WaitTimeout(req));
    }
    c.returnArgs = TraceEvent.args("code", Signals.codeName(s.siCode()), "fd", s.siFd() >= 0 ? s.siFd() : null);
    return finish(c, s.signo(), null);
  }

  /**
   * The struct flock F_GETLK hands back (fcntl_getlk, posix_lock_to_flock): the conflicting lock's range (l_len 0
   * when it runs to EOF) and owner (l_pid -1 for an OFD lock), l_whence SEEK_SET; when nothing conflicts only
   * l_type changes (to F_UNLCK) and the rest is what the caller passed.
   */
  private static Map<String, Object> getLkFields(Syscall.RecordLock r, io.leasecr.core.locks.PosixLock found) {
    if (found == null) {
      return TraceEvent.args("l_whence", "SEEK_SET", "l_start", r.start(), "l_len", r.len(), "l_pid", r.lPid());
    }
    long len = found.end() == io.leasecr.core.locks.PosixLock.EOF ? 0 : found.end() - found.start() + 1;
    return TraceEvent.args("l_whence", "SEEK_SET", "l_start", found.start(), "l_len", len,
        "l_pid", (long) found.procPid());
  }

  private Behavior<Command> onWaitTimeout(WaitTimeout m) {
    Call c = inFlight(m.reqId());
    if (c == null || dying) {
      return this;
    }
    untrack(m.reqId());
    return finish(c, -1, Errno.EAGAIN);
  }

  private LockManager.Command fcntl(long req, Syscall.Fcntl f, Fd fd, long restartReq) {
    ActorRef<Command> self = getContext().getSelf();
    return switch (f.cmd()) {
      case F_SETLEASE -> new LockManager.SetLease(spec.pid(), req, f.fd(), fd.ino(), fd.fileId(), f.arg(),
          spec.cred().fsuid(), spec.cred().capLease(), restartReq, self);
      case F_GETLEASE -> new LockManager.GetLease(spec.pid(), req, fd.ino(), fd.fileId(), self);
      case F_SETSIG -> new LockManager.SetSig(spec.pid(), req, fd.ino(), fd.fileId(), f.arg(), self);
    };
  }

  private interface Request {
    LockManager.Command build(long reqId);
  }

  private void send(Call c, Request request) {
    long req = nextReq++;
    track(req, c);
    LockManager.Command built = request.build(req);
    kernel.locks().tell(built);
    if (recheckMs > 0) {
      // cluster mode: the request or its answer crosses the network, where a cut can drop either; the same
      // request goes again until an answer comes (the table answers a copy as it answered the first)
      c.request = built;
      answerDue(req, 0);
    }
  }

  private Behavior<Command> onBlocked(Blocked m) {
    Call c = inFlight(m.reqId());
    if (c != null && dying) {
      interrupt(m.reqId(), c); // killed before the kernel said it sleeps: leave the wait at once
      return this;
    }
    if (c != null && c.blocked) {
      return this; // the answer to a copy of the request: already asleep
    }
    if (c != null) {
      if (c.request != null) {
        cancelTimer(answerTimer(m.reqId()));
      }
      c.blocked = true;
      emit("block", c.step, c.syscall.name(), null, null, null);
      if (recheckMs > 0) {
        // cluster mode: the wake-up crosses the network, where a cut can drop it; ask again until it comes
        timers().startTimerWithFixedDelay(new RecheckDue(m.reqId()), new RecheckDue(m.reqId()),
            java.time.Duration.ofMillis(recheckMs));
      }
      if (c.pendingSignal != null) {
        // a signal already pending when the task goes to sleep interrupts the sleep at once
        signalWhileBlocked(m.reqId(), c, c.pendingSignal);
      }
    }
    return this;
  }

  private Behavior<Command> onKernelReply(KernelReply m) {
    Call c = untrack(m.reqId());
    if (c == null) {
      return this; // e.g. a wake-up sent again while the first was on its way after all
    }
    if (recheckMs > 0 && c.blocked) {
      cancelTimer(new RecheckDue(m.reqId()));
    }
    if (c.request != null && !c.blocked) {
      cancelTimer(answerTimer(m.reqId()));
    }
    if (dying) {
      if (m.file() != null) {
        kernel.locks().tell(new LockManager.Put(spec.pid(), m.file().ino(), m.file().fileId())); // opened as we died
      }
      return inFlight == null ? exitNow() : this;
    }
    if (c.syscall instanceof Syscall.Ftruncate) {
      return finish(c, 0, null);
    }
    if (m.errno() != null) {
      return finish(c, -1, m.errno());
    }
    if (c.syscall instanceof Syscall.RecordLock r && r.cmd().getLk()) {
      c.returnArgs = getLkFields(r, m.found());
    }
    long result = c.syscall instanceof Syscall.FdOp ? c.fd : m.result(); // a dup2 that closed a leased fd: newfd
    if (m.file() != null) {
      int fd = c.fd >= 0 && !fds.containsKey(c.fd) ? c.fd : lowestFreeFd();
      fds.put(fd, c.syscall instanceof Syscall.Open o && o.cloexec() ? m.file().withCloexec(true) : m.file());
      result = fd;
    } else if (c.syscall instanceof Syscall.Fcntl f && f.cmd() == Syscall.Fcntl.Cmd.F_SETLEASE) {
      Fd on = fds.get(f.fd());
      if (f.arg() == LeaseType.UNLCK.value) {
        forgetLease(f.fd());
        if (on != null) {
          unleased(on.fileId());
        }
      } else {
        if (leaseFds == null) {
          leaseFds = new TreeSet<>();
        }
        leaseFds.add(f.fd());
        if (on != null) {
          leased(on.fileId());
        }
      }
    }
    return finish(c, result, null);
  }

  /**
   * A call during which a handled signal arrived returns to the program only after the handler has run: while the
   * handler's own calls (its reaction) are in flight, the EINTR waits (found by emulator fuzz, seed 1 program 45),
   * and so does any other return while a reaction without delay (one the handler makes) has yet to run or to
   * return: a holder's own O_NONBLOCK open of its leased file fails with EWOULDBLOCK after its SIGIO handler's
   * release, not before (found by emulator fuzz, seed 1 program 30).
   */
  private Call interruptedMain;
  private long interruptedResult;
  private Errno interruptedErrno;
  /** Reactions without delay told to this actor and not yet run: the handler has not returned. */
  private int handlerReactions;

  private boolean handlerCallsInFlight() {
    for (Call x = inFlight; x != null; x = x.nextInFlight) { // not a stream: this runs at every return
      if (!x.main) {
        return true;
      }
    }
    return false;
  }

  private boolean handlerBusy() {
    if (handlerReactions > 0) {
      return true;
    }
    for (Call x = inFlight; x != null; x = x.nextInFlight) {
      if (x.inHandler) {
        return true;
      }
    }
    return false;
  }

  /** The call returns: trace it, tell whoever asked, and let the program make its next call. */
  private Behavior<Command> finish(Call c, long result, Errno errno) {
    if (c.main && interruptedMain == null && (errno == Errno.EINTR && handlerCallsInFlight() || handlerBusy())) {
      interruptedMain = c;
      interruptedResult = result;
      interruptedErrno = errno;
      return this;
    }
    Behavior<Command> next = finishNow(c, result, errno);
    return c.main ? next : releaseDeferred(next);
  }

  /** The program's open restarted after its handler (SA_RESTART) takes its fd once the handler is done. */
  private void restartedOpenTakesFd() {
    Call main = mainCall();
    if (main != null && main.syscall instanceof Syscall.Open && main.fd < 0 && !handlerBusy()) {
      main.fd = lowestFreeFd();
    }
  }

  /** The handler is done: the call it came during returns now. */
  private Behavior<Command> releaseDeferred(Behavior<Command> next) {
    restartedOpenTakesFd();
    if (!handlerBusy() && deliverable() != null) {
      Behavior<Command> after = deliverPending();
      if (after != this || dying) {
        return after;
      }
      if (handlerBusy()) {
        return this;
      }
    }
    if (interruptedMain != null && !handlerCallsInFlight() && !handlerBusy()) {
      Call main = interruptedMain;
      interruptedMain = null;
      return finishNow(main, interruptedResult, interruptedErrno);
    }
    return next;
  }

  private Behavior<Command> finishNow(Call c, long result, Errno errno) {
    if (traced()) {
      Map<String, Object> args = c.blocked ? TraceEvent.args("blockedMs", now() - c.startedAt) : null;
      if (c.returnArgs != null) {
        args = args == null ? new LinkedHashMap<>() : new LinkedHashMap<>(args);
        args.putAll(c.returnArgs);
      }
      emit("return", c.step, c.syscall.name(), args, errno == null ? result : null, errno);
    }
    if (c.replyTo != null) {
      c.replyTo.tell(new StepDone(spec.pid(), c.step, c.syscall.name(), result, errno));
    }
    if (c.main && waiting != null && mainCall() == null) {
      Run next = waiting.poll();
      if (waiting.isEmpty()) {
        waiting = null;
      }
      return execute(next.call(), next.step(), next.replyTo(), true);
    }
    return this;
  }

  private Call mainCall() {
    for (Call c = inFlight; c != null; c = c.nextInFlight) {
      if (c.main) {
        return c;
      }
    }
    return null;
  }

  /** The call in flight under request {@code req}, or null. */
  private Call inFlight(long req) {
    for (Call c = inFlight; c != null; c = c.nextInFlight) {
      if (c.req == req) {
        return c;
      }
    }
    return null;
  }

  /** {@code c} is in flight under {@code req}, after every call already in flight. */
  private void track(long req, Call c) {
    if (c.req != 0) {
      throw new IllegalStateException("call " + c.syscall.name() + " already in flight as request " + c.req);
    }
    c.req = req;
    if (inFlight == null) {
      inFlight = c;
      return;
    }
    Call last = inFlight;
    while (last.nextInFlight != null) {
      last = last.nextInFlight;
    }
    last.nextInFlight = c;
  }

  /** The call under {@code req} is no longer in flight: it is returned, or null if none was. */
  private Call untrack(long req) {
    Call before = null;
    for (Call c = inFlight; c != null; before = c, c = c.nextInFlight) {
      if (c.req == req) {
        if (before == null) {
          inFlight = c.nextInFlight;
        } else {
          before.nextInFlight = c.nextInFlight;
        }
        c.nextInFlight = null;
        c.req = 0;
        return c;
      }
    }
    return null;
  }

  /**
   * The program's own open or truncate in flight, for a call its signal handler makes: if it sleeps, the signal
   * took it out of the syscall before the handler ran (-ERESTARTSYS, or EINTR), so it holds no access while the
   * handler runs (the table checks that it sleeps). 0 if the program is in no such call.
   */
  private long sleepingOpenOrTruncate() {
    Call main = mainCall();
    return main != null && (main.syscall instanceof Syscall.Open || main.syscall instanceof Syscall.Truncate)
        ? main.req : 0;
  }

  private int lowestFreeFd() {
    // not through fds.keySet(): the TreeMap would keep that view for the process's life (16 bytes a process)
    int fd = FIRST_FD;
    while (fds.containsKey(fd)) {
      fd++;
    }
    return fd;
  }

  private void forgetLease(int fd) {
    if (leaseFds != null) {
      leaseFds.remove(fd);
      if (leaseFds.isEmpty()) {
        leaseFds = null;
      }
    }
  }

  // ------------------------------------------------------------------ signals

  private Behavior<Command> onSignal(Signal s) {
    if (dying) {
      return this;
    }
    Call main = mainCall();
    Syscall.Sigwait wait = main != null && main.syscall instanceof Syscall.Sigwait w ? w : null;
    boolean blocked = s.signo() != Signals.SIGKILL && (blockedSignals & Syscall.Sigprocmask.bit(s.signo())) != 0;
    if (blocked || wait != null && (wait.set() & Syscall.Sigprocmask.bit(s.signo())) != 0
        && dispositions.getOrDefault(s.signo(), Disposition.DEFAULT).kind() == Disposition.Kind.HANDLER) {
      // sig_ignored() is false for a blocked signal (whatever its disposition) and for one sigtimedwait waits
      // for while its handler is set: it is queued, and a sleeping sigtimedwait for it takes it at once
      boolean merged = s.signo() < KERNEL_SIGRTMIN && pendingSignals != null
          && pendingSignals.stream().anyMatch(p -> p.signo() == s.signo());
      if (traced()) {
        emit("pending", 0, null, TraceEvent.args("signal", Signals.name(s.signo()), "code", Signals.codeName(s.siCode()),
            "fd", s.siFd() >= 0 ? s.siFd() : null, "merged", merged ? true : null), null, null);
      }
      if (!merged) { // legacy_queue(): a standard signal already pending is dropped, the first siginfo stays
        pendingSignals().add(s);
      }
      if (wait != null && (wait.set() & Syscall.Sigprocmask.bit(s.signo())) != 0) {
        Signal taken = takePending(wait.set());
        return taken == null ? this : endWait(main.req, main, taken);
      }
      return this;
    }
    return deliver(s, main, wait);
  }

  /** The kernel's SIGRTMIN: below it a signal is a standard one, pending at most once. */
  private static final int KERNEL_SIGRTMIN = 32;

  private ArrayList<Signal> pendingSignals() {
    if (pendingSignals == null) {
      pendingSignals = new ArrayList<>(2);
    }
    return pendingSignals;
  }

  /** Whether a signal with this disposition is dropped at once (ignored, or a default that ignores it). */
  private static boolean discards(int signo, Disposition d) {
    return d.kind() == Disposition.Kind.IGNORE
        || d.kind() == Disposition.Kind.DEFAULT && !Signals.defaultTerminates(signo);
  }

  /** The pending signal next_signal() would take from {@code set}: the lowest number, a queue's first. */
  private Signal peekPending(long set) {
    Signal best = null;
    if (pendingSignals != null) {
      for (Signal p : pendingSignals) {
        if ((set & Syscall.Sigprocmask.bit(p.signo())) != 0 && (best == null || p.signo() < best.signo())) {
          best = p;
        }
      }
    }
    return best;
  }

  private Signal takePending(long set) {
    Signal s = peekPending(set);
    if (s != null) {
      pendingSignals.remove(s);
      if (pendingSignals.isEmpty()) {
        pendingSignals = null;
      }
    }
    return s;
  }

  /** A pending signal the mask no longer blocks, or null. */
  private Signal deliverable() {
    return pendingSignals == null ? null : peekPending(~blockedSignals);
  }

  /**
   * Pending signals the mask no longer blocks are delivered before the call that unblocked them returns, lowest
   * number first; a handler blocks every signal while it runs (the kernel side's sa_mask is full), so the next
   * is delivered when its reactions without delay are done.
   */
  private Behavior<Command> deliverPending() {
    Signal s;
    while (!dying && !handlerBusy() && (s = takePending(~blockedSignals)) != null) {
      Behavior<Command> b = deliver(s, mainCall(), null);
      if (b != this) {
        return b;
      }
    }
    return this;
  }

  private Behavior<Command> deliver(Signal s, Call main, Syscall.Sigwait wait) {
    Disposition d = s.signo() == Signals.SIGKILL ? Disposition.DEFAULT
        : dispositions.getOrDefault(s.signo(), Disposition.DEFAULT);
    boolean discarded = d.kind() == Disposition.Kind.IGNORE
        || (d.kind() == Disposition.Kind.DEFAULT && !Signals.defaultTerminates(s.signo()));
    String action = discarded ? "ignored" : d.kind() == Disposition.Kind.DEFAULT ? "terminate" : d.describe();
    if (traced()) {
      emit("signal", 0, null, TraceEvent.args(
        "signal", Signals.name(s.signo()),
        "code", Signals.codeName(s.siCode()),
        "fd", s.siFd() >= 0 ? s.siFd() : null,
        "action", action), null, null);
    }
    if (discarded) {
      return this; // an ignored signal does not even interrupt a sleeping syscall
    }
    if (d.kind() == Disposition.Kind.DEFAULT) {
      return die(0, s.signo());
    }
    scheduleReactions(s);
    if (wait != null) {
      // a handled signal outside the set: the handler runs and the wait fails with EINTR (never restarted)
      long req = main.req;
      untrack(req);
      cancelTimer(new WaitTimeout(req));
      return finish(main, -1, Errno.EINTR);
    }
    if (main != null && main.blocked) {
      signalWhileBlocked(main.req, main, d);
    } else if (main != null && (main.syscall instanceof Syscall.Open || main.syscall instanceof Syscall.Truncate
        || main.syscall instanceof Syscall.RecordLock || main.syscall instanceof Syscall.Flock)) {
      main.pendingSignal = d;
    }
    return this;
  }

  private void signalWhileBlocked(long req, Call call, Disposition d) {
    if (call.interrupted) {
      return;
    }
    if (d.saRestart()) {
      // -ERESTARTSYS + SA_RESTART: the handler runs and the call enters __break_lease again: time_out_leases,
      // then, still in conflict, it sleeps again (same break, same deadline)
      emit("restart", call.step, call.syscall.name(), null, null, null);
      if (call.path != null && (call.syscall instanceof Syscall.Open || call.syscall instanceof Syscall.Truncate)) {
        kernel.locks().tell(new LockManager.Reenter(spec.pid(), req, call.path));
      }
      if (call.syscall instanceof Syscall.Open) {
        // an open gives its fd back on the way out (do_sys_openat2's put_unused_fd) and takes the lowest free
        // one again when it restarts after the handler: an fd the handler closed (emulator fuzz, seed 36 program 2)
        call.fd = -1;
        restartedOpenTakesFd();
      }
    } else {
      call.interrupted = true;
      interrupt(req, call);
    }
  }

  /**
   * A sleeping call asks its lease table again (cluster mode), as a sleeping task re-checks its wait: the table
   * sends the wake-up again if it already sent one. Not while a cut holds the clocks still (nothing may start
   * then), nor for a call that has returned.
   */
  private Behavior<Command> onRecheckDue(RecheckDue m) {
    Call c = inFlight(m.reqId());
    if (c == null || !c.blocked || dying) {
      cancelTimer(m);
      return this;
    }
    if (clock instanceof io.leasecr.core.time.WallClock w && w.frozen()) {
      return this;
    }
    String path = c.syscall instanceof Syscall.Open || c.syscall instanceof Syscall.Truncate ? c.path : null;
    long ino = 0;
    if (c.syscall instanceof Syscall.RecordLock r && fds.get(r.fd()) != null) {
      ino = fds.get(r.fd()).ino();
    } else if (c.syscall instanceof Syscall.Flock f && fds.get(f.fd()) != null) {
      ino = fds.get(f.fd()).ino();
    }
    if (c.interrupted && c.path != null) {
      interrupt(m.reqId(), c); // the interrupt or its EINTR may be the one lost: the table answers it again
    } else if (path != null || ino != 0) {
      kernel.locks().tell(new LockManager.Recheck(spec.pid(), m.reqId(), path, ino, getContext().getSelf()));
    }
    return this;
  }

  /**
   * A request unanswered for a re-ask interval (cluster mode): it, or its answer, may have been lost in a cut;
   * the same request (same id) goes again, and the table answers a copy of one it has seen as it did then.
   * Not while a cut holds the clocks still; a dying process still wants its answer (it exits on it).
   */
  private Behavior<Command> onAnswerDue(AnswerDue m) {
    Call c = inFlight(m.reqId());
    if (c == null || c.blocked || c.request == null) {
      return this;
    }
    if (clock instanceof io.leasecr.core.time.WallClock w && w.frozen()) {
      answerDue(m.reqId(), m.copies());
      return this;
    }
    if (traced()) {
      kernel.trace().emit(TraceEvent.kernelNote(now(), spec.pid(), "pid " + spec.pid() + " (" + spec.name() + "): no answer"
          + " to its " + c.syscall.name() + " (request " + m.reqId() + ") after " + String.format(java.util.Locale.ROOT,
          "%.1f s", (now() - c.startedAt) / 1000.0) + ": the request sent again (it or its answer may be lost in a cut)"));
    }
    kernel.locks().tell(c.request);
    answerDue(m.reqId(), m.copies() + 1);
    return this;
  }

  /**
   * The next copy of request {@code req} is due after the re-ask interval, doubled with each copy sent, up to
   * 8 times it: a slow answer (thousands of calls in flight on a loaded machine) costs a few copies, not a storm.
   */
  private void answerDue(long req, int copies) {
    timers().startSingleTimer(answerTimer(req), new AnswerDue(req, copies),
        java.time.Duration.ofMillis(recheckMs << Math.min(copies, 3)));
  }

  /** The key of request {@code req}'s copy timer. */
  private static Object answerTimer(long req) {
    return new AnswerDue(req, -1);
  }

  private void interrupt(long req, Call c) {
    if (c.path != null) {
      kernel.locks().tell(new LockManager.Interrupt(spec.pid(), req, c.path, getContext().getSelf()));
    }
  }

  private void scheduleReactions(Signal s) {
    for (Reaction r : spec.reactions()) {
      if (r.signo() != s.signo()) {
        continue;
      }
      long delay = r.delayMs();
      if (r.jitterMs() > 0) {
        if (random == null) {
          random = new SplittableRandom(spec.seed() * 1_000_003L + spec.pid());
        }
        delay += random.nextLong(r.jitterMs() + 1);
      }
      arm(new ReactionDue(r, s.siFd(), nextReq++), delay);
    }
  }

  private void arm(ReactionDue due, long delay) {
    if (delay == 0) {
      handlerReactions++;
      getContext().getSelf().tell(due);
      return;
    }
    if (reactionsDue == null) {
      reactionsDue = new LinkedHashMap<>();
    }
    reactionsDue.put(due, now() + delay);
    timers().startSingleTimer(due, due, Duration.ofMillis(clock.timerDelayMillis(delay)));
  }

  private Behavior<Command> onReactionDue(ReactionDue due) {
    Long dueAt = reactionsDue == null ? null : reactionsDue.get(due);
    if (dueAt != null && dueAt > now()) { // early: a cluster node's clock was frozen or is scaled
      timers().startSingleTimer(due, due, Duration.ofMillis(clock.timerDelayMillis(dueAt - now())));
      return this;
    }
    boolean inHandler = reactionsDue == null || reactionsDue.remove(due) == null;
    if (inHandler) {
      handlerReactions--;
    }
    if (dying) {
      return this;
    }
    Reaction r = due.reaction();
    int fd = r.fd() >= 0 ? r.fd() : due.siFd() >= 0 ? due.siFd() : leaseFds == null ? -1 : leaseFds.first();
    if (traced()) {
      emit("reaction", 0, null, TraceEvent.args(
          "signal", Signals.name(r.signo()), "action", r.action().name().toLowerCase(), "fd", fd), null, null);
    }
    Syscall call = switch (r.action()) {
      case RELEASE -> new Syscall.Fcntl(fd, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.UNLCK.value);
      case DOWNGRADE -> new Syscall.Fcntl(fd, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.RDLCK.value);
      case CLOSE -> new Syscall.Close(fd);
      case NOTHING -> null;
    };
    if (call == null) {
      return releaseDeferred(this);
    }
    if (traced()) {
      emit("enter", 0, call.name(), call.traceArgs(), null, null);
    }
    Call c = new Call(call, 0, null, false, now());
    c.inHandler = inHandler;
    return perform(c);
  }

  // ------------------------------------------------------------------ checkpoint / restart

  /** This process's state, for a checkpoint. */
  private io.leasecr.proto.image.Process image() {
    // the spec as it is now: with the dispositions sigaction(2) changed (sorted, as a ProcessSpec keeps them);
    // most processes never change them, and then the spec itself serves without copying its maps
    ProcessSpec now = dispositions == spec.dispositions() ? spec
        : new ProcessSpec(spec.pid(), spec.ppid(), spec.name(), spec.cred(), dispositions, spec.reactions(), spec.seed());
    io.leasecr.proto.image.Process.Builder b = io.leasecr.proto.image.Process.newBuilder().setSpec(WireTypes.spec(now));
    fds.forEach((fd, entry) -> b.putFds(fd, entry.fileId()));
    if (leaseFds != null) {
      b.addAllLeaseFds(leaseFds);
    }
    b.setBlockedSignals(blockedSignals);
    if (pendingSignals != null) {
      for (Signal s : pendingSignals) {
        b.addPendingSignals(io.leasecr.proto.wire.Signal.newBuilder().setSigno(s.signo()).setSiCode(s.siCode())
            .setSiFd(s.siFd()));
      }
    }
    Call main = mainCall();
    if (main != null) {
      b.setPending(pending(main.syscall, main.step, main.blocked, main.startedAt));
    }
    if (waiting != null) {
      for (Run r : waiting) {
        b.addQueued(pending(r.call(), r.step(), false, now()));
      }
    }
    if (reactionsDue != null) {
      reactionsDue.forEach((due, at) -> b.addReactions(io.leasecr.proto.image.PendingReaction.newBuilder()
          .setReaction(WireTypes.reaction(due.reaction())).setSiFd(due.siFd()).setRemainingMs(Math.max(0, at - now()))));
    }
    return b.build();
  }

  private static io.leasecr.proto.image.PendingCall pending(Syscall call, int step, boolean blocked, long startedAt) {
    return io.leasecr.proto.image.PendingCall.newBuilder().setCall(WireTypes.syscall(call)).setStep(step)
        .setBlocked(blocked).setStartedAtMs(startedAt).build();
  }

  /** After a restore: re-arm reactions, retry the interrupted call, queue the program's next steps. */
  private void resume(io.leasecr.proto.image.Process image) throws java.io.NotSerializableException {
    for (io.leasecr.proto.image.PendingReaction r : image.getReactionsList()) {
      arm(new ReactionDue(WireTypes.reaction(r.getReaction()), r.getSiFd(), nextReq++), r.getRemainingMs());
    }
    for (io.leasecr.proto.image.PendingCall q : image.getQueuedList()) {
      if (waiting == null) {
        waiting = new ArrayDeque<>(2);
      }
      waiting.add(new Run(WireTypes.syscall(q.getCall()), q.getStep(), null));
    }
    if (image.hasPending()) {
      io.leasecr.proto.image.PendingCall p = image.getPending();
      Syscall call = WireTypes.syscall(p.getCall());
      if (call instanceof Syscall.Close && !p.getBlocked()) {
        // caught waiting for its table (cluster mode): its fd was gone before the checkpoint, and close is never
        // restarted (after the fd is detached it cannot fail): it returns 0
        finishNow(new Call(call, p.getStep(), null, true, now()), 0, null);
        return;
      }
      // the sleep ended with -ERESTARTSYS at the checkpoint: the call starts again, as a restarted syscall
      emit("restart", p.getStep(), call.name(), TraceEvent.args("after", "restore", "errno", "ERESTARTSYS"), null, null);
      perform(new Call(call, p.getStep(), null, true, now()));
    } else if (waiting != null) {
      Run next = waiting.poll();
      if (waiting.isEmpty()) {
        waiting = null;
      }
      execute(next.call(), next.step(), next.replyTo(), true);
    }
  }

  // ------------------------------------------------------------------ death

  /** exit(2) or a fatal signal: abandon a sleeping call, then close every fd and go. */
  private Behavior<Command> die(int status, int signo) {
    dying = true;
    exitStatus = status;
    killedBy = signo;
    waiting = null;
    cancelTimers();
    for (Call c = inFlight; c != null; ) {
      Call next = c.nextInFlight;
      if (c.syscall instanceof Syscall.Sigwait) {
        untrack(c.req); // no lease table answers a wait
      }
      c = next;
    }
    if (inFlight != null) {
      for (Call c = inFlight; c != null; c = c.nextInFlight) {
        if (c.blocked) {
          interrupt(c.req, c); // answered with EINTR, or with the grant already sent
        }
      }
      return this; // exit once every answer is in
    }
    return exitNow();
  }

  private Behavior<Command> exitNow() {
    for (Fd fd : fds.values()) {
      kernel.locks().tell(new LockManager.Put(spec.pid(), fd.ino(), fd.fileId()));
    }
    fds.clear();
    emit("exit", 0, null, killedBy != 0
        ? TraceEvent.args("signal", Signals.name(killedBy))
        : TraceEvent.args("status", exitStatus), null, null);
    kernel.locks().tell(new LockManager.ProcessExited(spec.pid()));
    kernel.processes().tell(new ProcessTable.Exited(spec.pid()));
    return Behaviors.stopped();
  }

  // ------------------------------------------------------------------ trace

  private long now() {
    return clock.nowMillis();
  }

  /**
   * Whether anyone reads this process's events: a sink may read only some processes' (an experiment's metrics read
   * the holder's and the breaker's), and a tree's other processes then skip building theirs.
   */
  private boolean traced() {
    return kernel.trace().enabledFor(spec.pid());
  }

  private void emit(String kind, int step, String call, Map<String, Object> args, Long result, Errno errno) {
    if (traced()) {
      kernel.trace().emit(new TraceEvent(now(), kind, spec.pid(), spec.name(), step, call, args, result,
          errno == null ? null : errno.name()));
    }
  }


}
