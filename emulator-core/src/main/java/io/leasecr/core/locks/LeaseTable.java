package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lease rules of fs/locks.c (Linux 6.x), as a deterministic state machine: no actors, no
 * clocks, "now" is a parameter (emulated milliseconds). Each method is named after the kernel
 * function it stands for; see docs/lease-rules.md for the rule-by-rule map.
 *
 * <p>The table holds one {@link FileLockContext} per inode and nothing shared between inodes except
 * the two sysctls, so it can be partitioned by inode.
 */
public final class LeaseTable {

  /** fs.lease-break-time in seconds; <= 0 means a break has no deadline. */
  private long leaseBreakTime;
  /** fs.leases-enable: 0 refuses new leases (existing ones can still change). */
  private boolean leasesEnable;
  private final Map<Long, FileLockContext> contexts = new HashMap<>();
  /**
   * The context last looked up, and its inode number: a syscall's handler asks for the same inode two or three
   * times (the call, then its deadline), and a boxed-key lookup was a tenth of the lease-break cycle (BENCHMARKS.md,
   * issue 17 item 3). Null when none, or once that context is forgotten.
   */
  private FileLockContext lastContext;
  private long lastIno;
  private final Set<Fault> faults;
  private final PosixLocks posixLocks = new PosixLocks();
  private final OfdLocks ofdLocks = new OfdLocks(posixLocks);
  private final FlockLocks flockLocks = new FlockLocks();
  private long leaseOrder;

  public LeaseTable(long leaseBreakTime, boolean leasesEnable) {
    this(leaseBreakTime, leasesEnable, Set.of());
  }

  /** With deliberately wrong rules switched on: only for showing that conformance catches them. */
  public LeaseTable(long leaseBreakTime, boolean leasesEnable, Set<Fault> faults) {
    this.leaseBreakTime = leaseBreakTime;
    this.leasesEnable = leasesEnable;
    this.faults = Set.copyOf(faults);
  }

  public void setLeaseBreakTime(long seconds) {
    this.leaseBreakTime = seconds; // no range check, like the sysctl
  }

  public void setLeasesEnable(boolean enable) {
    this.leasesEnable = enable;
  }

  public long leaseBreakTime() {
    return leaseBreakTime;
  }

  public boolean leasesEnable() {
    return leasesEnable;
  }

  public FileLockContext context(long ino) {
    return lookup(ino);
  }

  private FileLockContext lookup(long ino) {
    if (lastContext != null && lastIno == ino) {
      return lastContext;
    }
    FileLockContext ctx = contexts.get(ino);
    if (ctx != null) {
      lastContext = ctx;
      lastIno = ino;
    }
    return ctx;
  }

  public List<FileLockContext> contexts() {
    return new ArrayList<>(contexts.values());
  }

  private FileLockContext contextFor(Inode inode) {
    FileLockContext ctx = lookup(inode.ino());
    if (ctx == null) {
      ctx = new FileLockContext(inode);
      contexts.put(inode.ino(), ctx);
      lastContext = ctx;
      lastIno = inode.ino();
    }
    return ctx;
  }

  private void forgetIfIdle(FileLockContext ctx) {
    if (ctx.idle()) {
      contexts.remove(ctx.inode.ino());
      if (lastContext == ctx) {
        lastContext = null;
      }
    }
  }

  // ------------------------------------------------------------------ open, truncate, close

  /** What open(2) or truncate(2) leads to. */
  public sealed interface Outcome {
    record Done(OpenFile file) implements Outcome {}

    record Failed(Errno errno) implements Outcome {}

    record Blocked(BlockedOpener opener) implements Outcome {}
  }

  /**
   * open(2), from do_dentry_open: count the open in i_readcount/i_writecount first, then break
   * leases. The count comes first, so a blocked writer already makes the holder's downgrade fail.
   */
  public Outcome open(int pid, long reqId, Inode inode, AccessMode mode, boolean nonblock, long now,
      LockEvents ev) {
    return open(pid, reqId, inode, mode, nonblock, false, now, ev);
  }

  /**
   * open(2) with O_TRUNC or not. The path was found (ENOENT comes first, from the lookup); then may_open: a
   * directory opens for reading only, and O_TRUNC asks for write access (build_open_flags: MAY_WRITE), so
   * O_RDONLY|O_TRUNC on a directory is EISDIR too, before any permission check (EACCES). O_PATH drops O_TRUNC
   * (O_PATH_FLAGS) and asks for no access: it opens a directory whatever else is given.
   */
  public Outcome open(int pid, long reqId, Inode inode, AccessMode mode, boolean nonblock, boolean trunc, long now,
      LockEvents ev) {
    if (inode.kind() == Inode.Kind.DIRECTORY && (mode.writes() || (trunc && mode != AccessMode.O_PATH))) {
      return new Outcome.Failed(Errno.EISDIR); // may_open: a directory opens for reading only
    }
    if (inode.kind() == Inode.Kind.FIFO && mode == AccessMode.O_WRONLY && nonblock && !fifoHasReader(lookup(inode.ino()))) {
      return new Outcome.Failed(Errno.ENXIO); // fifo_open: a non-blocking writer needs a reader
    }
    FileLockContext ctx = contextFor(inode);
    OpenFile file = new OpenFile(inode.ino() << 24 | ctx.nextFileSeq++, inode, mode, nonblock);
    ctx.files.put(file.id, file);
    if (mode == AccessMode.O_PATH) {
      return new Outcome.Done(file); // O_PATH opens neither count nor break
    }
    getAccess(ctx, file);
    boolean wantWrite = mode != AccessMode.O_RDONLY;
    Errno err = breakLease(ctx, wantWrite, nonblock, now, ev);
    if (err == Errno.EWOULDBLOCK) {
      putAccess(ctx, file);
      ctx.files.remove(file.id);
      return new Outcome.Failed(err);
    }
    if (err == Errno.ERESTARTSYS) {
      BlockedOpener opener = new BlockedOpener(pid, reqId, wantWrite, now, file, false);
      ctx.addBlocked(opener);
      return new Outcome.Blocked(opener);
    }
    return new Outcome.Done(file);
  }

  /** pipe->readers of fifo_open: descriptions open for reading (O_RDONLY or O_RDWR), O_PATH aside. */
  private static boolean fifoHasReader(FileLockContext ctx) {
    return ctx != null && ctx.files.values().stream().anyMatch(f -> f.mode == AccessMode.O_RDONLY || f.mode == AccessMode.O_RDWR);
  }

  /**
   * truncate(2) by path, from vfs_truncate: get_write_access, then break_lease(inode, O_WRONLY),
   * always blocking. ftruncate(2) does not break leases and is not modelled here.
   */
  public Outcome truncate(int pid, long reqId, Inode inode, long now, LockEvents ev) {
    if (inode.kind() == Inode.Kind.DIRECTORY) {
      return new Outcome.Failed(Errno.EISDIR);
    }
    if (!inode.isRegular()) {
      return new Outcome.Failed(Errno.EINVAL); // vfs_truncate: only regular files have a length to cut (fifo, chardev)
    }
    FileLockContext ctx = contextFor(inode);
    OpenFile access = new OpenFile(inode.ino() << 24 | ctx.nextFileSeq++, inode, AccessMode.O_WRONLY, false);
    ctx.files.put(access.id, access);
    getAccess(ctx, access);
    Errno err = breakLease(ctx, true, false, now, ev);
    if (err == Errno.ERESTARTSYS) {
      BlockedOpener opener = new BlockedOpener(pid, reqId, true, now, access, true);
      ctx.addBlocked(opener);
      return new Outcome.Blocked(opener);
    }
    putAccess(ctx, access);
    ctx.files.remove(access.id);
    forgetIfIdle(ctx);
    return new Outcome.Done(null);
  }

  /** dup(2) or fork(2): one more fd refers to the description. */
  public void get(long ino, long fileId) {
    OpenFile file = fileOf(ino, fileId);
    if (file != null) {
      file.refs++;
    }
  }

  /**
   * close(2) of one fd by {@code pid}. Any close of the file drops the process's POSIX locks on it
   * (locks_remove_posix: the rule everyone trips over). On the last close (__fput) locks_remove_file
   * drops the description's OFD locks, its flock lock and its lease, which wakes their waiters and
   * blocked openers, then the open counts go.
   */
  public void put(int pid, long ino, long fileId, long now, LockEvents ev) {
    FileLockContext ctx = lookup(ino);
    OpenFile file = ctx == null ? null : ctx.files.get(fileId);
    if (file == null) {
      return;
    }
    if (posixLocks.removeOwner(ctx, pid)) {
      posixLocks.wakeUp(ctx).forEach(ev::posixGranted);
    }
    if (--file.refs > 0) {
      return;
    }
    if (ofdLocks.release(ctx, fileId)) {
      posixLocks.wakeUp(ctx).forEach(ev::posixGranted);
    }
    if (flockLocks.removeFile(ctx, fileId)) {
      flockLocks.wakeUp(ctx).forEach(ev::flockGranted);
    }
    Lease lease = ctx.leaseOf(file);
    if (lease != null) {
      leaseModify(ctx, lease, LeaseType.UNLCK, ev, "released by last close");
    }
    putAccess(ctx, file);
    ctx.files.remove(fileId);
    forgetIfIdle(ctx);
  }

  /**
   * A signal ended a blocked open/truncate (EINTR, or the process died): the opener leaves the
   * wait queue and its description is dropped (do_dentry_open's cleanup). The break goes on.
   */
  public boolean abandon(long ino, int pid, long reqId) {
    FileLockContext ctx = lookup(ino);
    if (ctx == null) {
      return false;
    }
    for (BlockedOpener b : ctx.blocked) {
      if (b.pid() == pid && b.reqId() == reqId) {
        ctx.blocked.remove(b);
        putAccess(ctx, b.file());
        ctx.files.remove(b.file().id); // the lease it waited for stays, and its description: ctx is not idle
        return true;
      }
    }
    return false;
  }

  private static void getAccess(FileLockContext ctx, OpenFile file) {
    if (file.mode.writes()) {
      ctx.writeCount++;
    } else if (file.mode.readOnly()) {
      ctx.readCount++;
    }
  }

  private static void putAccess(FileLockContext ctx, OpenFile file) {
    if (file.mode.writes()) {
      ctx.writeCount--;
    } else if (file.mode.readOnly()) {
      ctx.readCount--;
    }
  }

  // ------------------------------------------------------------------ the break

  /** leases_conflict() → locks_conflict(): a write on either side conflicts. */
  private static boolean leasesConflict(Lease lease, boolean wantWrite) {
    return wantWrite || lease.type == LeaseType.WRLCK;
  }

  private static boolean anyLeasesConflict(FileLockContext ctx, boolean wantWrite) {
    for (Lease l : ctx.leases) {
      if (leasesConflict(l, wantWrite)) {
        return true;
      }
    }
    return false;
  }

  /**
   * __break_lease(): start (or join) the break of every conflicting lease. Returns null if nothing
   * conflicts, EWOULDBLOCK for an O_NONBLOCK opener (the break still goes on), else ERESTARTSYS
   * meaning "sleep until woken".
   */
  private Errno breakLease(FileLockContext ctx, boolean wantWrite, boolean nonblock, long now, LockEvents ev) {
    timeOutLeases(ctx, now, ev);
    if (!anyLeasesConflict(ctx, wantWrite)) {
      return null;
    }
    // read when the break starts; 0 means "never" to the rest of the code, as in the kernel
    long breakTime = leaseBreakTime > 0 ? Math.max(1, Math.addExact(now, Math.multiplyExact(leaseBreakTime, 1000))) : 0;
    if (breakTime != 0 && faults.contains(Fault.LATE_DEADLINE)) {
      breakTime += leaseBreakTime * 200;
    }
    for (int i = 0; i < ctx.leases.size(); i++) { // the callbacks below never change the list
      Lease l = ctx.leases.get(i);
      if (!leasesConflict(l, wantWrite)) {
        continue;
      }
      boolean wasBreaking = l.breaking();
      // a break resumed after restart keeps the restored deadline (the seed: "if ->fl_break_time is set")
      long deadline = l.restored && l.restoredBreakTime != 0 ? l.restoredBreakTime : breakTime;
      if (!wantWrite && l.restored && l.restoredDowngradeTime != 0) {
        deadline = l.restoredDowngradeTime; // the image kept the downgrade's own deadline (it was under an unlock)
      }
      if (wantWrite) {
        if (l.unlockPending) {
          if (faults.contains(Fault.RESIGNAL_LATER_OPENERS)) {
            leaseBreakCallback(l, ev);
          }
          continue; // later writers neither re-signal nor move the deadline
        }
        l.unlockPending = true;
        l.breakTime = deadline;
      } else {
        if (l.breaking()) {
          continue;
        }
        l.downgradePending = true;
        l.downgradeTime = deadline;
      }
      if (!wasBreaking && l.typePrev == null) {
        // the type before this break; a lease not breaking has none (leaseModify clears it), except after a seed
        // restore: the image's, which the lease was given as its type, or, once a restored downgrade is done,
        // the type before the unlock break its writer is still to resume
        l.typePrev = l.type;
      }
      if (l.restored && l.breakNotified) {
        ev.leaseChanged(l, (wantWrite ? "break resumed: unlock pending" : "break resumed: downgrade pending")
            + ", holder not signalled again");
        continue;
      }
      leaseBreakCallback(l, ev);
      ev.leaseChanged(l, wantWrite ? "break: unlock pending" : "break: downgrade pending");
    }
    if (nonblock) {
      return Errno.EWOULDBLOCK;
    }
    return Errno.ERESTARTSYS;
  }

  /** lease_break_callback → kill_fasync(SIGIO, POLL_MSG) → send_sigio to the file owner. */
  private static void leaseBreakCallback(Lease lease, LockEvents ev) {
    OpenFile f = lease.file;
    lease.breakNotified = true;
    if (f.ownerPid == 0) {
      return;
    }
    if (f.signum == 0) {
      ev.signal(f.ownerPid, Signals.SIGIO, Signals.SI_KERNEL, -1, lease); // SEND_SIG_PRIV: no si_fd
    } else {
      ev.signal(f.ownerPid, f.signum, Signals.POLL_MSG, f.fasyncFd, lease);
    }
  }

  /**
   * time_out_leases(): apply overdue downgrades and unlocks. Lazily, as the kernel does: only from an open
   * or truncate of the inode (__break_lease), an ftruncate (notify_change's try_break_deleg, which conflicts with
   * no lease and asks through F_GETLEASE here), F_GETLEASE, a new or changed lease (generic_add_lease), and an
   * opener sleeping in __break_lease that wakes at its deadline ({@link #wakeSleepers}). Nothing else looks:
   * past its deadline a lease nobody touches stays BREAKING in /proc/locks, and F_UNLCK still finds it.
   * A deadline is reached at now >= deadline.
   */
  public void timeOutLeases(FileLockContext ctx, long now, LockEvents ev) {
    long next = ctx.nextTimeOut();
    if (next == 0 || now < next) {
      return; // nothing overdue: the common case, checked without copying the list
    }
    for (Lease l : List.copyOf(ctx.leases)) {
      if (l.downgradeTime != 0 && now >= l.downgradeTime) {
        if (l.downgradePending) {
          leaseModify(ctx, l, LeaseType.RDLCK, ev, "deadline: forced downgrade");
        } else if (l.type == LeaseType.WRLCK) {
          // fl_downgrade_time outlives its break (nothing clears it): a lease upgraded after a downgrade is
          // downgraded again by the next call that looks (on a READ lease the same lease_modify changes nothing)
          leaseModify(ctx, l, LeaseType.RDLCK, ev, "deadline of an earlier downgrade (fl_downgrade_time is never"
              + " cleared): downgraded again");
        }
      }
      if (l.breakTime != 0 && l.unlockPending && now >= l.breakTime) {
        leaseModify(ctx, l, LeaseType.UNLCK, ev, "deadline: removed");
      }
    }
  }

  /**
   * The openers sleeping in __break_lease on the inode wake at their deadline (wait_event_interruptible_timeout
   * returned 0) and time leases out; without a sleeper nothing happens (lazy expiry).
   */
  public void wakeSleepers(long ino, long now, LockEvents ev) {
    FileLockContext ctx = lookup(ino);
    if (ctx != null) {
      long wake = ctx.sleeperWakeTime();
      if (wake != 0 && now >= wake) {
        timeOutLeases(ctx, now, ev); // a lease timed out leaves its description open: ctx is not idle after
      }
    }
  }

  /** time_out_leases on the inode now, as any looking call would (an open or truncate restarted after its handler). */
  public void timeOutLeases(long ino, long now, LockEvents ev) {
    FileLockContext ctx = lookup(ino);
    if (ctx != null) {
      timeOutLeases(ctx, now, ev);
    }
  }

  /**
   * lease_modify(): set the type, clear the pending state it satisfies, wake every blocked opener
   * (each re-checks for conflicts), and on F_UNLCK remove the lease and the file's owner and signal.
   */
  private void leaseModify(FileLockContext ctx, Lease lease, LeaseType arg, LockEvents ev, String why) {
    if (arg == LeaseType.UNLCK) {
      lease.type = LeaseType.UNLCK; // assign_type before the lease is deleted
      lease.unlockPending = false;
      lease.downgradePending = false;
      lease.breakTime = 0;
      lease.downgradeTime = 0;
      ctx.leases.remove(lease);
      lease.file.ownerPid = 0; // f_delown
      lease.file.signum = 0;
      lease.file.fasyncFd = -1;
    } else {
      lease.type = arg;
      if (arg == LeaseType.RDLCK) {
        lease.downgradePending = false; // lease_clear_pending; fl_downgrade_time stays (see timeOutLeases)
      }
    }
    if (!lease.breaking() && arg == LeaseType.RDLCK && lease.restoredUnlockWaits) {
      // the restored downgrade is done; the restored unlock, under it, waits for its writer's retried open
      lease.restoredDowngradeTime = 0;
      lease.restoredUnlockWaits = false;
    } else if (!lease.breaking()) {
      lease.typePrev = null;
      lease.breakNotified = false;
      lease.restored = false;
      lease.restoredBreakTime = 0;
      lease.restoredDowngradeTime = 0;
      lease.restoredUnlockWaits = false;
    }
    ev.leaseChanged(lease, why);
    wakeUpBlocks(ctx, ev);
  }

  /** locks_wake_up_blocks(): woken openers proceed only if nothing conflicts any more. */
  private static void wakeUpBlocks(FileLockContext ctx, LockEvents ev) {
    if (ctx.blocked.isEmpty()) {
      return;
    }
    for (BlockedOpener b : List.copyOf(ctx.blocked)) {
      if (!anyLeasesConflict(ctx, b.wantWrite())) {
        ctx.blocked.remove(b);
        if (b.truncate()) {
          putAccess(ctx, b.file()); // vfs_truncate's put_write_access
          ctx.files.remove(b.file().id);
        }
        ev.unblocked(b);
      }
    }
  }

  // ------------------------------------------------------------------ fcntl

  /**
   * fcntl(F_SETLEASE): fcntl_setlease → lease_alloc (argument check) → vfs_setlease (filesystem
   * support) → generic_setlease (owner, regular file) → generic_delete_lease / generic_add_lease.
   * Returns 0 or an errno.
   */
  public Errno setLease(int pid, int fd, long ino, long fileId, long arg, Credentials cred, long now,
      LockEvents ev) {
    return setLease(pid, fd, ino, fileId, arg, cred, 0, now, ev);
  }

  /**
   * F_SETLEASE made inside a signal handler that interrupted the caller's own sleeping open or truncate, request
   * {@code restartReq} (0: none). That call is in its restart window: it left __break_lease with -ERESTARTSYS
   * and put its access back on the way out (the open's fput, vfs_truncate's put_write_access), and takes it
   * again only when it restarts after the handler. So check_conflicting_open does not count it (fuzz finding
   * 1092). Only that one call: another of the caller's calls (a delayed reaction's thread runs beside the main
   * one) still sleeps with its access, and counts (fuzz seed 20261206, program 16).
   */
  public Errno setLease(int pid, int fd, long ino, long fileId, long arg, Credentials cred, long restartReq,
      long now, LockEvents ev) {
    OpenFile file = fileOf(ino, fileId);
    if (file == null || file.mode == AccessMode.O_PATH) {
      return Errno.EBADF;
    }
    LeaseType type = LeaseType.ofValue(arg);
    if (type == null) {
      return Errno.EINVAL;
    }
    Inode inode = file.inode;
    if (!inode.leaseSupport()) {
      return Errno.EINVAL; // simple_nosetlease
    }
    if (inode.uid() != cred.fsuid() && !cred.capLease()) {
      return Errno.EACCES;
    }
    if (!inode.isRegular()) {
      return Errno.EINVAL;
    }
    FileLockContext ctx = lookup(ino);
    if (type == LeaseType.UNLCK) {
      return genericDeleteLease(ctx, file, ev);
    }
    return genericAddLease(ctx, file, pid, fd, type, restarting(ctx, pid, restartReq), now, ev);
  }

  /** The caller's sleeping open or truncate {@code reqId} if it is in its restart window, else null. */
  private static BlockedOpener restarting(FileLockContext ctx, int pid, long reqId) {
    if (reqId != 0) {
      for (BlockedOpener b : ctx.blocked) {
        if (b.pid() == pid && b.reqId() == reqId) {
          return b;
        }
      }
    }
    return null;
  }

  private Errno genericDeleteLease(FileLockContext ctx, OpenFile file, LockEvents ev) {
    Lease victim = ctx.leaseOf(file);
    if (victim == null) {
      return Errno.EAGAIN;
    }
    leaseModify(ctx, victim, LeaseType.UNLCK, ev, "released by F_UNLCK");
    return null;
  }

  private Errno genericAddLease(FileLockContext ctx, OpenFile file, int pid, int fd, LeaseType arg,
      BlockedOpener restarting, long now, LockEvents ev) {
    timeOutLeases(ctx, now, ev);
    if (checkConflictingOpen(ctx, file, arg, restarting)) {
      return Errno.EAGAIN;
    }
    Lease mine = null;
    for (Lease l : ctx.leases) {
      if (l.file == file) {
        mine = l;
        continue;
      }
      if (arg == LeaseType.WRLCK) {
        return Errno.EAGAIN; // no exclusive lease while anyone else has one
      }
      if (l.unlockPending) {
        return Errno.EAGAIN; // no new read lease while someone is opening for write
      }
    }
    if (mine != null) {
      // changing our own lease works even with leases-enable = 0
      LeaseType before = mine.type;
      leaseModify(ctx, mine, arg, ev, before == arg ? "set again" : "changed " + before.procName + " -> " + arg.procName);
    } else {
      if (!leasesEnable) {
        return Errno.EINVAL;
      }
      mine = new Lease(file, pid, leaseOrder++, arg);
      ctx.addLease(mine);
      ev.leaseChanged(mine, "acquired");
    }
    leaseSetup(file, pid, fd);
    return null;
  }

  /** lease_setup(): record the fd for si_fd and make the caller the owner unless one is set. */
  private static void leaseSetup(OpenFile file, int pid, int fd) {
    file.fasyncFd = fd;
    if (file.ownerPid == 0) {
      file.ownerPid = pid;
    }
  }

  /**
   * check_conflicting_open(): a read lease needs the file open for write nowhere (the caller's own
   * descriptions included); a write lease needs no open but the caller's own description.
   */
  private static boolean checkConflictingOpen(FileLockContext ctx, OpenFile file, LeaseType arg) {
    return checkConflictingOpen(ctx, file, arg, null);
  }

  /** The same, without the access of a call in its restart window ({@code restarting}, may be null). */
  private static boolean checkConflictingOpen(FileLockContext ctx, OpenFile file, LeaseType arg,
      BlockedOpener restarting) {
    int writeCount = ctx.writeCount;
    int readCount = ctx.readCount;
    if (restarting != null) {
      writeCount -= restarting.file().mode.writes() ? 1 : 0;
      readCount -= restarting.file().mode.readOnly() ? 1 : 0;
    }
    if (arg == LeaseType.RDLCK) {
      return writeCount > 0;
    }
    int selfWrite = file.mode.writes() ? 1 : 0;
    int selfRead = file.mode.readOnly() ? 1 : 0;
    return writeCount != selfWrite || readCount != selfRead;
  }

  /** fcntl(F_GETLEASE): the target type of this description's lease after overdue ones expire. */
  public LeaseType getLease(long ino, long fileId, long now, LockEvents ev) {
    FileLockContext ctx = lookup(ino);
    OpenFile file = ctx == null ? null : ctx.files.get(fileId);
    if (file == null || file.mode == AccessMode.O_PATH) {
      return null; // EBADF: fcntl allows O_PATH fds only a few commands, not the lease ones
    }
    timeOutLeases(ctx, now, ev);
    Lease lease = ctx.leaseOf(file);
    return lease == null ? LeaseType.UNLCK : lease.targetType();
  }

  /** fcntl(F_SETSIG): 0 restores plain SIGIO; beyond the last signal is EINVAL. */
  public Errno setSig(long ino, long fileId, long sig) {
    OpenFile file = fileOf(ino, fileId);
    if (file == null || file.mode == AccessMode.O_PATH) {
      return Errno.EBADF;
    }
    if (sig < 0 || sig > Signals.SIGRTMAX) {
      return Errno.EINVAL;
    }
    file.signum = (int) sig;
    return null;
  }

  public OpenFile fileOf(long ino, long fileId) {
    FileLockContext ctx = lookup(ino);
    return ctx == null ? null : ctx.files.get(fileId);
  }

  /** Earliest deadline on the inode, 0 if none. */
  public long nextDeadline(long ino) {
    FileLockContext ctx = lookup(ino);
    return ctx == null ? 0 : ctx.nextDeadline();
  }

  /** When a sleeping opener on the inode wakes to time leases out, 0 if none: the owner arms its timer for it. */
  public long sleeperWakeTime(long ino) {
    FileLockContext ctx = lookup(ino);
    return ctx == null ? 0 : ctx.sleeperWakeTime();
  }

  // ------------------------------------------------------------------ POSIX record locks

  /**
   * fcntl(F_SETLK / F_SETLKW) over [start, start+len): fcntl_setlk's checks (EBADF for a type the fd's
   * access mode does not allow, EINVAL for a bad type or range), then {@link PosixLocks#lock}; a
   * change that frees a range lets the waiters that no longer conflict through.
   */
  public PosixLocks.Outcome setLk(int pid, long reqId, long ino, long fileId, long type, long start, long len,
      boolean wait, LockEvents ev) {
    OpenFile file = fileOf(ino, fileId);
    Errno err = checkLk(file, type, start, len);
    if (err != null) {
      return new PosixLocks.Outcome.Failed(err);
    }
    FileLockContext ctx = lookup(ino);
    PosixLocks.Outcome outcome = posixLocks.lock(ctx, PosixLock.of(pid, LeaseType.ofValue(type), start, len), wait, reqId);
    if (outcome instanceof PosixLocks.Outcome.Granted) {
      posixLocks.wakeUp(ctx).forEach(ev::posixGranted);
    }
    return outcome;
  }

  /** fcntl(F_GETLK): the first conflicting lock, or F_UNLCK; an error if the request is bad. */
  public GetLk getLk(int pid, long ino, long fileId, long type, long start, long len) {
    OpenFile file = fileOf(ino, fileId);
    LeaseType t = LeaseType.ofValue(type);
    // fcntl_getlk: the type first (F_GETLK asks about F_RDLCK or F_WRLCK only), then the range
    Errno err = file == null || file.mode == AccessMode.O_PATH ? Errno.EBADF
        : t == null || t == LeaseType.UNLCK ? Errno.EINVAL : checkRange(type, start, len);
    if (err != null) {
      return new GetLk.Failed(err);
    }
    return GetLk.of(posixLocks.test(lookup(ino), PosixLock.of(pid, t, start, len)));
  }

  private static Errno checkLk(OpenFile file, long type, long start, long len) {
    if (file == null || file.mode == AccessMode.O_PATH) {
      return Errno.EBADF;
    }
    Errno range = checkRange(type, start, len);
    if (range != null) {
      return range;
    }
    LeaseType t = LeaseType.ofValue(type);
    if (t == LeaseType.RDLCK && !(file.mode == AccessMode.O_RDONLY || file.mode == AccessMode.O_RDWR)) {
      return Errno.EBADF; // a read lock needs an fd open for reading
    }
    if (t == LeaseType.WRLCK && !file.mode.writes()) {
      return Errno.EBADF; // a write lock needs an fd open for writing
    }
    return null;
  }

  /** flock64_to_posix(): the range (a start before 0, a last byte beyond OFFSET_MAX), then the type (assign_type). */
  private static Errno checkRange(long type, long start, long len) {
    if (start < 0 || (len < 0 && start + len < 0)) {
      return Errno.EINVAL;
    }
    if (len > 0 && len - 1 > PosixLock.EOF - start) {
      return Errno.EOVERFLOW;
    }
    return LeaseType.ofValue(type) == null ? Errno.EINVAL : null;
  }

  /** A sleeping F_SETLKW, F_OFD_SETLKW or flock() was interrupted (EINTR) or its process died. */
  public boolean abandonLk(long ino, int pid, long reqId) {
    FileLockContext ctx = lookup(ino);
    return ctx != null && (posixLocks.abandon(ctx, pid, reqId) || flockLocks.abandon(ctx, pid, reqId));
  }

  // ------------------------------------------------------------------ open file description locks

  /**
   * fcntl(F_OFD_SETLK / F_OFD_SETLKW): the checks of F_SETLK, then l_pid must be 0, then a POSIX lock owned
   * by the description (see {@link OfdLocks}).
   */
  public PosixLocks.Outcome setOfdLk(int pid, long reqId, long ino, long fileId, long type, long start, long len,
      long lPid, boolean wait, LockEvents ev) {
    OpenFile file = fileOf(ino, fileId);
    Errno err = checkLk(file, type, start, len);
    if (err != null) {
      return new PosixLocks.Outcome.Failed(err);
    }
    FileLockContext ctx = lookup(ino);
    PosixLocks.Outcome outcome = ofdLocks.lock(ctx, file, pid, LeaseType.ofValue(type), start, len, lPid, wait, reqId);
    if (outcome instanceof PosixLocks.Outcome.Granted) {
      posixLocks.wakeUp(ctx).forEach(ev::posixGranted);
    }
    return outcome;
  }

  /**
   * fcntl(F_OFD_GETLK): as F_GETLK with the description as owner; l_pid must be 0; F_UNLCK is allowed here
   * (Linux 6.6+) and asks for the description's own lock on the range.
   */
  public GetLk getOfdLk(int pid, long ino, long fileId, long type, long start, long len, long lPid) {
    OpenFile file = fileOf(ino, fileId);
    Errno err = file == null || file.mode == AccessMode.O_PATH ? Errno.EBADF
        : LeaseType.ofValue(type) == null ? Errno.EINVAL : checkRange(type, start, len); // the type first, as F_GETLK
    if (err != null) {
      return new GetLk.Failed(err);
    }
    return ofdLocks.test(lookup(ino), file, pid, LeaseType.ofValue(type), start, len, lPid);
  }

  // ------------------------------------------------------------------ flock(2)

  /**
   * flock(2): LOCK_MAND is ignored (0), an unknown operation is EINVAL, an O_PATH fd EBADF; then
   * flock_lock_inode (see {@link FlockLocks}). Whatever happened, waiters of a dropped lock retry.
   */
  public FlockLocks.Outcome flock(int pid, long reqId, long ino, long fileId, int op, LockEvents ev) {
    if ((op & FlockLocks.LOCK_MAND) != 0) {
      return new FlockLocks.Outcome.Granted();
    }
    LeaseType type = FlockLocks.translateCmd(op);
    if (type == null) {
      return new FlockLocks.Outcome.Failed(Errno.EINVAL);
    }
    OpenFile file = fileOf(ino, fileId);
    if (file == null || file.mode == AccessMode.O_PATH) {
      return new FlockLocks.Outcome.Failed(Errno.EBADF);
    }
    FileLockContext ctx = lookup(ino);
    FlockLocks.Outcome outcome = flockLocks.lock(ctx, new FlockLock(fileId, pid, type),
        (op & FlockLocks.LOCK_NB) != 0, reqId);
    flockLocks.wakeUp(ctx).forEach(ev::flockGranted);
    return outcome;
  }

  // ------------------------------------------------------------------ checkpoint / restart

  /** The whole table at a consistent cut (the tree is frozen): what a checkpoint image keeps. */
  public SavedLocks save(long now) {
    List<FileLockContext> all = contexts();
    all.sort((a, b) -> Long.compare(a.inode.ino(), b.inode.ino()));
    List<SavedLocks.File> files = new ArrayList<>();
    List<SavedLocks.Saved> leases = new ArrayList<>();
    for (FileLockContext ctx : all) {
      Collection<OpenFile> open = ctx.files.values();
      if (open.size() > 1) { // most files are open once: nothing to sort
        List<OpenFile> sorted = new ArrayList<>(open);
        sorted.sort((a, b) -> Long.compare(a.id, b.id));
        open = sorted;
      }
      for (OpenFile f : open) {
        files.add(new SavedLocks.File(f.id, f.inode, f.mode, f.nonblock, f.ownerPid, f.signum, f.fasyncFd));
      }
    }
    List<Lease> ordered = new ArrayList<>();
    all.forEach(ctx -> ordered.addAll(ctx.leases));
    ordered.sort((a, b) -> Long.compare(a.order, b.order));
    for (Lease l : ordered) {
      long deadline = l.deadline();
      // both pending: deadline() is the unlock's, and the downgrade's (which time_out_leases also applies) is kept
      // beside it; a lease with one break pending keeps the one deadline, as images always did
      long downgrade = l.unlockPending && l.downgradePending
          ? (l.downgradeTime == 0 ? -1 : Math.max(0, l.downgradeTime - now)) : SavedLocks.Saved.NO_DOWNGRADE_TIME;
      leases.add(new SavedLocks.Saved(l.file.id, l.pid, l.type, l.unlockPending, l.downgradePending,
          l.typePrev, l.breakNotified, deadline == 0 ? -1 : Math.max(0, deadline - now), downgrade));
    }
    List<SavedLocks.Posix> posix = new ArrayList<>();
    List<SavedLocks.Flock> flocks = new ArrayList<>();
    for (FileLockContext ctx : all) {
      ctx.posix.forEach(l -> posix.add(new SavedLocks.Posix(ctx.inode.ino(), l)));
      ctx.flock.forEach(l -> flocks.add(new SavedLocks.Flock(ctx.inode.ino(), l)));
    }
    return new SavedLocks(leaseBreakTime, leasesEnable, files, leases, posix, flocks);
  }

  /**
   * The process is gone without closing (its node went down, or it is about to be restored afresh), as at its
   * exit: its sleeping opens, F_SETLKW and flock() calls end and its POSIX locks go (locks_remove_posix). The
   * caller (LockManager.forgetProcess, the one "process gone" path) closes the descriptions it had open, which
   * releases their leases. Returns the inodes touched.
   */
  public Set<Long> forgetProcess(int pid, LockEvents ev) {
    Set<Long> touched = new HashSet<>();
    for (FileLockContext ctx : contexts()) {
      for (BlockedOpener b : ctx.blocked()) {
        if (b.pid() == pid && abandon(ctx.inode.ino(), pid, b.reqId())) {
          touched.add(ctx.inode.ino());
        }
      }
      if (posixLocks.abandonAll(ctx, pid) | flockLocks.abandonAll(ctx, pid)) {
        touched.add(ctx.inode.ino());
      }
      if (posixLocks.removeOwner(ctx, pid)) {
        posixLocks.wakeUp(ctx).forEach(ev::posixGranted);
        touched.add(ctx.inode.ino());
      }
      forgetIfIdle(ctx);
    }
    return touched;
  }

  /** The pids with a sleeping call or a POSIX lock here (what {@link #forgetProcess} would drop). */
  public Set<Integer> pidsWithEntries() {
    Set<Integer> pids = new HashSet<>();
    for (FileLockContext ctx : contexts.values()) {
      ctx.blocked.forEach(b -> pids.add(b.pid()));
      ctx.posix.forEach(l -> pids.add(l.pid()));
      ctx.posixBlocked.forEach(w -> pids.add(w.pid()));
      ctx.flockBlocked.forEach(w -> pids.add(w.pid()));
    }
    return pids;
  }

  /** A whole tree restarts: every process is gone, and with them every open, lease and lock. */
  public void clear() {
    contexts.clear();
    lastContext = null;
    posixLocks.reset();
  }

  /** Live processes have entries here: a restore must leave them be. */
  private boolean inUse() {
    for (FileLockContext ctx : contexts.values()) {
      if (!ctx.idle()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Restart: rebuild the table from a checkpoint for the restored processes {@code pids} (their POSIX
   * locks come back with them; a waiter in F_SETLKW retries it). {@code refs} counts,
   * per open file description, the fds of the restored processes that refer to it (descriptions
   * nobody restored are gone, and their leases with them). {@code breakerInodes} are the inodes on
   * which a restored process was blocked in open: only there does a break resume; {@code writerInodes}, those
   * of them where one was blocked in an open for writing or a truncate (none, in the shorter forms).
   *
   * <p>Seed mode: a lease that was being broken goes back to its holder with the type it had before
   * the break (fl_type_prev), keeps the notified flag, and gets the deadline the policy gives, counted
   * from {@code now}; the restored breaker's retried open starts the break again. Without a restored
   * breaker (a partial restart) no deadline is kept: a new breaker waits the whole lease-break-time,
   * and the holder, already notified, is not signalled again (the seed's noted downside).
   *
   * <p>CRIU mode: only the target type counts; the lease is taken again as F_WRLCK (CRIU 4.2's guess
   * for any regular file) and re-broken with an O_NONBLOCK open, which starts a fresh, full break.
   *
   * <p>A restore takes time: {@code restoredAt} says when each holder's files and leases were back
   * (absent: {@code now}); the policy's time, and CRIU's re-break, count from there, since that is when
   * the kernel re-creates the lease.
   *
   * <p>Beside live processes (a partial restart on a cluster; the caller has dropped what the restored pids'
   * previous incarnations left, see {@link #forgetProcess}) the live entries stay as they are and the
   * image's are added as CRIU re-takes them: each lease with F_SETLEASE and each POSIX lock with F_SETLK,
   * so one that conflicts with live state is refused (EAGAIN) and said so. The sysctls stay the live ones.
   * Returns the ids of the descriptions restored.
   */
  public Set<Long> restore(SavedLocks saved, Set<Integer> pids, Map<Long, Integer> refs, Set<Long> breakerInodes,
      RestartPolicy policy, boolean criu, long now, Map<Integer, Long> restoredAt, LockEvents ev) {
    return restore(saved, pids, refs, breakerInodes, policy, RestartMode.of(criu), now, restoredAt, ev);
  }

  /**
   * As above, in any {@link RestartMode}. Keep-break: the break comes back as it was, the deadline from the
   * restore's beginning plus the policy's time, breaker or not; a restored breaker's retried open joins it.
   */
  public Set<Long> restore(SavedLocks saved, Set<Integer> pids, Map<Long, Integer> refs, Set<Long> breakerInodes,
      RestartPolicy policy, RestartMode mode, long now, Map<Integer, Long> restoredAt, LockEvents ev) {
    return restore(saved, pids, refs, breakerInodes, Set.of(), policy, mode, CriuTypeGuess.FILE_TYPE, now, restoredAt,
        ev);
  }

  /**
   * As above; in criu mode with CRIU's {@code guess} of a broken lease's type before its break (4.2's, or the
   * patched open-mode one). Where the guessed lease cannot be taken or re-broken, real CRIU fails the restore;
   * the emulator cannot fail a restart step, so it restores what CRIU had got to and says so in a note.
   */
  public Set<Long> restore(SavedLocks saved, Set<Integer> pids, Map<Long, Integer> refs, Set<Long> breakerInodes,
      Set<Long> writerInodes, RestartPolicy policy, RestartMode mode, CriuTypeGuess guess, long now,
      Map<Integer, Long> restoredAt, LockEvents ev) {
    boolean criu = mode == RestartMode.CRIU;
    boolean beside = inUse();
    if (!beside) {
      clear();
      leaseBreakTime = saved.leaseBreakTime();
      leasesEnable = saved.leasesEnable();
    }
    Map<Long, OpenFile> byId = restoreFiles(saved, refs, beside, ev);
    restorePosix(saved, pids, byId.keySet(), beside, ev);
    restoreFlocks(saved, byId.keySet(), beside, ev);
    List<Rebreak> rebreak = new ArrayList<>();
    for (SavedLocks.Saved s : saved.leases()) {
      OpenFile file = byId.get(s.fileId());
      if (file == null) {
        continue;
      }
      FileLockContext ctx = lookup(file.inode.ino());
      LeaseType type = mode == RestartMode.KEEP_BREAK ? s.type() : restoredType(s, file, criu ? guess : null);
      if (beside && refuseLease(ctx, file, s.pid(), type, ev)) {
        continue;
      }
      Lease l = new Lease(file, s.pid(), leaseOrder++, type);
      ctx.addLease(l);
      if (!s.breaking()) {
        ev.leaseChanged(l, "restored");
        continue;
      }
      if (criu) {
        if (checkConflictingOpen(ctx, file, type)) {
          // every description is open again before CRIU restores the locks: its F_SETLEASE fails with EAGAIN
          ev.note(s.pid(), criuName(guess) + " fails this restore: its F_SETLEASE(" + type.fcntlName()
              + ") before the re-break gets EAGAIN (" + ctx.inode.path() + (type == LeaseType.RDLCK
              ? " is open for writing" : " is open elsewhere") + "; 'Can't set lease', 'Restoring FAILED'); restored "
              + "here as if it had succeeded");
        }
        ev.leaseChanged(l, (guess == CriuTypeGuess.FILE_TYPE ? "restored as CRIU does"
            : "restored as CRIU with the open-mode guess does") + ": previous type guessed " + l.type.procName);
        rebreak.add(new Rebreak(ctx, s.pid(), s.targetType() == LeaseType.UNLCK, restoredAt.getOrDefault(s.pid(), now)));
        continue;
      }
      l.typePrev = s.typePrev();
      l.breakNotified = s.breakNotified();
      l.restored = true;
      long at = restoredAt.getOrDefault(s.pid(), now);
      if (mode == RestartMode.KEEP_BREAK) {
        keepBreak(l, s, policy, at, ev);
        continue;
      }
      boolean breaker = breakerInodes.contains(file.inode.ino());
      l.restoredBreakTime = breaker ? restoredDeadline(policy, s.remainingMs(), at) : 0;
      if (breaker && s.hasDowngradeTime()) {
        // both were pending: a restored reader's retried open re-breaks the downgrade with the downgrade's own time
        // left, under the same policy as the unlock's (favor-holder and favor-breaker give both the same)
        l.restoredDowngradeTime = restoredDeadline(policy, s.downgradeRemainingMs(), at);
        l.restoredUnlockWaits = writerInodes.contains(file.inode.ino());
      }
      ev.leaseChanged(l, "restored to its type before the break"
          + (l.restoredBreakTime != 0 ? " (" + policy + ")"
          : breaker ? ", no deadline (" + policy + " on an image without one)" : ", no breaker restored"));
    }
    for (Rebreak r : rebreak) {
      // CRIU's O_NONBLOCK open: EWOULDBLOCK, a fresh break goes on
      if (breakLease(r.ctx, r.writer, true, r.at, ev) == null) {
        // the open went through (an F_RDLCK guessed for a reader's break): open_break_cb() fails the restore
        ev.note(r.pid, criuName(guess) + " fails this restore: its " + (r.writer ? "O_WRONLY" : "O_RDONLY")
            + "|O_NONBLOCK re-break of " + r.ctx.inode.path() + " conflicts with no lease ('Conflicting lease "
            + "wasn't found', 'Restoring FAILED'); restored here as if it had succeeded, the lease not breaking");
      }
    }
    return byId.keySet();
  }

  /**
   * The deadline a restored break gets: the restore's beginning plus the policy's time for what the image kept
   * ({@code remainingMs}, -1: none); 0, no deadline, when there is no time to give.
   */
  private long restoredDeadline(RestartPolicy policy, long remainingMs, long at) {
    long left = policy.timeLeft(remainingMs, leaseBreakTime);
    return left < 0 ? 0 : Math.max(1, at + left);
  }

  /**
   * Keep-break: the break goes on from where the checkpoint left it. The pending state and fl_type_prev are
   * the image's; the deadline is the restore's beginning plus the policy's time (none if the image has none);
   * the holder is signalled now only if it was not before the checkpoint, so never twice for one break.
   */
  private void keepBreak(Lease l, SavedLocks.Saved s, RestartPolicy policy, long at, LockEvents ev) {
    long deadline = restoredDeadline(policy, s.remainingMs(), at);
    // an image that kept the downgrade's deadline beside the unlock's restores both breaks, each deadline moved
    // by the policy as the unlock's is (time_out_leases applies each); an older image, unlock pending only
    boolean both = s.unlockPending() && s.downgradePending() && s.hasDowngradeTime();
    l.unlockPending = s.unlockPending();
    l.downgradePending = (!s.unlockPending() || both) && s.downgradePending();
    if (l.typePrev == null) {
      l.typePrev = l.type;
    }
    long downgrade = 0;
    if (both) {
      downgrade = restoredDeadline(policy, s.downgradeRemainingMs(), at);
      l.downgradeTime = downgrade;
      l.restoredDowngradeTime = downgrade;
    }
    if (l.unlockPending) {
      l.breakTime = deadline;
    } else {
      l.downgradeTime = deadline;
    }
    l.restoredBreakTime = deadline;
    boolean signal = !l.breakNotified;
    if (signal) {
      leaseBreakCallback(l, ev);
    }
    ev.leaseChanged(l, "restored with its break (" + policy + (deadline == 0 ? ", no deadline" : "") + "), holder "
        + (signal ? "signalled now (not signalled before the checkpoint)" : "not signalled again")
        + (!both ? "" : ", downgrade pending too (" + (downgrade == 0 ? "no deadline"
            : String.format("its deadline %d.%03ds", downgrade / 1000, downgrade % 1000)) + ")"));
  }

  /** The descriptions the restored processes hold, re-opened (counted in i_readcount/i_writecount). */
  private Map<Long, OpenFile> restoreFiles(SavedLocks saved, Map<Long, Integer> refs, boolean beside, LockEvents ev) {
    Map<Long, OpenFile> byId = new HashMap<>(saved.files().size() * 4 / 3 + 1); // sized: no rehash of a large tree's
    for (SavedLocks.File f : saved.files()) {
      int n = refs.getOrDefault(f.id(), 0);
      if (n == 0) {
        continue;
      }
      FileLockContext ctx = contextFor(f.inode());
      if (beside && ctx.files.containsKey(f.id())) {
        // a table restarted empty after the checkpoint numbered a live open the same: that one stays
        ev.note(0, "open file description " + f.id() + " of " + f.inode().path()
            + " is not restored: a live open has that id");
        continue;
      }
      OpenFile file = new OpenFile(f.id(), f.inode(), f.mode(), f.nonblock());
      file.refs = n;
      file.ownerPid = f.ownerPid();
      file.signum = f.signum();
      file.fasyncFd = f.fasyncFd();
      ctx.files.put(file.id, file);
      ctx.nextFileSeq = Math.max(ctx.nextFileSeq, (file.id & 0xffffff) + 1);
      getAccess(ctx, file);
      byId.put(file.id, file);
    }
    return byId;
  }

  /**
   * The restored processes' record locks and the restored descriptions' OFD locks; beside live owners, only
   * those F_SETLK (CRIU: F_OFD_SETLK) would grant.
   */
  private void restorePosix(SavedLocks saved, Set<Integer> pids, Set<Long> files, boolean beside, LockEvents ev) {
    for (SavedLocks.Posix p : saved.posix()) {
      // a restored process keeps its record locks; it holds an fd to the file, so its context exists
      FileLockContext ctx = lookup(p.ino());
      boolean mine = p.lock().isOfd() ? files.contains(p.lock().ofd()) : pids.contains(p.lock().pid());
      if (ctx == null || !mine) {
        continue;
      }
      if (!beside) {
        ctx.addPosix(p.lock());
        continue;
      }
      PosixLock blocker = posixLocks.restore(ctx, p.lock());
      if (blocker != null) {
        ev.note(p.lock().pid(), "pid " + p.lock().pid() + ": the restored " + (p.lock().isOfd() ? "OFD " : "POSIX ")
            + p.lock().type().procName + " lock on " + ctx.inode.path() + " " + range(p.lock()) + " is refused ("
            + (p.lock().isOfd() ? "F_OFD_SETLK" : "F_SETLK") + ": EAGAIN): " + (blocker.isOfd()
            ? "an open file description of pid " + blocker.pid() : "pid " + blocker.pid()) + " holds a "
            + blocker.type().procName + " lock on " + range(blocker));
      }
    }
  }

  /**
   * The restored descriptions' flock(2) locks (CRIU re-takes each with flock()); beside live owners one that
   * conflicts is refused, as the restore does not wait.
   */
  private void restoreFlocks(SavedLocks saved, Set<Long> files, boolean beside, LockEvents ev) {
    for (SavedLocks.Flock f : saved.flocks()) {
      FileLockContext ctx = lookup(f.ino());
      if (ctx == null || !files.contains(f.lock().file())) {
        continue;
      }
      if (!beside) {
        ctx.addFlock(f.lock());
        continue;
      }
      FlockLock blocker = flockLocks.restore(ctx, f.lock());
      if (blocker != null) {
        ev.note(f.lock().pid(), "pid " + f.lock().pid() + ": the restored flock " + f.lock().type().procName
            + " lock on " + ctx.inode.path() + " is refused (EWOULDBLOCK): pid " + blocker.pid() + " holds a "
            + blocker.type().procName + " flock lock");
      }
    }
  }

  private static String range(PosixLock l) {
    return "[" + l.start() + ", " + (l.end() == PosixLock.EOF ? "EOF" : String.valueOf(l.end())) + "]";
  }

  /**
   * The type a lease comes back with: its type; during a break, the type before it (seed), or CRIU's guess
   * ({@code guess} non-null: criu mode).
   */
  private static LeaseType restoredType(SavedLocks.Saved s, OpenFile file, CriuTypeGuess guess) {
    if (!s.breaking()) {
      return s.type();
    }
    if (guess == CriuTypeGuess.FILE_TYPE) {
      // restore_lease_prebreaking_state() masks the fd's file type (FD_TYPES__REG = 1) with O_ACCMODE,
      // which reads as O_WRONLY: CRIU 4.2 takes F_WRLCK for every regular file, whatever the open mode
      return LeaseType.WRLCK;
    }
    if (guess == CriuTypeGuess.OPEN_MODE) {
      // patched: the description's open mode (RegFileEntry.flags & O_ACCMODE)
      return file.mode == AccessMode.O_RDONLY ? LeaseType.RDLCK : LeaseType.WRLCK;
    }
    return s.typePrev() != null ? s.typePrev() : s.type();
  }

  private static String criuName(CriuTypeGuess guess) {
    return guess == CriuTypeGuess.FILE_TYPE ? "CRIU 4.2" : "CRIU with the open-mode type guess";
  }

  /**
   * generic_add_lease() for a lease CRIU re-takes beside live ones: true (and a note) if F_SETLEASE fails
   * with EAGAIN. The restored opens count, as CRIU opens first. A live lease of a conflicting type refuses
   * it too: CRIU's open would have had to break that lease, and the restore does not wait for a break.
   */
  private static boolean refuseLease(FileLockContext ctx, OpenFile file, int pid, LeaseType type, LockEvents ev) {
    String why = null;
    if (checkConflictingOpen(ctx, file, type)) {
      why = type == LeaseType.RDLCK ? "the file is open for writing" : "the file is open elsewhere";
    }
    for (int i = 0; why == null && i < ctx.leases.size(); i++) {
      Lease l = ctx.leases.get(i);
      if (type == LeaseType.WRLCK || l.type == LeaseType.WRLCK) {
        why = "pid " + l.pid + " holds a " + l.type.procName + " lease";
      } else if (l.unlockPending) {
        why = "pid " + l.pid + "'s lease is being broken for a writer";
      }
    }
    if (why != null) {
      ev.note(pid, "pid " + pid + ": the restored " + type.procName + " lease on " + file.inode.path()
          + " is refused (F_SETLEASE: EAGAIN): " + why);
    }
    return why != null;
  }

  private record Rebreak(FileLockContext ctx, int pid, boolean writer, long at) {}

}
