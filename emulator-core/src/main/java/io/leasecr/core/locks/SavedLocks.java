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

  /**
   * @param remainingMs time left until the break deadline (the unlock's when both are pending); -1 when there is
   *     none
   * @param downgradeRemainingMs time left until the downgrade's deadline (fl_downgrade_time) of a lease both
   *     unlock- and downgrade-pending; -1 when there is none; {@link #NO_DOWNGRADE_TIME} on any other lease, and
   *     on an image written before it was kept (restored as before: unlock pending only, or seed's re-broken
   *     downgrade with {@code remainingMs})
   */
  public record Saved(long fileId, int pid, LeaseType type, boolean unlockPending, boolean downgradePending,
      LeaseType typePrev, boolean breakNotified, long remainingMs, long downgradeRemainingMs) {

    /** No separate downgrade deadline saved (image field downgrade_remaining_ms absent). */
    public static final long NO_DOWNGRADE_TIME = Long.MIN_VALUE;

    /** Without a separate downgrade deadline. */
    public Saved(long fileId, int pid, LeaseType type, boolean unlockPending, boolean downgradePending,
        LeaseType typePrev, boolean breakNotified, long remainingMs) {
      this(fileId, pid, type, unlockPending, downgradePending, typePrev, breakNotified, remainingMs, NO_DOWNGRADE_TIME);
    }

    /** The image keeps the downgrade's own deadline (both pending): {@link #downgradeRemainingMs} is meaningful. */
    public boolean hasDowngradeTime() {
      return downgradeRemainingMs != NO_DOWNGRADE_TIME;
    }

    public boolean breaking() {
      return unlockPending || downgradePending;
    }

    public LeaseType targetType() {
      return unlockPending ? LeaseType.UNLCK : downgradePending ? LeaseType.RDLCK : type;
    }
  }
}
