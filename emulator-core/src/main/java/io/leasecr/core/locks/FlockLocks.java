package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.List;

/**
 * flock(2) locks of fs/locks.c: flock_lock_inode and flock_locks_conflict. They live per inode in their
 * own list (flc_flock) and never meet POSIX or OFD locks. A change of type is not atomic: the old lock is
 * dropped first, so a failed LOCK_NB upgrade leaves the caller with no lock at all, and waiters of the old
 * lock are woken. There is no deadlock detection: two processes can wait for each other for ever.
 */
public final class FlockLocks {

  public static final int LOCK_SH = 1;
  public static final int LOCK_EX = 2;
  public static final int LOCK_NB = 4;
  public static final int LOCK_UN = 8;
  /** Ignored since Linux 5.17 (a warning, and 0), as it never worked. */
  public static final int LOCK_MAND = 32;

  /** A process sleeping in flock() (without LOCK_NB) until {@code request} no longer conflicts. */
  public record Waiter(int pid, long reqId, long ino, FlockLock request) {}

  /** What flock() leads to. */
  public sealed interface Outcome {
    record Granted() implements Outcome {}

    record Failed(Errno errno) implements Outcome {}

    record Blocked(Waiter waiter) implements Outcome {}
  }

  /** flock_translate_cmd(cmd & ~LOCK_NB): the lock type an operation asks for, or null (EINVAL). */
  public static LeaseType translateCmd(int op) {
    return switch (op & ~LOCK_NB) {
      case LOCK_SH -> LeaseType.RDLCK;
      case LOCK_EX -> LeaseType.WRLCK;
      case LOCK_UN -> LeaseType.UNLCK;
      default -> null;
    };
  }

  /** The operation as flock(2)'s man page writes it: "LOCK_EX|LOCK_NB". */
  public static String opName(int op) {
    if ((op & LOCK_MAND) != 0) {
      return String.valueOf(op);
    }
    LeaseType t = translateCmd(op);
    String base = t == null ? String.valueOf(op & ~LOCK_NB)
        : t == LeaseType.RDLCK ? "LOCK_SH" : t == LeaseType.WRLCK ? "LOCK_EX" : "LOCK_UN";
    return (op & LOCK_NB) != 0 ? base + "|LOCK_NB" : base;
  }

  /**
   * flock_lock_inode(): the caller's description drops the lock it holds if the type differs (same type:
   * nothing to do), an unlock ends there; then the first conflicting lock makes it EWOULDBLOCK (LOCK_NB) or a
   * sleep; else the lock goes in at the tail. The caller wakes waiters afterwards (a dropped lock frees them).
   */
  Outcome lock(FileLockContext ctx, FlockLock request, boolean nb, long reqId) {
    for (FlockLock l : ctx.flock) {
      if (l.file() != request.file()) {
        continue;
      }
      if (l.type() == request.type()) {
        return new Outcome.Granted();
      }
      ctx.flock.remove(l); // not atomic: the old lock goes before the new one is looked at
      break;
    }
    if (request.type() == LeaseType.UNLCK) {
      return new Outcome.Granted();
    }
    if (test(ctx, request) != null) {
      if (nb) {
        return new Outcome.Failed(Errno.EWOULDBLOCK);
      }
      Waiter w = new Waiter(request.pid(), reqId, ctx.inode.ino(), request);
      ctx.addFlockBlocked(w);
      return new Outcome.Blocked(w);
    }
    ctx.addFlock(request);
    return new Outcome.Granted();
  }

  /** The first lock that conflicts with {@code request}, or null. */
  static FlockLock test(FileLockContext ctx, FlockLock request) {
    for (FlockLock l : ctx.flock) {
      if (l.conflicts(request)) {
        return l;
      }
    }
    return null;
  }

  /** locks_remove_flock(): the description's last close drops its lock. */
  boolean removeFile(FileLockContext ctx, long fileId) {
    return ctx.flock.removeIf(l -> l.file() == fileId);
  }

  /** A waiter gave up (EINTR, or the process died). */
  boolean abandon(FileLockContext ctx, int pid, long reqId) {
    return ctx.flockBlocked.removeIf(w -> w.pid() == pid && w.reqId() == reqId);
  }

  /** The process is gone: its sleeping flock() calls end. */
  boolean abandonAll(FileLockContext ctx, int pid) {
    return ctx.flockBlocked.removeIf(w -> w.pid() == pid);
  }

  /**
   * locks_wake_up_blocks(): woken waiters retry flock_lock_inode in arrival order; those that no longer
   * conflict get their lock now, the others sleep on.
   */
  List<Waiter> wakeUp(FileLockContext ctx) {
    List<Waiter> granted = new ArrayList<>();
    for (Waiter w : List.copyOf(ctx.flockBlocked)) {
      if (test(ctx, w.request()) == null) {
        ctx.flockBlocked.remove(w);
        ctx.flock.removeIf(l -> l.file() == w.request().file());
        ctx.addFlock(w.request());
        granted.add(w);
      }
    }
    return granted;
  }

  /** A lock restored beside live owners, taken as with LOCK_NB: granted, or the lock in the way is returned. */
  FlockLock restore(FileLockContext ctx, FlockLock lock) {
    FlockLock blocker = test(ctx, lock);
    if (blocker == null) {
      ctx.addFlock(lock);
    }
    return blocker;
  }
}
