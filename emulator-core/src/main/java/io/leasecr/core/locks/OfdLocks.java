package io.leasecr.core.locks;

/**
 * Open file description locks (fcntl F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK): POSIX byte-range locks whose
 * owner is the open file description (fl_owner = filp, FL_OFDLCK) instead of the process. They share the
 * inode's POSIX list and posix_lock_inode with classic locks ({@link PosixLocks}), so the two kinds conflict
 * with each other, even within one process; what differs is here: l_pid must be 0, F_OFD_GETLK reports l_pid
 * -1, they are never EDEADLK, and only the description's last close drops them.
 */
public final class OfdLocks {
  private final PosixLocks posix;

  OfdLocks(PosixLocks posix) {
    this.posix = posix;
  }

  /**
   * fcntl_setlk() for F_OFD_SETLK(W), after the checks classic locks share (type, range, access mode):
   * "l_pid must be 0" (EINVAL), then the description becomes the owner.
   */
  PosixLocks.Outcome lock(FileLockContext ctx, OpenFile file, int pid, LeaseType type, long start, long len,
      long lPid, boolean wait, long reqId) {
    if (lPid != 0) {
      return new PosixLocks.Outcome.Failed(Errno.EINVAL);
    }
    return posix.lock(ctx, PosixLock.of(pid, type, start, len, file.id), wait, reqId);
  }

  /**
   * fcntl_getlk() for F_OFD_GETLK: l_pid must be 0 (EINVAL); the description's own locks never conflict.
   * Returns the first conflicting lock (its {@link PosixLock#procPid()} is the l_pid reported: -1 for an OFD
   * lock), F_UNLCK, or the errno. An F_UNLCK request (posix_test_locks_conflict: "F_UNLCK checks any locks on
   * the same fd") finds the description's own first lock that overlaps the range instead.
   */
  GetLk test(FileLockContext ctx, OpenFile file, int pid, LeaseType type, long start, long len, long lPid) {
    if (lPid != 0) {
      return new GetLk.Failed(Errno.EINVAL);
    }
    PosixLock request = PosixLock.of(pid, type, start, len, file.id);
    if (type != LeaseType.UNLCK) {
      return GetLk.of(posix.test(ctx, request));
    }
    for (PosixLock l : ctx.posix) {
      if (l.sameOwner(request) && l.overlaps(request)) {
        return new GetLk.Locked(l);
      }
    }
    return GetLk.UNLOCKED;
  }

  /** locks_remove_file(): the description's last close drops its OFD locks. */
  boolean release(FileLockContext ctx, long fileId) {
    return posix.removeFile(ctx, fileId);
  }
}
