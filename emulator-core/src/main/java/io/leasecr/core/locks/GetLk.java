package io.leasecr.core.locks;

/**
 * What fcntl(F_GETLK) and F_OFD_GETLK answer (fcntl_getlk, posix_test_lock): the range is free, a lock is
 * found there, or the request is refused. The kernel fills in the caller's struct flock from it.
 */
public sealed interface GetLk {

  /** No lock conflicts: l_type is set to F_UNLCK, the rest of the struct flock is left as it was. */
  GetLk UNLOCKED = new Unlocked();

  /** l_type as F_GETLK reports it: the found lock's type, or F_UNLCK; -1 when the request is refused. */
  long lType();

  record Unlocked() implements GetLk {
    @Override
    public long lType() {
      return LeaseType.UNLCK.value;
    }
  }

  /**
   * The first conflicting lock (for F_OFD_GETLK with F_UNLCK: the description's own first lock on the range):
   * its type, start, length and owner ({@link PosixLock#procPid()}, -1 for an OFD lock) are reported.
   */
  record Locked(PosixLock lock) implements GetLk {
    @Override
    public long lType() {
      return lock.type().value;
    }
  }

  /** The request is bad: EBADF (no such description, or O_PATH), EINVAL (type, range, l_pid). */
  record Failed(Errno errno) implements GetLk {
    @Override
    public long lType() {
      return -1;
    }
  }

  /** A found lock, or {@link #UNLOCKED} for null. */
  static GetLk of(PosixLock found) {
    return found == null ? UNLOCKED : new Locked(found);
  }
}
