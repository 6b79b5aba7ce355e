package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * POSIX record locks of fs/locks.c (fcntl F_SETLK, F_SETLKW, F_GETLK): posix_lock_inode's merging and
 * splitting, posix_test_lock, blocking waiters and posix_locks_deadlock. Locks live per inode beside
 * the leases (FileLockContext.posix); the wait-for map is the one thing shared across inodes, as in the
 * kernel's blocked_hash. Open file description locks share all of this (the same list, the same
 * posix_lock_inode) with the description as owner; {@link OfdLocks} is their front door.
 */
public final class PosixLocks {

  /** A process sleeping in F_SETLKW until {@code request} no longer conflicts. */
  public record Waiter(int pid, long reqId, long ino, PosixLock request) {}

  /** What F_SETLK(W) leads to. */
  public sealed interface Outcome {
    record Granted() implements Outcome {}

    record Failed(Errno errno) implements Outcome {}

    record Blocked(Waiter waiter) implements Outcome {}
  }

  /** blocked_hash: which owner each sleeping owner waits for (deadlock detection). */
  private final Map<Integer, Integer> waitsFor = new HashMap<>();

  /** Linux gives up looking for a cycle after this many hops and one more (MAX_DEADLK_ITERATIONS). */
  private static final int MAX_DEADLK_ITERATIONS = 10;

  /** The order an inode's locks are kept in: by owner, then start. */
  private static final Comparator<PosixLock> BY_OWNER =
      Comparator.comparingInt(PosixLock::pid).thenComparingLong(PosixLock::ofd).thenComparingLong(PosixLock::start);

  /** A restart replaces every process: nobody waits any more (retried F_SETLKW calls wait again). */
  void reset() {
    waitsFor.clear();
  }

  /** F_GETLK: the first lock that would conflict, or null (the caller reports F_UNLCK). */
  public PosixLock test(FileLockContext ctx, PosixLock request) {
    for (PosixLock l : ctx.posix) {
      if (l.conflicts(request)) {
        return l;
      }
    }
    return null;
  }

  /**
   * F_SETLK / F_SETLKW. An unlock or a lock without conflicts is applied at once (merging and
   * splitting the owner's locks); a conflict is EAGAIN for F_SETLK, EDEADLK if waiting would close a
   * cycle, else the caller sleeps.
   */
  public Outcome lock(FileLockContext ctx, PosixLock request, boolean wait, long reqId) {
    if (request.type() != LeaseType.UNLCK) {
      PosixLock blocker = test(ctx, request);
      if (blocker != null) {
        if (!wait) {
          return new Outcome.Failed(Errno.EAGAIN);
        }
        if (deadlock(request, blocker)) {
          return new Outcome.Failed(Errno.EDEADLK);
        }
        Waiter w = new Waiter(request.pid(), reqId, ctx.inode.ino(), request);
        ctx.addPosixBlocked(w);
        waitsFor(request, blocker);
        return new Outcome.Blocked(w);
      }
    }
    apply(ctx, request);
    return new Outcome.Granted();
  }

  /**
   * posix_locks_deadlock(): would the owner's wait close a cycle of waiting owners? Never for an OFD
   * request ("they aren't owned by a process, per-se"), and a chain that reaches an OFD lock ends there:
   * OFD waiters are not in blocked_hash.
   */
  private boolean deadlock(PosixLock request, PosixLock blocker) {
    if (request.isOfd() || blocker.isOfd()) {
      return false;
    }
    int caller = request.pid();
    Integer owner = blocker.pid();
    // while ((blocker = what_owner_is_waiting_for(blocker))) { if (i++ > MAX_DEADLK_ITERATIONS) return 0; ... }:
    // the owners after the blocker's are looked at, eleven at most (checked on Linux 6.x: a cycle through 11
    // other owners is EDEADLK, through 12 the request sleeps)
    for (int i = 0; (owner = waitsFor.get(owner)) != null; i++) {
      if (i > MAX_DEADLK_ITERATIONS) {
        return false;
      }
      if (owner == caller) {
        return true;
      }
    }
    return false;
  }

  /**
   * posix_lock_inode() for a request that may proceed: the owner's locks that the request overlaps
   * (or touches, for the same type) are cut or merged so the owner ends up with exactly the request's
   * type over its range and what it had elsewhere.
   */
  private static void apply(FileLockContext ctx, PosixLock req) {
    List<PosixLock> out = new ArrayList<>();
    long start = req.start();
    long end = req.end();
    for (PosixLock l : ctx.posix) {
      if (!l.sameOwner(req)) {
        out.add(l);
        continue;
      }
      boolean adjacent = (l.end() != PosixLock.EOF && l.end() + 1 == start) || (end != PosixLock.EOF && end + 1 == l.start());
      if (l.type() == req.type() && (l.overlaps(req) || adjacent)) {
        start = Math.min(start, l.start()); // same type: merge into the request
        end = Math.max(end, l.end());
        continue;
      }
      if (!l.overlaps(req)) {
        out.add(l);
        continue;
      }
      if (l.start() < req.start()) {
        out.add(l.with(l.type(), l.start(), req.start() - 1)); // the part before
      }
      if (req.end() != PosixLock.EOF && l.end() > req.end()) {
        out.add(l.with(l.type(), req.end() + 1, l.end())); // the part after
      }
    }
    if (req.type() != LeaseType.UNLCK) {
      out.add(req.with(req.type(), start, end));
    }
    out.sort(BY_OWNER);
    ctx.posix.clear();
    ctx.addAllPosix(out);
  }

  /**
   * A lock restored beside live owners, taken as CRIU takes it (F_SETLK): granted if nothing conflicts, else
   * the lock in the way is returned (EAGAIN). An owner's restored locks never touch, so nothing merges.
   */
  PosixLock restore(FileLockContext ctx, PosixLock lock) {
    PosixLock blocker = test(ctx, lock);
    if (blocker == null) {
      ctx.addPosix(lock);
      ctx.posix.sort(BY_OWNER);
    }
    return blocker;
  }

  /** The owner is gone (exit, or a restore replaces it): its sleeping F_SETLKW calls end. */
  boolean abandonAll(FileLockContext ctx, int pid) {
    boolean removed = ctx.posixBlocked.removeIf(w -> w.pid() == pid);
    if (removed) {
      waitsFor.remove(pid);
    }
    return removed;
  }

  /** locks_remove_posix(): any close of the file by a process drops all its (classic) locks on it. */
  public boolean removeOwner(FileLockContext ctx, int pid) {
    return ctx.posix.removeIf(l -> !l.isOfd() && l.pid() == pid);
  }

  /** locks_remove_file() → locks_remove_posix(filp, filp): the description's last close drops its OFD locks. */
  boolean removeFile(FileLockContext ctx, long fileId) {
    return ctx.posix.removeIf(l -> l.ofd() == fileId);
  }

  /** Only classic waiters are in blocked_hash, and only a classic blocker leads the chain on. */
  private void waitsFor(PosixLock request, PosixLock blocker) {
    if (request.isOfd() || blocker.isOfd()) {
      waitsFor.remove(request.pid());
    } else {
      waitsFor.put(request.pid(), blocker.pid());
    }
  }

  /** A waiter gave up (EINTR, or the process died). */
  public boolean abandon(FileLockContext ctx, int pid, long reqId) {
    boolean removed = ctx.posixBlocked.removeIf(w -> w.pid() == pid && w.reqId() == reqId);
    if (removed) {
      waitsFor.remove(pid);
    }
    return removed;
  }

  /** locks_wake_up_blocks(): every waiter that no longer conflicts gets its lock now, in arrival order. */
  public List<Waiter> wakeUp(FileLockContext ctx) {
    List<Waiter> granted = new ArrayList<>();
    for (Waiter w : List.copyOf(ctx.posixBlocked)) {
      PosixLock blocker = test(ctx, w.request());
      if (blocker == null) {
        ctx.posixBlocked.remove(w);
        waitsFor.remove(w.pid());
        apply(ctx, w.request());
        granted.add(w);
      } else {
        waitsFor(w.request(), blocker);
      }
    }
    return granted;
  }
}
