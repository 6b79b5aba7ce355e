package io.leasecr.core.locks;

/**
 * One lease ({@code struct file_lease}) with the break state the kernel keeps in flc_flags, plus the
 * two fields the checkpoint/restart design adds: {@code typePrev} and {@code breakNotified}.
 */
public final class Lease {
  final OpenFile file;
  /** flc_pid: tgid of the process that set the lease. */
  final int pid;
  /** Global insertion order: the order /proc/locks lists locks in. */
  final long order;
  LeaseType type;
  boolean unlockPending;
  boolean downgradePending;
  /** fl_break_time: emulated ms at which an unlock-pending lease is removed; 0 = no deadline. */
  long breakTime;
  /** fl_downgrade_time: emulated ms at which a downgrade-pending lease becomes F_RDLCK; 0 = none. */
  long downgradeTime;
  /**
   * The seed's fl_type_prev: the type before the current break began, null when not breaking. (The
   * seed tests {@code !fl_type_prev}, which cannot tell "unset" from F_RDLCK = 0; null can.)
   */
  LeaseType typePrev;
  /** The seed's fl_break_notified: the holder was signalled for the current break. */
  boolean breakNotified;
  /**
   * Restored from a checkpoint taken during a break: the next break keeps {@code typePrev}, takes
   * {@code restoredBreakTime} as its deadline (if set) and signals only if the holder was not
   * signalled before the checkpoint (the seed's __break_lease changes).
   */
  boolean restored;
  long restoredBreakTime;
  /**
   * The restored deadline of a downgrade, when the image kept one of its own (the lease was both unlock- and
   * downgrade-pending): a reader's re-break takes it instead of {@code restoredBreakTime}. 0: none kept.
   */
  long restoredDowngradeTime;
  /**
   * Seed mode, both breaks restored and a writer asleep on the file restored too: the unlock break outlives the
   * downgrade (lease_clear_pending clears only FL_DOWNGRADE_PENDING), so once the downgrade is done the
   * writer's retried open resumes it with {@code restoredBreakTime}, {@code typePrev} and the notified flag.
   */
  boolean restoredUnlockWaits;

  Lease(OpenFile file, int pid, long order, LeaseType type) {
    this.file = file;
    this.pid = pid;
    this.order = order;
    this.type = type;
  }

  /** lease_breaking(). */
  public boolean breaking() {
    return unlockPending || downgradePending;
  }

  /** target_leasetype(): what F_GETLEASE and /proc/locks report. */
  public LeaseType targetType() {
    if (unlockPending) {
      return LeaseType.UNLCK;
    }
    if (downgradePending) {
      return LeaseType.RDLCK;
    }
    return type;
  }

  public OpenFile file() {
    return file;
  }

  public int pid() {
    return pid;
  }

  public LeaseType type() {
    return type;
  }

  public LeaseType typePrev() {
    return typePrev;
  }

  public boolean breakNotified() {
    return breakNotified;
  }

  public boolean restored() {
    return restored;
  }

  public long breakTime() {
    return breakTime;
  }

  public long downgradeTime() {
    return downgradeTime;
  }

  /** The deadline that ends the current break, 0 if none. */
  public long deadline() {
    if (unlockPending) {
      return breakTime;
    }
    return downgradePending ? downgradeTime : 0;
  }
}
