package io.leasecr.core.locks;

import java.util.List;

/**
 * The lease table of a checkpoint, as plain data: what checkpoint/restart saves of each open file
 * description and each lease (the seed's fl_type_prev, fl_break_notified and remaining time).
 */
public record SavedLocks(long leaseBreakTime, boolean leasesEnable, List<File> files, List<Saved> leases,
    List<Posix> posix, List<Flock> flocks) {

  /** Without flock(2) locks. */
  public SavedLocks(long leaseBreakTime, boolean leasesEnable, List<File> files, List<Saved> leases,
      List<Posix> posix) {
    this(leaseBreakTime, leasesEnable, files, leases, posix, List.of());
  }

  /** A POSIX record lock (classic, or an OFD lock: {@link PosixLock#ofd()} is its description) and its inode. */
  public record Posix(long ino, PosixLock lock) {}

  /** A flock(2) lock and the inode it is on. */
  public record Flock(long ino, FlockLock lock) {}

  public record File(long id, Inode inode, AccessMode mode, boolean nonblock, int ownerPid, int signum, int fasyncFd) {}

  /** @param remainingMs time left until the break deadline; -1 when there is none */
  public record Saved(long fileId, int pid, LeaseType type, boolean unlockPending, boolean downgradePending,
      LeaseType typePrev, boolean breakNotified, long remainingMs) {

    public boolean breaking() {
      return unlockPending || downgradePending;
    }

    public LeaseType targetType() {
      return unlockPending ? LeaseType.UNLCK : downgradePending ? LeaseType.RDLCK : type;
    }
  }
}
